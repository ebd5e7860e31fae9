/** What the experiment and the compare pick by themselves, and what they say about it (tools/best-settings.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BUN_TUNED_ENV,
  bunEnvSetting,
  describeSetting,
  ehashFor,
  ehashSetting,
  fleetEhashSetting,
  schedSetting,
  websocketSetting,
} from "../tools/best-settings.ts";

const HOST = 262_144;
const MAX = 2 ** 24;

describe("the best settings as defaults", () => {
  it("takes the lean client unless told otherwise, and says how to turn it off", () => {
    assert.equal(websocketSetting(undefined).value, "lean");
    assert.equal(websocketSetting(undefined).off, "--websocket runtime");
    assert.equal(websocketSetting("runtime").value, "runtime");
    assert.equal(websocketSetting(undefined, "--client-websocket").off, "--client-websocket runtime");
  });

  it("takes SCHED_BATCH where chrt is found, and says what is missing where it is not", () => {
    assert.equal(schedSetting("auto", true).value, "batch");
    const without = schedSetting("auto", false);
    assert.equal(without.value, "normal");
    assert.match(without.without!, /chrt/);
    assert.equal(schedSetting("normal", true).value, "normal");
  });

  it("sets Bun's GC variables for Bun's processes only, never over the caller's own", () => {
    assert.deepEqual(bunEnvSetting("tuned", ["bun", "bun"], {}).env, BUN_TUNED_ENV);
    assert.deepEqual(bunEnvSetting("tuned", ["node26", "deno"], {}).env, {});
    assert.deepEqual(bunEnvSetting("plain", ["bun"], {}).env, {});
    const mine = bunEnvSetting("tuned", ["bun"], { MIMALLOC_PURGE_DELAY: "10" });
    assert.deepEqual(mine.env, { BUN_JSC_useWarmUpMarkedBlocks: "false" });
    assert.match(mine.setting.why, /yours kept: MIMALLOC_PURGE_DELAY/);
  });

  it("keeps the host's TCP hash up to 2 socket ends a bucket, and asks for its own past that", () => {
    // 200,000 on loopback: 400,000 ends in 262,144 buckets, 1.5 each.
    assert.equal(ehashSetting("auto", 200_000, HOST, null, MAX).buckets, null);
    // 512,000: 3.9 each; a table of 2,097,152 ramped faster.
    assert.equal(ehashSetting("auto", 512_000, HOST, null, MAX).buckets, 2_097_152);
    // A million: 7.6 each; the recorded million held in 4,194,304.
    const million = ehashSetting("auto", 1_000_000, HOST, null, MAX);
    assert.equal(million.buckets, 4_194_304);
    assert.match(describeSetting(million.setting), /7\.6 socket ends each.*\[--ehash host\]/);
    assert.equal(ehashFor(1_000_000, MAX), 4_194_304);
    assert.equal(ehashFor(10_000_000, MAX), MAX);
  });

  it("goes on in the host's table, saying why, where it cannot have its own", () => {
    const { setting, buckets } = ehashSetting("auto", 1_000_000, HOST, "a table of its own needs root", MAX);
    assert.equal(buckets, null);
    assert.equal(setting.value, "the host's");
    assert.match(describeSetting(setting), /the host's \(a table of its own needs root\)/);
  });

  it("gives each of a fleet's hosts a table for the socket ends it holds, or says why all share the host's", () => {
    // A million over 16 hosts: the server's host holds a million ends, each client's 62,500.
    const fleet = fleetEhashSetting("auto", 1_000_000, 62_500, null, MAX);
    assert.deepEqual(fleet.buckets, { server: 2_097_152, client: 131_072 });
    assert.match(describeSetting(fleet.setting), /2,097,152 buckets on the server's, 131,072 on each client's/);
    const old = fleetEhashSetting("auto", 1_000_000, 62_500, "needs Linux 6.1 or later", MAX);
    assert.equal(old.buckets, null);
    assert.match(describeSetting(old.setting), /the host's, shared \(needs Linux 6\.1 or later\)/);
    assert.equal(fleetEhashSetting("host", 1_000_000, 62_500, null, MAX).buckets, null);
  });

  it("does what it is told: a size, or the host's", () => {
    assert.equal(ehashSetting("1048576", 1_000, HOST, null, MAX).buckets, 1_048_576);
    assert.equal(ehashSetting("host", 1_000_000, HOST, null, MAX).buckets, null);
  });
});
