/** Server counters, written once for every runtime, and the `/stats` snapshot shape. */

/** The runtimes c512k runs on (system/runtimes.ts says how to launch each). */
export type RuntimeName = "node" | "deno" | "bun";

/** What an adapter tells the core about the process it runs in. */
export interface RuntimeInfo {
  name: RuntimeName;
  version: string;
  pid: number;
  /** Resident set size and JS heap in use, in bytes. */
  memory(): { rss: number; heapUsed: number };
  /** A full garbage collection, so that memory figures count only what is live. */
  collectGarbage(): void;
}

/** The JSON body of `GET /stats`. */
export interface StatsSnapshot {
  runtime: string;
  version: string;
  pid: number;
  uptimeSeconds: number;
  connections: { open: number; peak: number; accepted: number; closed: number };
  messages: { in: number; out: number };
  /** UTF-8 payload bytes of the text messages received and sent. */
  bytes: { in: number; out: number };
  /** Handshakes refused, by status: "400" malformed, "426" no upgrade or wrong version, "503" shutting down. */
  refused: Record<string, number>;
  /** Messages over --max-payload: their sockets were closed. */
  oversized: number;
  /** Closed sockets by close code: "1000", "1001", "1006", "1009", or "other". */
  closes: Record<string, number>;
  /** Dashboard event streams open now. */
  streams: number;
  memory: { rss: number; heapUsed: number };
}

/** One worker's figures in the totals' `workers` list. */
export interface WorkerStats {
  id: number;
  pid: number;
  /** How many times this worker slot was restarted after its process died. */
  restarts: number;
  alive: boolean;
  connections: StatsSnapshot["connections"];
  messages: StatsSnapshot["messages"];
  memory: StatsSnapshot["memory"];
  streams: number;
  /** How old these figures are: milliseconds since the worker last reported (null: never did). */
  ageMs: number | null;
}

/** The JSON body of `GET /stats` on a server of several worker processes (every server here). */
export interface ClusterStatsSnapshot extends StatsSnapshot {
  /** The supervisor's pid is `pid`; these are the processes that hold the sockets. */
  workers: WorkerStats[];
  /**
   * How stale the totals are: the age in milliseconds of the oldest report from a live worker. A
   * worker reports every second; more than that means a worker too busy to say what it holds.
   */
  staleMs: number;
}

/** Close codes counted on their own in `closes`; any other counts as "other". */
const CLOSE_CODES = new Set([1000, 1001, 1006, 1009]);

/** Plain integers bumped on the hot path: no allocation per socket or per message. */
export class Counters {
  open = 0;
  peak = 0;
  accepted = 0;
  closed = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly refused: Record<string, number> = {};
  oversized = 0;
  readonly closes: Record<string, number> = {};
  streams = 0;
  readonly startedAt = Date.now();

  opened(): void {
    this.accepted++;
    if (++this.open > this.peak) this.peak = this.open;
  }

  /** `code`: the close code the runtime reported, if any. */
  ended(code?: number): void {
    this.open--;
    this.closed++;
    const key = code !== undefined && CLOSE_CODES.has(code) ? String(code) : "other";
    this.closes[key] = (this.closes[key] ?? 0) + 1;
  }

  refuse(status: number): void {
    this.refused[status] = (this.refused[status] ?? 0) + 1;
  }

  snapshot(runtime: RuntimeInfo): StatsSnapshot {
    return {
      runtime: runtime.name,
      version: runtime.version,
      pid: runtime.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
      connections: {
        open: this.open,
        peak: this.peak,
        accepted: this.accepted,
        closed: this.closed,
      },
      messages: { in: this.messagesIn, out: this.messagesOut },
      bytes: { in: this.bytesIn, out: this.bytesOut },
      refused: { ...this.refused },
      oversized: this.oversized,
      closes: { ...this.closes },
      streams: this.streams,
      memory: runtime.memory(),
    };
  }
}
