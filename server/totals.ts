/**
 * The counters' one way from the workers to `/stats`, both ends: each worker writes its counters
 * as a stdout line every second; the supervisor keeps the last line of each, what dead workers
 * had counted, and the highest total, and serves the sum; a worker's `/stats` fetches that sum
 * (server/supervisor-link.ts).
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

/** A worker slot as the supervisor knows it. */
export interface SlotInfo {
  id: number;
  pid: number;
  restarts: number;
}

const ZERO = { connections: { open: 0, peak: 0, accepted: 0, closed: 0 }, messages: { in: 0, out: 0 } };

/** What a worker counts that only ever grows: summed over live reports, kept for dead workers. */
interface Grown {
  accepted: number;
  closed: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  oversized: number;
  refused: Record<string, number>;
  closes: Record<string, number>;
}

const grown = (): Grown => ({
  accepted: 0,
  closed: 0,
  messagesIn: 0,
  messagesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  oversized: 0,
  refused: {},
  closes: {},
});

function addInto(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [key, n] of Object.entries(from ?? {})) into[key] = (into[key] ?? 0) + n;
}

/** Adds a worker's report into `g`. */
function grow(g: Grown, s: StatsSnapshot): void {
  g.accepted += s.connections.accepted;
  g.closed += s.connections.closed;
  g.messagesIn += s.messages.in;
  g.messagesOut += s.messages.out;
  g.bytesIn += s.bytes?.in ?? 0;
  g.bytesOut += s.bytes?.out ?? 0;
  g.oversized += s.oversized ?? 0;
  addInto(g.refused, s.refused);
  addInto(g.closes, s.closes);
}

export class Totals {
  #base: () => Pick<StatsSnapshot, "runtime" | "version" | "pid" | "uptimeSeconds">;
  #last = new Map<number, StatsSnapshot>();
  /** What dead workers counted, so the totals never go backwards; their open sockets died closed. */
  #retired = grown();
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
    grow(this.#retired, last);
    // Its open sockets died with it, no close frame sent: 1006.
    this.#retired.closed += last.connections.open;
    addInto(this.#retired.closes, { "1006": last.connections.open });
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
        streams: last?.streams ?? 0,
        ageMs: last ? now - this.#at.get(id)! : null,
      };
    });
    const sum = (f: (w: WorkerStats) => number) => workers.reduce((s, w) => s + f(w), 0);
    const open = sum((w) => w.connections.open);
    this.#peak = Math.max(this.#peak, open);
    const r = this.#retired;
    const g: Grown = { ...r, refused: { ...r.refused }, closes: { ...r.closes } };
    for (const last of this.#last.values()) grow(g, last);
    return {
      ...this.#base(),
      connections: { open, peak: this.#peak, accepted: g.accepted, closed: g.closed },
      messages: { in: g.messagesIn, out: g.messagesOut },
      bytes: { in: g.bytesIn, out: g.bytesOut },
      refused: g.refused,
      oversized: g.oversized,
      closes: g.closes,
      streams: sum((w) => w.streams),
      memory: { rss: sum((w) => w.memory.rss), heapUsed: sum((w) => w.memory.heapUsed) },
      workers,
      staleMs: Math.max(0, ...workers.map((w) => w.ageMs ?? 0)),
    };
  }
}
