/**
 * Latency histograms (hdr-histogram-js, as autocannon uses), and HDR's compressed encoding, in
 * which they travel between processes and machines: merging decoded histograms gives exactly
 * the percentiles of one histogram over all the samples.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** Milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Microseconds from 1 up to one hour, three significant digits. */
const LOWEST_US = 1;
const HIGHEST_US = 3_600_000_000;
const DIGITS = 3;

export function histogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: DIGITS,
  });
}

export const toUs = (ms: number): number => Math.max(1, Math.round(ms * 1000));
export const toMs = (us: number): number => Math.round(us) / 1000;

/**
 * The value at `percentile`, in ms. HDR answers with the top of the sample's bucket, which can
 * lie above the largest value recorded (kept exact): no sample is larger than that, so neither is
 * a percentile.
 */
export const percentileMs = (h: Histogram, percentile: number): number =>
  toMs(Math.min(h.getValueAtPercentile(percentile), h.maxValue));

export function summarize(h: Histogram): Percentiles {
  return {
    p50: percentileMs(h, 50),
    p99: percentileMs(h, 99),
    p999: percentileMs(h, 99.9),
    max: toMs(h.maxValue),
  };
}

export const encodeHistogram = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

export class HistogramError extends Error {}

/**
 * Decodes one of ours. Anything else (not HDR's encoding, or another range or precision, whose
 * counts array could be far larger than ours) is refused with the reason.
 */
export function decodeHistogram(text: string): Histogram {
  let h: Histogram;
  try {
    h = hdr.decodeFromCompressedBase64(text);
  } catch (err) {
    throw new HistogramError(`not HDR's compressed encoding (${(err as Error).message})`);
  }
  if (h.numberOfSignificantValueDigits !== DIGITS || h.highestTrackableValue > 2 * HIGHEST_US) {
    throw new HistogramError(
      `expected ${DIGITS} significant digits up to ${HIGHEST_US} µs, got ${h.numberOfSignificantValueDigits} up to ${h.highestTrackableValue}`,
    );
  }
  return h;
}
