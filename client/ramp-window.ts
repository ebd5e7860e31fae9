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

export class RampWindow {
  #size: number;
  readonly #max: number;
  readonly #min: number;
  #shrunkAt = -Infinity;

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
    if (ms <= SLOW_HANDSHAKE_MS) {
      this.#size = Math.min(this.#max, this.#size + 1 / this.#size);
    } else if (now - this.#shrunkAt > SLOW_HANDSHAKE_MS) {
      this.#size = Math.max(this.#min, this.#size / 2);
      this.#shrunkAt = now;
    }
  }
}
