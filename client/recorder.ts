/** Counts and latency histograms (hdr-histogram-js, as autocannon uses) for one client run. */
import * as hdr from "hdr-histogram-js";
import type { ClientReport } from "../src/client-report.ts";
import type { Recorder } from "../src/scenario-contract.ts";
import type { ProgressFigures } from "./worker-link.ts";

const MISMATCH_SAMPLES = 5;

/** Microseconds up to one hour, three significant digits. */
export function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

const toUs = (ms: number) => Math.max(1, Math.round(ms * 1000));
export const toMs = (us: number) => Math.round(us) / 1000;

export class ClientRecorder implements Recorder {
  attempts = 0;
  openedCount = 0;
  open = 0;
  peakOpen = 0;
  failedCount = 0;
  readonly failures: Record<string, number> = {};
  sentCount = 0;
  answeredCount = 0;
  wrongAnswers = 0;
  unexpectedCount = 0;
  readonly mismatchSamples: { expected: string; got: string }[] = [];
  readonly rtt = histogram();
  readonly connectTime = histogram();

  connecting(): void {
    this.attempts++;
  }

  opened(ms: number): void {
    this.openedCount++;
    if (++this.open > this.peakOpen) this.peakOpen = this.open;
    this.connectTime.recordValue(toUs(ms));
  }

  closed(): void {
    this.open--;
  }

  failed(reason: string): void {
    this.failedCount++;
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }

  sent(): void {
    this.sentCount++;
  }

  answered(ms: number): void {
    this.answeredCount++;
    this.rtt.recordValue(toUs(ms));
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

  figures(): ProgressFigures {
    return {
      open: this.open,
      failed: this.failedCount,
      answered: this.answeredCount,
      rttP50: toMs(this.rtt.getValueAtPercentile(50)),
      rttP99: toMs(this.rtt.getValueAtPercentile(99)),
    };
  }

  report(base: Pick<ClientReport, "runtime" | "scenario" | "target" | "seconds">): ClientReport {
    return {
      ...base,
      opened: this.openedCount,
      failed: this.failedCount,
      failures: this.failures,
      peakOpen: this.peakOpen,
      sent: this.sentCount,
      answered: this.answeredCount,
      mismatched: this.wrongAnswers + this.unexpectedCount,
      unanswered: this.sentCount - this.answeredCount - this.wrongAnswers,
      rtt: {
        p50: toMs(this.rtt.getValueAtPercentile(50)),
        p99: toMs(this.rtt.getValueAtPercentile(99)),
        max: toMs(this.rtt.maxValue),
      },
      connect: {
        p50: toMs(this.connectTime.getValueAtPercentile(50)),
        p99: toMs(this.connectTime.getValueAtPercentile(99)),
      },
      mismatchSamples: this.mismatchSamples,
    };
  }
}
