// The ramp's brake: pauses when a handshake waits past PAUSE_MS or round trips climb past a fifth
// of the interval (at most PAUSE_MS), resumes once they drain under half that, and holds for good
// after HOLD_AFTER_MS paused without draining.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  HOLD_AFTER_MS,
  HOLD_RATE_SHARE,
  overallRamp,
  PAUSE_MS,
  RampGate,
  RATE_RECOVERY_PER_S,
} from "../client/ramp-gate.ts";

const SEED_INTERVAL_MS = 25_000;

/** `n` answers of `ms` each, spread over the second that ends at `now`. */
function answers(gate: RampGate, n: number, ms: number, now: number): void {
  for (let i = 0; i < n; i++) gate.answer(ms, now - 999 + (i * 999) / n);
}

describe("the ramp gate", () => {
  it("lets the ramp run while handshakes and answers are quick", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    for (let t = 1_000; t < 60_000; t += 1_000) {
      answers(gate, 100, 50, t);
      gate.handshake(30, t);
      assert.equal(gate.check(t, 100), "ramping");
    }
    assert.equal(gate.pauses, 0);
  });

  it("pauses when a handshake in flight has waited past PAUSE_MS, before a server's ~10 s timeout", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    answers(gate, 100, 50, 1_000);
    assert.equal(gate.check(1_000, PAUSE_MS), "ramping");
    assert.equal(gate.check(1_100, PAUSE_MS + 1), "paused");
    assert.match(gate.why, /^oldest handshake in flight 4\.0 s;/);
  });

  it("pauses when more than 1% of recent answers took longer than the bound (p99 past it)", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    answers(gate, 99, 50, 1_000);
    answers(gate, 1, PAUSE_MS + 500, 1_000);
    assert.equal(gate.check(1_000, 0), "ramping", "exactly 1% is p99 at the bound, not past it");
    answers(gate, 1, PAUSE_MS + 500, 2_000);
    assert.equal(gate.check(2_000, 0), "paused");
    assert.match(gate.why, /2\.0% of 101 answers slower than 2\.0 s \(slowest 4\.5 s\)/);
  });

  it("bounds round trips by a fifth of a short interval: an answer later than the interval sends less than asked", () => {
    const gate = new RampGate(1_000);
    answers(gate, 100, 150, 1_000);
    assert.equal(gate.check(1_000, 0), "ramping");
    answers(gate, 100, 250, 2_000);
    assert.equal(gate.check(2_000, 0), "paused");
  });

  it("pauses on slow handshakes that finished, as on one that still waits", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    for (let i = 0; i < 10; i++) gate.handshake(PAUSE_MS + 1, 500);
    assert.equal(gate.check(1_000, 0), "paused");
  });

  it("resumes once the slow samples age out and no handshake waits", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    answers(gate, 10, PAUSE_MS * 2, 1_000);
    assert.equal(gate.check(1_000, 0), "paused");
    // Still slow within the last 5 s: stays paused.
    answers(gate, 100, 50, 3_000);
    assert.equal(gate.check(3_000, 0), "paused");
    // A handshake still waiting past half the bound keeps it paused too.
    assert.equal(gate.check(7_000, PAUSE_MS / 2 + 1), "paused");
    assert.equal(gate.check(7_100, 0), "ramping");
    assert.equal(gate.why, "");
    assert.equal(gate.pauses, 1);
    assert.equal(gate.pausedMs, 6_100);
  });

  it("holds for good after HOLD_AFTER_MS paused with round trips that never drain", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    let t = 1_000;
    answers(gate, 10, PAUSE_MS * 2, t);
    assert.equal(gate.check(t, 0), "paused");
    const pausedAt = t;
    // The sockets held keep answering between half the bound and the bound: not drained.
    for (t += 1_000; t < pausedAt + HOLD_AFTER_MS; t += 1_000) {
      answers(gate, 100, PAUSE_MS * 0.75, t);
      assert.equal(gate.check(t, 0), "paused");
    }
    answers(gate, 100, PAUSE_MS * 0.75, t);
    assert.equal(gate.check(t, 0), "held");
    assert.match(
      gate.why,
      /^paused 30\.0 s and the queues did not drain: .* 100\.0% of \d+ answers slower than 2\.0 s/,
    );
    // Held is final, even once everything is quick again.
    answers(gate, 100, 10, t + 10_000);
    assert.equal(gate.check(t + 10_000, 0), "held");
  });

  it("halves the ramp's rate at each pause and gives it back over 20 s of ramping", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    assert.equal(gate.check(0, 0), "ramping");
    assert.equal(gate.rateShare, 1);
    assert.equal(gate.check(100, PAUSE_MS + 1), "paused");
    assert.equal(gate.rateShare, 0.5);
    assert.equal(gate.check(200, 0), "ramping");
    for (let t = 300; t <= 5_200; t += 100) gate.check(t, 0);
    assert.ok(Math.abs(gate.rateShare - (0.5 + 5 * RATE_RECOVERY_PER_S)) < 1e-9, `${gate.rateShare}`);
    for (let t = 5_300; t <= 30_000; t += 100) gate.check(t, 0);
    assert.equal(gate.rateShare, 1);
  });

  it("holds when pauses come so often that the rate has halved down to HOLD_RATE_SHARE", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    const halvings = Math.log2(1 / HOLD_RATE_SHARE);
    for (let i = 0; i < halvings - 1; i++) {
      assert.equal(gate.check(i * 200, PAUSE_MS + 1), "paused");
      assert.equal(gate.check(i * 200 + 100, 0), "ramping");
    }
    assert.equal(gate.check(10_000, PAUSE_MS + 1), "held");
    assert.match(gate.why, /^paused 6 times, the ramp's rate down to 1\.6% of the rate asked: oldest handshake/);
  });

  it("holds when told from outside, with the why it was given, counting a pause it ends; not once done", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    assert.equal(gate.check(1_000, PAUSE_MS + 1), "paused");
    gate.hold("the fleet's ramp is over", 4_000);
    assert.equal(gate.check(5_000, 0), "held", "a queue that drains does not resume a ramp held from outside");
    assert.equal(gate.why, "the fleet's ramp is over");
    assert.equal(gate.pausedMs, 3_000);
    gate.hold("a second word", 6_000);
    assert.equal(gate.why, "the fleet's ramp is over", "the first why stays");

    const finished = new RampGate(SEED_INTERVAL_MS);
    finished.complete();
    finished.hold("too late", 1_000);
    assert.equal(finished.check(1_000, 0), "done");
  });

  it("is done once every socket has been started, and stays so", () => {
    const gate = new RampGate(SEED_INTERVAL_MS);
    gate.complete();
    answers(gate, 10, PAUSE_MS * 2, 1_000);
    assert.equal(gate.check(1_000, PAUSE_MS * 2), "done");
  });

  it("merges client processes: held only when all have held or finished", () => {
    const held = { state: "held" as const, why: "full" };
    const done = { state: "done" as const, why: "" };
    const ramping = { state: "ramping" as const, why: "" };
    const paused = { state: "paused" as const, why: "deep" };
    assert.deepEqual(overallRamp([held, done]), held);
    assert.deepEqual(overallRamp([held, ramping]), ramping);
    assert.deepEqual(overallRamp([held, paused]), paused);
    assert.deepEqual(overallRamp([done, done]), done);
    assert.deepEqual(overallRamp([]), ramping);
  });
});
