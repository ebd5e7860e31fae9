/**
 * The counters' one way from the workers to `/stats`, both ends: each worker writes its counters
 * as a stdout line every second; the supervisor keeps the last line of each, what dead workers
 * had counted, and the highest total, and serves the sum; a worker's `/stats` fetches that sum.
 */
import process from "node:process";
import type { ClusterStatsSnapshot, Counters, RuntimeInfo, StatsSnapshot, WorkerStats } from "../src/stats.ts";

/** A worker's stdout line that carries its counters as JSON. */
const STATS_PREFIX = "@c512k-stats ";
/**
 * How often a worker reports. Totals in /stats are at most this old. Not faster: at 33 workers
 * four reports a second cost a fifth of a core here (measured idle: 4.3% of a core for 7 workers).
 */
export const STATS_EVERY_MS = 1_000;

/** The worker's end: reports its counters every STATS_EVERY_MS; `report()` once more (at exit). */
export function reportCounters(counters: Counters, runtime: RuntimeInfo): { report(): void; stop(): void } {
  const report = () => process.stdout.write(`${STATS_PREFIX}${JSON.stringify(counters.snapshot(runtime))}\n`);
  const timer = setInterval(report, STATS_EVERY_MS);
  return { report, stop: () => clearInterval(timer) };
}

/** The worker's end of `/stats`: the supervisor's totals, from its control port. */
export function fetchTotals(controlUrl: string): () => Promise<ClusterStatsSnapshot> {
  return async () => {
    const res = await fetch(`${controlUrl}/stats`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`supervisor answered ${res.status}`);
    return await res.json();
  };
}

/** A worker slot as the supervisor knows it. */
export interface SlotInfo {
  id: number;
  pid: number;
  restarts: number;
}

const ZERO = { connections: { open: 0, peak: 0, accepted: 0, closed: 0 }, messages: { in: 0, out: 0 } };

/** The supervisor's end: the last report of each slot's live process, and what dead ones counted. */
export class Totals {
  #base: () => Pick<StatsSnapshot, "runtime" | "version" | "pid" | "uptimeSeconds">;
  #last = new Map<number, StatsSnapshot>();
  /** What dead workers counted, so the totals never go backwards; their open sockets died closed. */
  #retired = { accepted: 0, closed: 0, messagesIn: 0, messagesOut: 0 };
  #peak = 0;
  /** When each slot's last report came in. */
  #at = new Map<number, number>();
  #now: () => number;

  constructor(base: () => Pick<StatsSnapshot, "runtime" | "version" | "pid" | "uptimeSeconds">, now = Date.now) {
    this.#base = base;
    this.#now = now;
  }

  /**
   * Takes in slot `id`'s stdout line if it is a counters report; false for any other line. The
   * peak is the highest total seen at any report: the sum of per-worker peaks would overstate it.
   */
  take(id: number, line: string): boolean {
    if (!line.startsWith(STATS_PREFIX)) return false;
    this.#last.set(id, JSON.parse(line.slice(STATS_PREFIX.length)));
    this.#at.set(id, this.#now());
    let open = 0;
    for (const s of this.#last.values()) open += s.connections.open;
    this.#peak = Math.max(this.#peak, open);
    return true;
  }

  /** Slot `id`'s process died: what it last reported retires, and the slot counts as not alive. */
  died(id: number): void {
    const last = this.#last.get(id);
    if (!last) return;
    this.#retired.accepted += last.connections.accepted;
    this.#retired.closed += last.connections.closed + last.connections.open;
    this.#retired.messagesIn += last.messages.in;
    this.#retired.messagesOut += last.messages.out;
    this.#last.delete(id);
    this.#at.delete(id);
  }

  snapshot(slots: SlotInfo[]): ClusterStatsSnapshot {
    const now = this.#now();
    const workers: WorkerStats[] = slots.map(({ id, pid, restarts }) => {
      const last = this.#last.get(id);
      return {
        id,
        pid,
        restarts,
        alive: last !== undefined,
        connections: last?.connections ?? ZERO.connections,
        messages: last?.messages ?? ZERO.messages,
        memory: last?.memory ?? { rss: 0, heapUsed: 0 },
        ageMs: last ? now - this.#at.get(id)! : null,
      };
    });
    const sum = (f: (w: WorkerStats) => number) => workers.reduce((s, w) => s + f(w), 0);
    const open = sum((w) => w.connections.open);
    this.#peak = Math.max(this.#peak, open);
    const r = this.#retired;
    return {
      ...this.#base(),
      connections: {
        open,
        peak: this.#peak,
        accepted: r.accepted + sum((w) => w.connections.accepted),
        closed: r.closed + sum((w) => w.connections.closed),
      },
      messages: { in: r.messagesIn + sum((w) => w.messages.in), out: r.messagesOut + sum((w) => w.messages.out) },
      memory: { rss: sum((w) => w.memory.rss), heapUsed: sum((w) => w.memory.heapUsed) },
      workers,
      staleMs: Math.max(0, ...workers.map((w) => w.ageMs ?? 0)),
    };
  }
}
