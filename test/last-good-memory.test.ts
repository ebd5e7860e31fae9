/**
 * A worker's memory reading at the open-file wall, where the runtime cannot open /proc: the last
 * good reading stands. (scale/open-file-wall.test.ts drives a real worker there; the accept guards now
 * keep Node's and Bun's workers short of it, so this is where their case is checked.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lastGoodMemory } from "../server/adapter.ts";

describe("lastGoodMemory", () => {
  it("gives each reading, and the last good one when the runtime throws (Node, Bun) or answers 0 (Deno)", () => {
    const readings: (() => { rss: number; heapUsed: number })[] = [
      () => ({ rss: 100, heapUsed: 10 }),
      () => {
        throw new Error("EMFILE: too many open files, open '/proc/self/stat'");
      },
      () => ({ rss: 0, heapUsed: 0 }),
      () => ({ rss: 300, heapUsed: 30 }),
    ];
    let i = 0;
    const memory = lastGoodMemory(() => readings[i++]());
    assert.deepEqual(memory(), { rss: 100, heapUsed: 10 });
    assert.deepEqual(memory(), { rss: 100, heapUsed: 10 });
    assert.deepEqual(memory(), { rss: 100, heapUsed: 10 });
    assert.deepEqual(memory(), { rss: 300, heapUsed: 30 });
  });
});
