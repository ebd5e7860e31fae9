/** Splits the scenario's sockets over worker processes of this runtime, and merges what they report. */
import { spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import type { ClientReport } from "./report.ts";
import type { ClientOptions } from "./options.ts";
import { widen } from "./recorder.ts";
import { decodeHistogram, encodeHistogram, type Histogram, histogram, summarize } from "../src/histograms.ts";
import type { HistogramsBody } from "../src/runs/run-shapes.ts";
import type { SocketChoice } from "./socket.ts";
import { overallRamp } from "./ramp-gate.ts";
import {
  CLIENT_WORKER_ENV,
  HELD_BY_COORDINATOR,
  HOLD_SIGNAL,
  PROGRESS_PREFIX,
  type ProgressFigures,
  RESULT_PREFIX,
  SCENARIO_SHA_ENV,
  type WorkerAssignment,
  type WorkerResult,
} from "./worker-link.ts";

/** The report's plain counts, which add up across workers. */
const SUMMED = [
  "opened",
  "failed",
  "shutdowns",
  "cut",
  "reconnects",
  "peakOpen",
  "sent",
  "answered",
  "mismatched",
  "unanswered",
] as const;

export function assignments(options: ClientOptions, workers: number): WorkerAssignment[] {
  const { connections, urls } = options;
  return Array.from({ length: workers }, (_, index) => ({
    index,
    connections: Math.floor(connections / workers) + (index < connections % workers ? 1 : 0),
    rate: Math.max(1, Math.round(options.rate / workers)),
    maxPending: Math.max(1, Math.round(options.maxPending / workers)),
    urls: [...urls.slice(index % urls.length), ...urls.slice(0, index % urls.length)],
  }));
}

export interface Coordinated {
  figures(): ProgressFigures;
  /** Resolves when every worker has ended, with the merged report (less runtime, scenario, seconds). */
  done: Promise<Omit<ClientReport, "runtime" | "websocket" | "scenario" | "target" | "seconds">>;
  /** The workers' histograms merged, encoded: live in a run (--run), final once `done`. */
  histograms(): HistogramsBody;
  /** Passes Ctrl-C on to the workers; `force` ends them at once. */
  interrupt(force: boolean): void;
  /** Ends every worker's ramp: they hold what they have, and the report says `why`. */
  hold(why: string): void;
}

export function coordinate(options: ClientOptions, choice: SocketChoice, sha256: string, workers: number): Coordinated {
  const shares = assignments(options, workers);
  const latest: (ProgressFigures | undefined)[] = shares.map(() => undefined);
  const results: (WorkerResult | undefined)[] = shares.map(() => undefined);
  const latestHistograms: (HistogramsBody | undefined)[] = shares.map(() => undefined);
  // A worker listens for the hold signal before its first progress line; before that, the
  // signal's default action would kill it, so it is told once it has spoken.
  const spoken: boolean[] = shares.map(() => false);
  let holdWhy: string | null = null;
  const told = <R extends { state: string; why: string }>(r: R): R =>
    holdWhy !== null && r.why === HELD_BY_COORDINATOR ? { ...r, why: holdWhy } : r;

  const children = shares.map((share) => {
    const child = spawn(choice.selfCommand[0], [...choice.selfCommand.slice(1), ...process.argv.slice(2)], {
      env: { ...process.env, [CLIENT_WORKER_ENV]: JSON.stringify(share), [SCENARIO_SHA_ENV]: sha256 },
      stdio: ["ignore", "pipe", "pipe"],
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith(PROGRESS_PREFIX)) {
        if (!spoken[share.index] && holdWhy !== null) child.kill(HOLD_SIGNAL);
        spoken[share.index] = true;
        const figures: ProgressFigures = JSON.parse(line.slice(PROGRESS_PREFIX.length));
        if (figures.histograms) latestHistograms[share.index] = figures.histograms;
        latest[share.index] = figures;
      } else if (line.startsWith(RESULT_PREFIX)) results[share.index] = JSON.parse(line.slice(RESULT_PREFIX.length));
      else console.error(`[client worker ${share.index}] ${line}`);
    });
    createInterface({ input: child.stderr! }).on(
      "line",
      (line) => console.error(`[client worker ${share.index}] ${line}`),
    );
    const exited = new Promise<number | string>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? code ?? 0))
    );
    return { child, exited };
  });

  const done = Promise.all(children.map((c) => c.exited)).then((exits) => {
    const { rtt, rttSteady, connect } = mergeHistograms(results);
    const merged: Omit<ClientReport, "runtime" | "websocket" | "scenario" | "target" | "seconds"> = {
      opened: 0,
      failed: 0,
      failures: {},
      failedAfter: {},
      drops: {},
      shutdowns: 0,
      cut: 0,
      reconnects: 0,
      retries: {},
      // Each worker holds its peak through the hold phase, so the sum is the concurrent peak.
      peakOpen: 0,
      sent: 0,
      answered: 0,
      mismatched: 0,
      unanswered: 0,
      rtt: summarize(rtt),
      rttSteady: summarize(rttSteady),
      connect: summarize(connect),
      ramp: { state: "ramping", why: "", pauses: 0, pausedSeconds: 0 },
      mismatchSamples: [],
    };
    const add = (into: Record<string, number>, from: Record<string, number>) => {
      for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
    };
    shares.forEach((share, i) => {
      const result = results[i];
      if (!result) {
        // A worker that died without a report: every socket it was to hold is lost.
        merged.failed += share.connections;
        add(merged.failures, { [`client worker ${i} ended (${exits[i]}) without a report`]: share.connections });
        return;
      }
      const r = result.report;
      for (const key of SUMMED) merged[key] += r[key];
      add(merged.failures, r.failures);
      for (const [cause, range] of Object.entries(r.failedAfter ?? {})) widen(merged.failedAfter, cause, range);
      add(merged.drops, r.drops);
      add(merged.retries, r.retries);
      merged.mismatchSamples.push(...r.mismatchSamples.slice(0, 5 - merged.mismatchSamples.length));
    });
    const ramps = results.filter((r) => r !== undefined).map((r) => told(r.report.ramp));
    merged.ramp = {
      ...overallRamp(ramps),
      pauses: ramps.reduce((s, r) => s + r.pauses, 0),
      // The workers pause side by side: the longest is the ramp's.
      pausedSeconds: Math.max(0, ...ramps.map((r) => r.pausedSeconds)),
    };
    return merged;
  });

  return {
    figures: () => {
      const ramp = overallRamp(latest.map((f) => told({ state: f?.ramp ?? "ramping", why: f?.rampWhy ?? "" })));
      const sum = (key: "open" | "opened" | "peakOpen" | "failed" | "sent" | "answered" | "mismatched") =>
        latest.reduce((s, f) => s + (f?.[key] ?? 0), 0);
      const failures: Record<string, number> = {};
      for (const f of latest) {
        for (const [cause, n] of Object.entries(f?.failures ?? {})) failures[cause] = (failures[cause] ?? 0) + n;
      }
      return {
        open: sum("open"),
        ramp: ramp.state,
        rampWhy: ramp.why,
        opened: sum("opened"),
        peakOpen: sum("peakOpen"),
        failed: sum("failed"),
        failures,
        sent: sum("sent"),
        answered: sum("answered"),
        mismatched: sum("mismatched"),
        // The live line shows the worst worker; the final report merges the histograms exactly.
        rttP50: Math.max(0, ...latest.map((f) => f?.rttP50 ?? 0)),
        rttP99: Math.max(0, ...latest.map((f) => f?.rttP99 ?? 0)),
      };
    },
    done,
    histograms: () => {
      // The workers' last histograms (in their progress, or their results once done), merged.
      const merged = mergeHistograms(shares.map((_, i) => results[i] ?? latestHistograms[i]));
      return {
        rtt: encodeHistogram(merged.rtt),
        rttSteady: encodeHistogram(merged.rttSteady),
        connect: encodeHistogram(merged.connect),
      };
    },
    interrupt(force) {
      for (const { child } of children) child.kill(force ? "SIGKILL" : "SIGINT");
    },
    hold(why) {
      if (holdWhy !== null) return;
      holdWhy = why;
      children.forEach(({ child }, i) => {
        if (spoken[i] && child.exitCode === null && child.signalCode === null) child.kill(HOLD_SIGNAL);
      });
    },
  };
}

/** The three histograms of each source that has them, decoded and added up. */
function mergeHistograms(sources: (HistogramsBody | undefined)[]): Record<keyof HistogramsBody, Histogram> {
  const merged = { rtt: histogram(), rttSteady: histogram(), connect: histogram() };
  for (const h of sources) {
    if (h) { for (const key of ["rtt", "rttSteady", "connect"] as const) merged[key].add(decodeHistogram(h[key])); }
  }
  return merged;
}
