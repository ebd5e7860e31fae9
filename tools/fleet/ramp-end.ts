/**
 * When a fleet's ramp is over, from the run's totals polled at the server: every socket opened
 * or failed; the open count flat for --stall seconds; or the ramp creeping, growing over the last
 * CREEP_WINDOW_MS by less than HOLD_RATE_SHARE of its best rate over such a window. Each client's
 * gate (client/ramp-gate.ts) sees only its own queues: 16 hosts asked for a million crept past
 * 683,633 at ~200 sockets a second, then ~30, none of them pausing, until stopped by hand at 553 s.
 */
import { HOLD_RATE_SHARE } from "../../client/ramp-gate.ts";

export const CREEP_WINDOW_MS = 30_000;

export interface RampReading {
  /** Milliseconds, any monotonic clock. */
  at: number;
  open: number;
  opened: number;
  failed: number;
}

export class RampEnd {
  readonly #target: number;
  readonly #stallMs: number;
  #readings: RampReading[] = [];
  #best = 0;
  #bestAt = 0;
  /** The best growth over one window, in sockets a second. */
  #bestRate = 0;

  constructor(target: number, stallSeconds: number) {
    this.#target = target;
    this.#stallMs = stallSeconds * 1000;
  }

  /** Takes a reading of the running run; says why the ramp is over, or null while it goes on. */
  observe(r: RampReading): string | null {
    if (r.opened + r.failed >= this.#target) return "every socket opened or failed";
    if (r.open > this.#best) {
      this.#best = r.open;
      this.#bestAt = r.at;
    }
    if (this.#best > 0 && r.at - this.#bestAt > this.#stallMs) {
      return `the open count stayed at ${this.#best} for ${this.#stallMs / 1000} s (--stall)`;
    }
    this.#readings.push(r);
    while (this.#readings.length > 1 && r.at - this.#readings[1].at >= CREEP_WINDOW_MS) this.#readings.shift();
    const first = this.#readings[0];
    if (r.at - first.at < CREEP_WINDOW_MS) return null;
    const rate = ((r.open - first.open) * 1000) / (r.at - first.at);
    this.#bestRate = Math.max(this.#bestRate, rate);
    if (rate > 0 && rate < this.#bestRate * HOLD_RATE_SHARE) {
      return `the ramp crept at ${rate.toFixed(0)} sockets/s over the last ${CREEP_WINDOW_MS / 1000} s, ` +
        `under 1/${1 / HOLD_RATE_SHARE} of its best (${this.#bestRate.toFixed(0)}/s)`;
    }
    return null;
  }
}
