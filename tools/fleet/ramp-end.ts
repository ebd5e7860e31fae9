/**
 * When a fleet's ramp is over, from the run's totals polled at the server: every socket opened
 * or failed; the open count flat for --stall seconds; or the ramp creeping (tools/ramp-creep.ts).
 * Each client's gate sees only its own queues, so the fleet watches the whole.
 */
import { RampCreep } from "../ramp-creep.ts";

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
  readonly #creep = new RampCreep();
  #best = 0;
  #bestAt = 0;

  constructor(target: number, stallSeconds: number) {
    this.#target = target;
    this.#stallMs = stallSeconds * 1000;
  }

  /** The ramp is over because every socket was tried: nothing is left to hold back. */
  complete = false;

  /** Takes a reading of the running run; says why the ramp is over, or null while it goes on. */
  observe(r: RampReading): string | null {
    if (r.opened + r.failed >= this.#target) {
      this.complete = true;
      return "every socket opened or failed";
    }
    if (r.open > this.#best) {
      this.#best = r.open;
      this.#bestAt = r.at;
    }
    if (this.#best > 0 && r.at - this.#bestAt > this.#stallMs) {
      return `the open count stayed at ${this.#best} for ${this.#stallMs / 1000} s (--stall)`;
    }
    return this.#creep.observe(r.at, r.open);
  }
}
