/** What the client coordinator and its worker processes say to each other, on the workers' stdout. */
import type { ClientReport } from "./report.ts";
import type { RampState } from "./ramp-gate.ts";
import type { HistogramsBody } from "../src/runs/run-shapes.ts";

/** Set in a client worker's environment: "i/N". */
export const CLIENT_WORKER_ENV = "C512K_CLIENT_WORKER";
/** Set in a client worker's environment: the scenario the coordinator checked, which the worker must also get. */
export const SCENARIO_SHA_ENV = "C512K_SCENARIO_SHA256";

/**
 * Ends the ramp from outside and holds what is open: the experiment sends it to the client, the
 * client's coordinator to its workers. Not SIGUSR1: Node starts its inspector on that one.
 */
export const HOLD_SIGNAL = "SIGUSR2";
/** What a worker's ramp says when its coordinator held it; the coordinator puts its own why in its place. */
export const HELD_BY_COORDINATOR = "told to hold by the client's coordinator";

export const PROGRESS_PREFIX = "@c512k-progress ";
export const RESULT_PREFIX = "@c512k-result ";
export const PROGRESS_EVERY_MS = 1_000;

/** A worker's share: its sockets, its part of the ramp rate, and its endpoints, rotated so the workers start on different ones. */
export interface WorkerAssignment {
  index: number;
  connections: number;
  rate: number;
  maxPending: number;
  urls: string[];
}

export interface ProgressFigures {
  open: number;
  ramp: RampState;
  /** Why it paused or holds, with figures; empty otherwise. */
  rampWhy: string;
  opened: number;
  peakOpen: number;
  failed: number;
  /** `failed` by cause. */
  failures: Record<string, number>;
  sent: number;
  answered: number;
  mismatched: number;
  rttP50: number;
  rttP99: number;
  /** In a run (--run), every other line: the histograms so far, for the server's exact merge. */
  histograms?: HistogramsBody;
}

/** A worker's result: its report, and its histograms, so the coordinator can merge percentiles exactly. */
export interface WorkerResult {
  report: ClientReport;
  rtt: string;
  rttSteady: string;
  connect: string;
}
