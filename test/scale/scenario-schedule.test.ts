// The seed scenario offers the seed's rate whatever the round trip: a socket's next message is
// due an interval after its last send, not after the answer, and never two in flight. Driven
// with a stand-in WebSocket whose answers come back after a set delay.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import seed from "../../client/scenario.ts";
import { ClientRecorder } from "../../client/recorder.ts";
import type { WebSocketLike } from "../../client/scenario-contract.ts";

const SOCKETS = 20;
const INTERVAL_S = 0.5;
const RUN_MS = 5_000;

interface Traffic {
  /** Per socket, when each message was sent (ms). */
  sends: number[][];
  /** Messages sent while the socket's previous one was still unanswered. */
  overlapping: number;
  recorder: ClientRecorder;
}

/** Runs the seed scenario against sockets that answer each message `answerMs` later. */
async function runWithAnswersAfter(answerMs: number): Promise<Traffic> {
  const traffic: Traffic = { sends: [], overlapping: 0, recorder: new ClientRecorder(SOCKETS) };
  class SlowEcho implements WebSocketLike {
    readyState = 0;
    onopen: WebSocketLike["onopen"] = null;
    onmessage: WebSocketLike["onmessage"] = null;
    onerror: WebSocketLike["onerror"] = null;
    onclose: WebSocketLike["onclose"] = null;
    private readonly sends: number[] = [];
    private unanswered = 0;
    constructor(_url: string) {
      traffic.sends.push(this.sends);
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
        this.onmessage?.({ data: "Welcome!" });
      }, 0);
    }
    send(text: string) {
      this.sends.push(performance.now());
      if (this.unanswered > 0) traffic.overlapping++;
      this.unanswered++;
      setTimeout(() => {
        this.unanswered--;
        if (this.readyState === 1) this.onmessage?.({ data: text.toUpperCase() });
      }, answerMs);
    }
    close(code = 1000, reason = "") {
      this.readyState = 3;
      setTimeout(() => this.onclose?.({ code, reason }), 0);
    }
  }
  const options = {
    urls: ["ws://127.0.0.1:1/ws"],
    connections: SOCKETS,
    rate: 10_000,
    maxPending: SOCKETS,
    interval: INTERVAL_S,
    messages: 0,
    reconnect: false,
    handshakeTimeout: 10,
  };
  await seed({ options, WebSocket: SlowEcho, recorder: traffic.recorder, signal: AbortSignal.timeout(RUN_MS) });
  return traffic;
}

/** The mean time between one socket's consecutive sends, over all sockets (ms). */
function meanGap(sends: number[][]): number {
  const gaps = sends.flatMap((times) => times.slice(1).map((t, i) => t - times[i]));
  assert.ok(gaps.length >= SOCKETS * 3, `too few messages to judge: ${gaps.length} gaps`);
  return gaps.reduce((a, b) => a + b, 0) / gaps.length;
}

describe("the seed scenario's schedule", () => {
  it("sends every interval, counted from the send: a round trip of 60% of it does not stretch the period", async () => {
    const traffic = await runWithAnswersAfter(INTERVAL_S * 1000 * 0.6);
    const gap = meanGap(traffic.sends);
    // Counted from the answer, the mean period would be the interval plus the round trip (~1.6×).
    assert.ok(gap > INTERVAL_S * 1000 * 0.85 && gap < INTERVAL_S * 1000 * 1.15, `mean period ${gap.toFixed(0)} ms`);
    assert.equal(traffic.overlapping, 0);
    assert.equal(traffic.recorder.wrongAnswers, 0);
    assert.ok(traffic.recorder.answeredCount > 0);
  });

  it("a late answer sends the next message at once, never two in flight, and no burst after", async () => {
    const answerMs = INTERVAL_S * 1000 * 1.5;
    const traffic = await runWithAnswersAfter(answerMs);
    const gap = meanGap(traffic.sends);
    // The next message waits for the answer (one in flight) but not another interval after it.
    assert.ok(gap >= answerMs, `mean period ${gap.toFixed(0)} ms, under the ${answerMs} ms round trip`);
    assert.ok(gap < answerMs + INTERVAL_S * 1000 * 0.5, `mean period ${gap.toFixed(0)} ms`);
    assert.equal(traffic.overlapping, 0);
    assert.equal(traffic.recorder.wrongAnswers, 0);
  });
});
