/**
 * The totals' way back, both ends: the supervisor writes them to each worker's stdin every
 * second, and a worker's `/stats` answers from the last it got. A worker at its CPU's limit
 * (a cgroup quota of half a core, a 512,000 ramp) then answers in the turns its own loop needs,
 * with no round trip to a supervisor that is short of CPU too: fetching them per request had a
 * public `/stats` wait past 10 s, or answer 503 before its first fetch came back (the slow-day
 * scale test; `bench/stats-under-load.ts` measures it).
 */
import process from "node:process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { STATS_EVERY_MS } from "./totals.ts";

/**
 * Bytes left unread in one worker's stdin past which the supervisor skips it: a worker that does
 * not read (starved, or stuck) must not grow the supervisor's memory. It gets the next second's.
 */
const UNREAD_MAX = 256 * 1024;

/** The supervisor's end: every STATS_EVERY_MS, `totals()` as one JSON line to every worker's stdin. */
export function pushTotals(
  totals: () => unknown,
  stdins: () => Writable[],
  everyMs = STATS_EVERY_MS,
): { stop(): void } {
  const timer = setInterval(() => {
    const line = `${JSON.stringify(totals())}\n`;
    for (const stdin of stdins()) {
      if (stdin.writable && stdin.writableLength < UNREAD_MAX) stdin.write(line);
    }
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/** What a worker has of the pushed totals. */
export interface PushedTotals {
  totals(): ClusterStatsSnapshot | null;
}

/** Totals taken at `at`, as they stand `now`: older by the time they were kept. */
export const aged = (s: ClusterStatsSnapshot, at: number, now: number): ClusterStatsSnapshot => ({
  ...s,
  staleMs: s.staleMs + now - at,
});

/** A worker's end: the last totals pushed, their `staleMs` grown by the time since; null before any. */
export function pushedTotals(input: Readable = process.stdin, now = Date.now): PushedTotals {
  let last: { line: string; at: number } | null = null;
  // Kept as text: parsed only when someone asks, not every second in every worker.
  const lines = createInterface({ input });
  lines.on("line", (line) => last = { line, at: now() });
  return {
    totals: () => {
      return last && aged(JSON.parse(last.line), last.at, now());
    },
  };
}
