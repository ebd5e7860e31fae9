/** Run-queue waits from /proc/PID/schedstat (system/proc.ts): what the experiment reports over its hold. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSchedStat, runQueueWait, type SchedStat, schedStats } from "../system/proc.ts";

const at = (runNs: number, waitNs: number, slices: number): SchedStat => ({ runNs, waitNs, slices });

describe("run-queue waits", () => {
  it("reads a schedstat line: run and wait in ns, then slices", () => {
    assert.deepEqual(parseSchedStat("3259519 1200 17\n"), { runNs: 3_259_519, waitNs: 1_200, slices: 17 });
    assert.equal(parseSchedStat(""), null);
  });

  it("reads this process's own", () => {
    const own = schedStats([process.pid]).get(process.pid);
    assert.ok(own && own.runNs > 0 && own.slices > 0, `schedstat of ${process.pid}: ${JSON.stringify(own)}`);
  });

  it("gives how many waited on average, and a slice's wait and length, over the processes read both times", () => {
    const before = new Map([[1, at(0, 0, 0)], [2, at(1e9, 1e9, 100)], [3, at(0, 0, 0)], [4, at(0, 0, 50)]]);
    // Over 5 s: 1 waited 10 s in 1,000 slices, 2 waited 14 s in 1,000 more; 3 is gone; 4's pid is a new process.
    const after = new Map([[1, at(0.5e9, 10e9, 1_000)], [2, at(1.5e9, 15e9, 1_100)], [4, at(0, 0, 10)]]);
    assert.deepEqual(runQueueWait(before, after, 5), {
      waiting: 4.8, // 24 s of waiting in 5 s
      waitPerSliceMs: 12, // 24 s over 2,000 slices
      runPerSliceMs: 0.5, // 1 s over 2,000 slices
      worstWaitPerSliceMs: 14,
      processes: 2,
    });
  });

  it("gives nothing when nothing ran in between", () => {
    const same = new Map([[1, at(5, 5, 5)]]);
    assert.equal(runQueueWait(same, same, 5), null);
    assert.equal(runQueueWait(new Map(), new Map(), 5), null);
  });
});
