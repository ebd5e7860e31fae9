/** The client's result: printed as one JSON object with `--json`, and as a table otherwise. */

/** Milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ClientReport {
  /** The runtime that ran the client. */
  runtime: { name: string; version: string };
  scenario: { url: string; sha256: string };
  target: number;
  /** Sockets whose handshake completed. */
  opened: number;
  /** Sockets that failed to open, or dropped without the client closing them. */
  failed: number;
  failures: Record<string, number>;
  peakOpen: number;
  sent: number;
  answered: number;
  /** Wrong answers, plus messages that answered nothing (a wrong greeting, say). */
  mismatched: number;
  /** Sent but neither answered nor mismatched when the socket closed. */
  unanswered: number;
  /** Echo round trip over the whole run, ramp included. */
  rtt: Percentiles;
  /** Echo round trip once every socket of a process had opened (or failed): the steady state. */
  rttSteady: Percentiles;
  /** Handshake time. */
  connect: Percentiles;
  seconds: number;
  /** Up to five wrong answers, to show what went wrong. */
  mismatchSamples: { expected: string; got: string }[];
}

/** True when every socket opened and every message got its right answer. */
export function reportIsClean(r: ClientReport): boolean {
  return r.failed === 0 && r.mismatched === 0 && r.unanswered === 0;
}
