/** `/stats` over several worker processes: the totals, and each worker's own figures. */
import type { StatsSnapshot } from "./stats.ts";

export interface WorkerStats {
  id: number;
  pid: number;
  /** How many times this worker slot was restarted after its process died. */
  restarts: number;
  alive: boolean;
  connections: StatsSnapshot["connections"];
  messages: StatsSnapshot["messages"];
  memory: StatsSnapshot["memory"];
}

export interface ClusterStatsSnapshot extends StatsSnapshot {
  /** The supervisor's pid is `pid`; these are the processes that hold the sockets. */
  workers: WorkerStats[];
}

/** What workers that died had counted: kept so the totals never go backwards. */
export interface Retired {
  accepted: number;
  closed: number;
  messagesIn: number;
  messagesOut: number;
}

export function emptyRetired(): Retired {
  return { accepted: 0, closed: 0, messagesIn: 0, messagesOut: 0 };
}

/** Moves a dead worker's last figures into `retired`: its open sockets died with it, so they count as closed. */
export function retire(retired: Retired, last: WorkerStats): void {
  retired.accepted += last.connections.accepted;
  retired.closed += last.connections.closed + last.connections.open;
  retired.messagesIn += last.messages.in;
  retired.messagesOut += last.messages.out;
}

export function aggregate(
  base: Pick<StatsSnapshot, "runtime" | "version" | "pid" | "uptimeSeconds">,
  workers: WorkerStats[],
  retired: Retired,
  previousPeak: number,
): ClusterStatsSnapshot {
  const sum = (f: (w: WorkerStats) => number) => workers.reduce((s, w) => s + f(w), 0);
  const open = sum((w) => w.connections.open);
  return {
    ...base,
    connections: {
      open,
      // The sum of per-worker peaks overstates; the highest total seen is what happened.
      peak: Math.max(previousPeak, open),
      accepted: retired.accepted + sum((w) => w.connections.accepted),
      closed: retired.closed + sum((w) => w.connections.closed),
    },
    messages: {
      in: retired.messagesIn + sum((w) => w.messages.in),
      out: retired.messagesOut + sum((w) => w.messages.out),
    },
    memory: { rss: sum((w) => w.memory.rss), heapUsed: sum((w) => w.memory.heapUsed) },
    workers,
  };
}
