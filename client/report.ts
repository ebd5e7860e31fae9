/** The client's result: printed as one JSON object with `--json`, and as a table otherwise. */
import type { RampState } from "./ramp-gate.ts";
import type { Percentiles } from "../src/histograms.ts";

/** The youngest and the oldest of a group (failed connects of one cause), ms. */
export interface AgeRange {
  min: number;
  max: number;
}

export type { Percentiles };

/** How the ramp went: complete, or held short of the count because the machine was full. */
export interface RampReport {
  /** "done": every socket was started; "held": the ramp stopped short (why says why); else it was stopped first. */
  state: RampState;
  why: string;
  /** Times the ramp paused for deep queues, and the time it spent paused (s; the longest worker's). */
  pauses: number;
  pausedSeconds: number;
}

export interface ClientReport {
  /** The runtime that ran the client. */
  runtime: { name: string; version: string };
  /** Whose WebSocket client it used: the runtime's ("Bun's WebSocket", "ws"), or "lean (node:net)". */
  websocket: string;
  scenario: { url: string; sha256: string };
  target: number;
  /** Sockets whose handshake completed. */
  opened: number;
  /**
   * Sockets that failed to open, or were lost for good: dropped (not by a server shutdown)
   * without --reconnect, or not reopened by the end.
   */
  failed: number;
  /** `failed` by cause, e.g. "connect: ECONNREFUSED", "connect: HTTP 503", "dropped: close 1006". */
  failures: Record<string, number>;
  /**
   * For failed connects, by the same cause: the shortest and longest time from the connect to
   * the failure, ms. A cause that always strikes at the same age names a timer (whose?).
   */
  failedAfter: Record<string, AgeRange>;
  /** Open sockets closed by the server or the network, by close code and reason (all of them, failures or not). */
  drops: Record<string, number>;
  /** Of `drops`, those closed with 1001: the server shutting down, not a failure. */
  shutdowns: number;
  /** Messages in flight on sockets the server closed with 1001: not answered, not lost. */
  cut: number;
  /** Dropped sockets opened again (--reconnect). */
  reconnects: number;
  /** Failed attempts to reopen a dropped socket, by cause; each was tried again. */
  retries: Record<string, number>;
  peakOpen: number;
  sent: number;
  answered: number;
  /** Wrong answers, plus messages that answered nothing (a wrong greeting, say). */
  mismatched: number;
  /** Sent but neither answered nor mismatched when the socket closed (`cut` aside). */
  unanswered: number;
  /** Echo round trip over the whole run, ramp included. */
  rtt: Percentiles;
  /** Echo round trip of messages sent once every socket of a process had opened (or failed): the steady state. */
  rttSteady: Percentiles;
  /** Handshake time. */
  connect: Percentiles;
  seconds: number;
  ramp: RampReport;
  /** Up to five wrong answers, to show what went wrong. */
  mismatchSamples: { expected: string; got: string }[];
}

/** True when every socket opened and every message got its right answer. */
export function reportIsClean(r: ClientReport): boolean {
  return r.failed === 0 && r.mismatched === 0 && r.unanswered === 0;
}

/** ", after 10.1–12.0 s" for a connect failure whose times were recorded. */
export function failureAge(r: Pick<ClientReport, "failedAfter">, reason: string): string {
  const range = r.failedAfter?.[reason];
  if (!range) return "";
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return range.min === range.max ? `, after ${s(range.min)} s` : `, after ${s(range.min)}–${s(range.max)} s`;
}
