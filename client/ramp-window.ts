/**
 * How many handshakes the ramp keeps in flight: TCP's congestion window, for handshakes. On a
 * saturated machine more handshakes in flight only wait longer, and past ~10 s servers drop
 * them (uWebSockets' request timeout, Node's --handshake-timeout): at 512,000 on Bun a fixed
 * window of 2,800 lost 5,061 connects, handshakes at p99 15 s (docs/experiment.md, "How the client paces itself").
 *
 * Pure and clock-free (the caller says when), so the scenario bundles it and a test drives it.
 */

/** A handshake slower than this, or a failed one, halves the window. */
export const SLOW_HANDSHAKE_MS = 3_000;
/**
 * The window never shrinks below this (or the cap, if less). On a machine the steady traffic
 * saturates, every handshake takes seconds however few are in flight, and a floor of one left a
 * worker opening 1–2 sockets a second with 800 to go (docs/experiment.md, "How the client paces itself").
 */
export const MIN_WINDOW = 8;

/**
 * Handshakes in flight are also kept under this many ms of the recent accept rate (the window's
 * "bandwidth-delay product"): a queue no deeper than that waits about that long. Without it a
 * server slowed to 174 accepts/s by a CPU quota left handshakes 16.7 s in queues the window had
 * filled before it shrank (docs/experiment.md, "When the machine is full").
 */
export const TARGET_WAIT_MS = 1_000;
/** The accept rate is counted over RATE_BUCKETS buckets of RATE_BUCKET_MS. */
const RATE_BUCKET_MS = 500;
const RATE_BUCKETS = 4;

export class RampWindow {
  #size: number;
  readonly #max: number;
  readonly #min: number;
  #shrunkAt = -Infinity;
  /** When a handshake last took over half TARGET_WAIT_MS: the queue is deep enough to bound. */
  #queuedAt = -Infinity;
  /** Handshakes finished per RATE_BUCKET_MS slot of the clock, the last RATE_BUCKETS of them. */
  #finished: { slot: number; n: number }[] = [];

  constructor(max: number) {
    this.#max = max;
    this.#min = Math.min(max, MIN_WINDOW);
    this.#size = max;
  }

  /** Handshakes allowed in flight now; starts at the cap. */
  get size(): number {
    return this.#size;
  }

  /**
   * A handshake ended after `ms` (Infinity: it failed), at time `now` (ms). Slow: halve, at most
   * once per SLOW_HANDSHAKE_MS, since the handshakes already in flight were sent into the same
   * queue. Fast: grow by one per window's worth, up to the cap.
   */
  took(ms: number, now: number): void {
    if (ms > TARGET_WAIT_MS / 2) this.#queuedAt = now;
    if (Number.isFinite(ms)) {
      const slot = Math.floor(now / RATE_BUCKET_MS);
      const last = this.#finished[this.#finished.length - 1];
      if (last?.slot === slot) last.n++;
      else {
        this.#finished.push({ slot, n: 1 });
        if (this.#finished.length > RATE_BUCKETS) this.#finished.shift();
      }
    }
    if (ms <= SLOW_HANDSHAKE_MS) {
      this.#size = Math.min(this.#max, this.#size + 1 / this.#size);
    } else if (now - this.#shrunkAt > SLOW_HANDSHAKE_MS) {
      this.#size = Math.max(this.#min, this.#size / 2);
      this.#shrunkAt = now;
    }
  }

  /**
   * Handshakes allowed in flight at `now`: the window, and while handshakes queue (one took over
   * half TARGET_WAIT_MS within the last RATE_BUCKETS × RATE_BUCKET_MS), no more than
   * TARGET_WAIT_MS of the accept rate over that time (never under the floor). Quick handshakes
   * are not bounded by the rate they themselves set: the ramp would start at the floor.
   */
  allowed(now: number): number {
    if (now - this.#queuedAt > RATE_BUCKETS * RATE_BUCKET_MS) return this.#size;
    const from = Math.floor(now / RATE_BUCKET_MS) - RATE_BUCKETS + 1;
    const finished = this.#finished.reduce((sum, b) => (b.slot >= from ? sum + b.n : sum), 0);
    const perMs = finished / (RATE_BUCKETS * RATE_BUCKET_MS);
    return Math.min(this.#size, Math.max(this.#min, perMs * TARGET_WAIT_MS));
  }
}
