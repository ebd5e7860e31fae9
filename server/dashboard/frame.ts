/**
 * One second of the server as the dashboard draws it: the totals, trimmed to what the page
 * shows, O(workers) in size whatever the sockets. The stream sends one a second; the
 * experiment's report holds the same for every sample of its run.
 */
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import type { RunFrame } from "../../src/runs/run-shapes.ts";

export interface Frame {
  /** Milliseconds since the epoch. */
  at: number;
  open: number;
  accepted: number;
  messagesIn: number;
  messagesOut: number;
  rss: number;
  heapUsed: number;
  restarts: number;
  staleMs: number;
  workers: { id: number; alive: boolean; open: number; rss: number; restarts: number }[];
  /** Runs of several clients (`GET /runs`), newest first; absent in the experiment's report. */
  runs?: RunFrame[];
}

export function toFrame(s: ClusterStatsSnapshot, at = Date.now(), runs?: RunFrame[]): Frame {
  return {
    ...(runs ? { runs } : {}),
    at,
    open: s.connections.open,
    accepted: s.connections.accepted,
    messagesIn: s.messages.in,
    messagesOut: s.messages.out,
    rss: s.memory.rss,
    heapUsed: s.memory.heapUsed,
    restarts: s.workers.reduce((n, w) => n + w.restarts, 0),
    staleMs: s.staleMs,
    workers: s.workers.map((w) => ({
      id: w.id,
      alive: w.alive,
      open: w.connections.open,
      rss: w.memory.rss,
      restarts: w.restarts,
    })),
  };
}
