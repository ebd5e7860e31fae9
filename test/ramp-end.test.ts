/** When `npm run fleet` calls its ramp over (tools/fleet/ramp-end.ts, tools/ramp-creep.ts), from the run's totals. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RampEnd } from "../tools/fleet/ramp-end.ts";
import { CREEP_WINDOW_MS } from "../tools/ramp-creep.ts";

/** Readings every second from `from` s at `perSecond` sockets a second, starting at `open`. */
function feed(end: RampEnd, from: number, seconds: number, open: number, perSecond: number) {
  let why: string | null = null;
  for (let s = 0; s < seconds && !why; s++) {
    const o = open + s * perSecond;
    why = end.observe({ at: (from + s) * 1000, open: o, opened: o, failed: 0 });
    if (why) return { why, at: from + s };
  }
  return { why, at: from + seconds };
}

describe("the fleet's ramp end", () => {
  it("is over when every socket opened or failed", () => {
    const end = new RampEnd(1_000, 120);
    assert.equal(end.observe({ at: 0, open: 900, opened: 900, failed: 99 }), null);
    assert.equal(end.observe({ at: 1_000, open: 900, opened: 900, failed: 100 }), "every socket opened or failed");
    assert.equal(end.complete, true, "nothing left to open: no client needs telling to hold");
  });

  it("is over when the open count stays flat for --stall seconds", () => {
    const end = new RampEnd(1_000_000, 60);
    feed(end, 0, 10, 0, 1_000);
    const { why, at } = feed(end, 10, 100, 10_000, 0);
    assert.match(why ?? "", /stayed at 10000 for 60 s/);
    assert.equal(at, 71);
    assert.equal(end.complete, false, "sockets left to open: the fleet holds its clients");
  });

  it("is over when it creeps under 1/64 of its best rate over 30 s, and not while it only slows", () => {
    const end = new RampEnd(1_000_000, 600);
    let r = feed(end, 0, 60, 0, 8_000); // best: 8,000/s
    r = feed(end, 60, 120, 480_000, 500); // 1/16 of it: goes on
    assert.equal(r.why, null);
    r = feed(end, 180, 120, 540_000, 100); // under 125/s: over, once a whole window crept
    assert.match(r.why ?? "", /crept at 1\d\d sockets\/s over the last 30 s, under 1\/64 of its best \(8000\/s\)/);
    assert.ok(r.at > 180 && r.at <= 180 + CREEP_WINDOW_MS / 1000 + 10, `over at ${r.at} s`);
  });
});
