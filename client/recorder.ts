/** Counts and latency histograms for one client run. */
import type { AgeRange, ClientReport } from "./report.ts";
import { encodeHistogram, histogram, percentileMs, summarize, toUs } from "../src/histograms.ts";
import type { HistogramsBody } from "../src/runs/run-shapes.ts";
import type { Recorder } from "./scenario-contract.ts";
import { GOING_AWAY } from "../src/close-codes.ts";
import { failureReason, withoutUrls } from "./failure-reason.ts";
import type { ProgressFigures } from "./worker-link.ts";
import type { RampState } from "./ramp-gate.ts";

const MISMATCH_SAMPLES = 5;

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Widens `ranges[key]` to take in `range` (ms, rounded to whole ms). */
export function widen(ranges: Record<string, AgeRange>, key: string, range: AgeRange): void {
  const min = Math.round(range.min);
  const max = Math.round(range.max);
  const had = ranges[key];
  ranges[key] = had ? { min: Math.min(had.min, min), max: Math.max(had.max, max) } : { min, max };
}

export class ClientRecorder implements Recorder {
  attempts = 0;
  openedCount = 0;
  open = 0;
  peakOpen = 0;
  failedCount = 0;
  readonly failures: Record<string, number> = {};
  readonly failedAfter: Record<string, AgeRange> = {};
  readonly drops: Record<string, number> = {};
  shutdowns = 0;
  cut = 0;
  reconnects = 0;
  readonly retries: Record<string, number> = {};
  sentCount = 0;
  answeredCount = 0;
  wrongAnswers = 0;
  unexpectedCount = 0;
  readonly mismatchSamples: { expected: string; got: string }[] = [];
  readonly rtt = histogram();
  readonly rttSteady = histogram();
  readonly connectTime = histogram();
  /** Every socket of this process has opened or failed: the ramp is over. */
  steady = false;
  /** When it was (performance.now()). */
  #steadyAt = Infinity;

  rampState: RampState = "ramping";
  rampWhy = "";
  rampPauses = 0;
  #pausedMs = 0;
  #pausedAt: number | null = null;

  /** The sockets this process opens, to know when its ramp is over. */
  readonly target: number;

  constructor(target: number) {
    this.target = target;
  }

  #checkSteady(): void {
    if (!this.steady && this.openedCount + this.failedCount >= this.target) {
      this.steady = true;
      this.#steadyAt = performance.now();
    }
  }

  connecting(): void {
    this.attempts++;
  }

  opened(ms: number): void {
    this.openedCount++;
    if (++this.open > this.peakOpen) this.peakOpen = this.open;
    this.connectTime.recordValue(toUs(ms));
    this.#checkSteady();
  }

  closed(): void {
    this.open--;
  }

  failed(reason: string, afterMs?: number): void {
    this.failedCount++;
    const cause = normalize(reason);
    bump(this.failures, cause);
    if (afterMs !== undefined) widen(this.failedAfter, cause, { min: afterMs, max: afterMs });
    this.#checkSteady();
  }

  dropped(code: number, reason: string, inFlight: boolean): void {
    bump(this.drops, `${code}${reason ? ` ${reason}` : ""}`);
    if (code !== GOING_AWAY) return;
    this.shutdowns++;
    if (inFlight) this.cut++;
  }

  reconnected(ms: number): void {
    this.reconnects++;
    if (++this.open > this.peakOpen) this.peakOpen = this.open;
    this.connectTime.recordValue(toUs(ms));
  }

  retrying(reason: string): void {
    bump(this.retries, normalize(reason));
  }

  sent(): void {
    this.sentCount++;
  }

  answered(ms: number): void {
    this.answeredCount++;
    this.rtt.recordValue(toUs(ms));
    // Sent at steady state, not merely answered then: an answer held up by the ramp (a server
    // busy accepting) is the ramp's, and it reached the steady figures when it came late.
    if (performance.now() - ms >= this.#steadyAt) this.rttSteady.recordValue(toUs(ms));
  }

  mismatched(expected: string, got: unknown): void {
    this.wrongAnswers++;
    this.#sample(expected, got);
  }

  unexpected(expected: string, got: unknown): void {
    this.unexpectedCount++;
    this.#sample(expected, got);
  }

  #sample(expected: string, got: unknown): void {
    if (this.mismatchSamples.length < MISMATCH_SAMPLES) {
      this.mismatchSamples.push({ expected, got: typeof got === "string" ? got : `(${typeof got})` });
    }
  }

  ramp(state: RampState, why: string): void {
    const now = performance.now();
    if (this.#pausedAt !== null) this.#pausedMs += now - this.#pausedAt;
    this.#pausedAt = state === "paused" ? now : null;
    if (state === "paused") this.rampPauses++;
    this.rampState = state;
    this.rampWhy = why;
    // A held ramp is over: what is sent from now on is the steady state of what it holds.
    if (state === "held" && !this.steady) {
      this.steady = true;
      this.#steadyAt = now;
    }
  }

  figures(): ProgressFigures {
    return {
      open: this.open,
      ramp: this.rampState,
      rampWhy: this.rampWhy,
      opened: this.openedCount,
      peakOpen: this.peakOpen,
      failed: this.failedCount,
      failures: this.failures,
      sent: this.sentCount,
      answered: this.answeredCount,
      mismatched: this.wrongAnswers + this.unexpectedCount,
      rttP50: percentileMs(this.rtt, 50),
      rttP99: percentileMs(this.rtt, 99),
    };
  }

  /** The histograms, in the encoding they travel in. */
  encodedHistograms(): HistogramsBody {
    return {
      rtt: encodeHistogram(this.rtt),
      rttSteady: encodeHistogram(this.rttSteady),
      connect: encodeHistogram(this.connectTime),
    };
  }

  report(base: Pick<ClientReport, "runtime" | "websocket" | "scenario" | "target" | "seconds">): ClientReport {
    return {
      ...base,
      opened: this.openedCount,
      failed: this.failedCount,
      failures: this.failures,
      failedAfter: this.failedAfter,
      drops: this.drops,
      shutdowns: this.shutdowns,
      cut: this.cut,
      reconnects: this.reconnects,
      retries: this.retries,
      peakOpen: this.peakOpen,
      sent: this.sentCount,
      answered: this.answeredCount,
      mismatched: this.wrongAnswers + this.unexpectedCount,
      unanswered: this.sentCount - this.answeredCount - this.wrongAnswers - this.cut,
      rtt: summarize(this.rtt),
      rttSteady: summarize(this.rttSteady),
      connect: summarize(this.connectTime),
      ramp: {
        // A scenario that never says how its ramp went: done if every socket opened or failed.
        state: this.rampState === "ramping" && this.steady ? "done" : this.rampState,
        why: this.rampWhy,
        pauses: this.rampPauses,
        pausedSeconds:
          Math.round((this.#pausedMs + (this.#pausedAt === null ? 0 : performance.now() - this.#pausedAt)) / 100) / 10,
      },
      mismatchSamples: this.mismatchSamples,
    };
  }
}

/** "connect: <runtime's words>" → "connect: <cause>"; other reasons keep their prefix and lose URLs. */
function normalize(reason: string): string {
  const m = reason.match(/^(connect|dropped): (.*)$/s);
  if (m?.[1] === "connect") return `connect: ${failureReason(m[2])}`;
  return withoutUrls(reason);
}
