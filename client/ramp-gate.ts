/**
 * Whether the ramp may open more sockets now: the client's brake. Handshakes and echoes are the
 * signal: a handshake left waiting, or round trips that climb, mean the server's queues are
 * seconds deep, and a handshake sent into them would wait as long; past ~10 s servers drop it
 * (Bun's request timeout, our Node adapter's --handshake-timeout). So the ramp pauses at a few
 * seconds (or at a fifth of the scenario's interval, if less), resumes once the queues drain, and when they never drain with the ramp paused, the
 * sockets already held saturate the machine: the ramp stops for good and holds what it has
 * (docs/experiment.md, "When the machine is full").
 *
 * Pure and clock-free (the caller says when), so the scenario bundles it and a test drives it.
 */

export type RampState = "ramping" | "paused" | "held" | "done";

/** A handshake waiting this long, or finishing this slow (p99), pauses the ramp: 2.5× under ~10 s. */
export const PAUSE_MS = 4_000;
/**
 * Round trips pause it at this share of the scenario's interval (the seed's 25 s: 5 s, so 4 s,
 * as for handshakes), whichever is less: a socket whose answer takes longer than its interval
 * sends less than it is asked to, and the rate measured is no longer the one asked for.
 */
export const INTERVAL_SHARE = 0.2;
/** The ramp resumes once both are under half their pause bound. */
const RESUME_SHARE = 0.5;
/**
 * Each pause halves the ramp's rate; ramping, it grows back by this share of the rate asked a
 * second (full again 20 s after one pause). A machine near its limit pauses often, so the ramp
 * creeps toward the limit instead of overshooting it: a mild overload grows the queues slowly, and
 * at 541 sockets/s Node's 512,000 on a slow day had gone 41% past what the machine sustained
 * before the round trips said so (BENCHMARKS.md, "Re-run on 2026-12-04").
 */
export const RATE_RECOVERY_PER_S = 0.05;
/**
 * Paused so often that the rate has halved to this share of the one asked (six pauses, each
 * within seconds of the last): the machine takes more only by the handful, and the ramp holds.
 * Without this, Bun asked for a million on a slow day crept at ~15 sockets/s past 520,000 for
 * minutes, its queues draining in each pause just enough to resume.
 */
export const HOLD_RATE_SHARE = 1 / 64;
/** Paused this long without the queues draining: the machine holds no more, the ramp ends. */
export const HOLD_AFTER_MS = 30_000;
/** "p99 over X" is "over 1% of the recent samples slower than X". */
const SLOW_SHARE = 0.01;
/** Recent: the samples of the last RECENT_BUCKETS buckets of BUCKET_MS. */
const BUCKET_MS = 1_000;
const RECENT_BUCKETS = 5;

/** Per kind of sample (handshakes, answers): how many, how many over the pause and resume bounds, the slowest. */
interface Counts {
  samples: number;
  overPause: number;
  overResume: number;
  slowest: number;
}

const zero = (): Counts => ({ samples: 0, overPause: 0, overResume: 0, slowest: 0 });

interface Bucket {
  /** Which BUCKET_MS slot of the clock it counts. */
  slot: number;
  handshakes: Counts;
  answers: Counts;
}

export class RampGate {
  #state: RampState = "ramping";
  #why = "";
  #pausedAt = 0;
  #pauses = 0;
  #pausedMs = 0;
  #buckets: Bucket[] = [];
  readonly #rttPauseMs: number;
  #rateShare = 1;
  #lastCheck: number | null = null;

  /** `intervalMs`: the scenario's time between one socket's messages. */
  constructor(intervalMs: number) {
    this.#rttPauseMs = Math.min(PAUSE_MS, intervalMs * INTERVAL_SHARE);
  }

  get state(): RampState {
    return this.#state;
  }

  /** Why it paused or holds, with the figures that made it: empty while it ramps. */
  get why(): string {
    return this.#why;
  }

  /** How many times the ramp paused, and for how long in all (ms, up to the last check). */
  get pauses(): number {
    return this.#pauses;
  }

  get pausedMs(): number {
    return this.#pausedMs;
  }

  /** The share (0–1] of the rate asked that the ramp may open sockets at now. */
  get rateShare(): number {
    return this.#rateShare;
  }

  /** A handshake finished (or failed) after `ms`, at `now`. */
  handshake(ms: number, now: number): void {
    this.#add(this.#bucket(now).handshakes, ms, PAUSE_MS);
  }

  /** An echo came back after `ms`, at `now`. */
  answer(ms: number, now: number): void {
    this.#add(this.#bucket(now).answers, ms, this.#rttPauseMs);
  }

  /**
   * The ramp is ended from outside (the fleet saw the whole creep, the experiment the server's
   * count): it holds what it has, as when it holds by itself, and `why` says who ended it.
   */
  hold(why: string, now: number): void {
    if (this.#state === "held" || this.#state === "done") return;
    if (this.#state === "paused") this.#pausedMs += now - this.#pausedAt;
    this.#state = "held";
    this.#why = why;
  }

  /** Every socket asked for has been started: nothing more to gate. */
  complete(): void {
    if (this.#state !== "held") this.#state = "done";
  }

  /**
   * The state at `now`, given how long the oldest handshake still in flight has waited
   * (0: none in flight). Only "ramping" opens sockets.
   */
  check(now: number, oldestPendingMs: number): RampState {
    if (this.#state === "held" || this.#state === "done") return this.#state;
    const since = this.#lastCheck === null ? 0 : now - this.#lastCheck;
    this.#lastCheck = now;
    const { handshakes, answers } = this.#recent(now);
    const slow = (c: Counts, over: number) => c.samples > 0 && over / c.samples > SLOW_SHARE;
    const figures = () =>
      `oldest handshake in flight ${seconds(oldestPendingMs)}; over the last ${RECENT_BUCKETS} s ` +
      `${share(answers.overResume, answers.samples)} of ${answers.samples} answers slower than ` +
      `${seconds(this.#rttPauseMs * RESUME_SHARE)} (slowest ${seconds(answers.slowest)}), ` +
      `${share(handshakes.overResume, handshakes.samples)} of ${handshakes.samples} handshakes slower than ` +
      `${seconds(PAUSE_MS * RESUME_SHARE)} (slowest ${seconds(handshakes.slowest)})`;
    if (this.#state === "ramping") {
      if (oldestPendingMs > PAUSE_MS || slow(handshakes, handshakes.overPause) || slow(answers, answers.overPause)) {
        this.#state = "paused";
        this.#pausedAt = now;
        this.#pauses++;
        this.#why = figures();
        this.#rateShare = this.#rateShare / 2;
        if (this.#rateShare <= HOLD_RATE_SHARE) {
          this.#state = "held";
          this.#why = `paused ${this.#pauses} times, the ramp's rate down to ${
            (this.#rateShare * 100).toFixed(1)
          }% of the rate asked: ${this.#why}`;
        }
      } else {
        this.#rateShare = Math.min(1, this.#rateShare + (RATE_RECOVERY_PER_S * since) / 1000);
      }
      return this.#state;
    }
    // Paused.
    const drained = oldestPendingMs <= PAUSE_MS * RESUME_SHARE && !slow(handshakes, handshakes.overResume) &&
      !slow(answers, answers.overResume);
    if (drained) {
      this.#pausedMs += now - this.#pausedAt;
      this.#state = "ramping";
      this.#why = "";
    } else if (now - this.#pausedAt >= HOLD_AFTER_MS) {
      this.#pausedMs += now - this.#pausedAt;
      this.#state = "held";
      this.#why = `paused ${seconds(now - this.#pausedAt)} and the queues did not drain: ${figures()}`;
    }
    return this.#state;
  }

  #bucket(now: number): Bucket {
    const slot = Math.floor(now / BUCKET_MS);
    let b = this.#buckets[this.#buckets.length - 1];
    if (!b || b.slot !== slot) {
      b = { slot, handshakes: zero(), answers: zero() };
      this.#buckets.push(b);
      if (this.#buckets.length > RECENT_BUCKETS) this.#buckets.shift();
    }
    return b;
  }

  #add(c: Counts, ms: number, pauseMs: number): void {
    c.samples++;
    if (ms > pauseMs) c.overPause++;
    if (ms > pauseMs * RESUME_SHARE) c.overResume++;
    if (ms > c.slowest) c.slowest = ms;
  }

  #recent(now: number): { handshakes: Counts; answers: Counts } {
    const from = Math.floor(now / BUCKET_MS) - RECENT_BUCKETS + 1;
    const sum = { handshakes: zero(), answers: zero() };
    for (const b of this.#buckets) {
      if (b.slot < from) continue;
      for (const kind of ["handshakes", "answers"] as const) {
        const into = sum[kind];
        into.samples += b[kind].samples;
        into.overPause += b[kind].overPause;
        into.overResume += b[kind].overResume;
        into.slowest = Math.max(into.slowest, b[kind].slowest);
      }
    }
    return sum;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const share = (n: number, of: number) => `${(of === 0 ? 0 : (n / of) * 100).toFixed(1)}%`;

/**
 * The ramp of several client processes as one: held when every one has held or finished (and
 * one held), paused while any is paused, done when all are.
 */
export function overallRamp(parts: { state: RampState; why: string }[]): { state: RampState; why: string } {
  const held = parts.find((p) => p.state === "held");
  if (held && parts.every((p) => p.state === "held" || p.state === "done")) return held;
  const paused = parts.find((p) => p.state === "paused");
  if (paused) return paused;
  if (parts.length > 0 && parts.every((p) => p.state === "done")) return { state: "done", why: "" };
  return { state: "ramping", why: "" };
}
