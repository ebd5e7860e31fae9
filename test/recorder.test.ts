/** The client's recorder: which answers count as the steady state's. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ClientRecorder } from "../client/recorder.ts";

describe("the client's recorder", () => {
  it("counts in the steady round trip only messages sent after the ramp, not those answered after it", async () => {
    const recorder = new ClientRecorder(2);
    recorder.opened(5);
    recorder.answered(3); // sent and answered in the ramp
    recorder.opened(5); // the last socket: the ramp is over
    await sleep(20);
    recorder.answered(60_000); // sent a minute ago, in the ramp; answered only now
    recorder.answered(2); // sent 2 ms ago, after the ramp

    assert.equal(recorder.rtt.totalCount, 3);
    assert.equal(recorder.rttSteady.totalCount, 1);
    const report = recorder.report({} as Parameters<ClientRecorder["report"]>[0]);
    assert.ok(Math.abs(report.rttSteady.max - 2) < 0.01, `steady max ${report.rttSteady.max}`);
    assert.ok(Math.abs(report.rtt.max - 60_000) < 60, `whole-run max ${report.rtt.max}`);
  });
});
