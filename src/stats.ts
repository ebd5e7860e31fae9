/** Server counters, written once for every runtime, and the `/stats` snapshot shape. */

/** What an adapter tells the core about the process it runs in. */
export interface RuntimeInfo {
  name: "node" | "deno" | "bun";
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
  memory: { rss: number; heapUsed: number };
}

/** Plain integers bumped on the hot path: no allocation per socket or per message. */
export class Counters {
  open = 0;
  peak = 0;
  accepted = 0;
  closed = 0;
  messagesIn = 0;
  messagesOut = 0;
  readonly startedAt = Date.now();

  opened(): void {
    this.accepted++;
    if (++this.open > this.peak) this.peak = this.open;
  }

  ended(): void {
    this.open--;
    this.closed++;
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
      memory: runtime.memory(),
    };
  }
}
