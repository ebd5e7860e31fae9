/**
 * A ramp that creeps is over: grown over the last CREEP_WINDOW_MS by less than HOLD_RATE_SHARE
 * of its best rate over such a window. The client's gate (client/ramp-gate.ts) holds at that
 * share of the rate asked when its queues keep it pausing; a machine whose CPU goes to the
 * sockets it holds slows the ramp without deep queues, and nothing paused: Bun asked for a
 * million crept at ~130 sockets a second past 869,000 (its best ~10,000), and 16 fleet hosts at
 * ~30 a second past 735,000, each until stopped by hand. Used by the experiment and the fleet.
 */
import { HOLD_RATE_SHARE } from "../client/ramp-gate.ts";

export const CREEP_WINDOW_MS = 30_000;

export class RampCreep {
  #readings: { at: number; open: number }[] = [];
  /** The best growth over one window, in sockets a second. */
  #bestRate = 0;

  /** Takes the open count at `at` (ms, any monotonic clock); says why the ramp is over, or null. */
  observe(at: number, open: number): string | null {
    this.#readings.push({ at, open });
    while (this.#readings.length > 1 && at - this.#readings[1].at >= CREEP_WINDOW_MS) this.#readings.shift();
    const first = this.#readings[0];
    if (at - first.at < CREEP_WINDOW_MS) return null;
    const rate = ((open - first.open) * 1000) / (at - first.at);
    this.#bestRate = Math.max(this.#bestRate, rate);
    if (rate > 0 && rate < this.#bestRate * HOLD_RATE_SHARE) {
      return `the ramp crept at ${rate.toFixed(0)} sockets/s over the last ${CREEP_WINDOW_MS / 1000} s, ` +
        `under 1/${1 / HOLD_RATE_SHARE} of its best (${this.#bestRate.toFixed(0)}/s)`;
    }
    return null;
  }
}
