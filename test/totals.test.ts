/** The counters' way from workers to /stats (server/totals.ts): lines in, totals out. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StatsSnapshot } from "../src/stats.ts";
import { Totals } from "../server/totals.ts";

const base = () => ({ runtime: "node", version: "0", pid: 1, uptimeSeconds: 0 });

/** The line a worker writes (reportCounters), with these counts. */
function line(open: number, accepted: number, closed: number, messages: number): string {
  const snapshot: StatsSnapshot = {
    ...base(),
    connections: { open, peak: open, accepted, closed },
    messages: { in: messages, out: messages },
    bytes: { in: messages * 30, out: messages * 30 },
    refused: { "400": 1 },
    oversized: 0,
    closes: { "1000": closed },
    streams: 0,
    memory: { rss: 1000, heapUsed: 10 },
  };
  return `@c512k-stats ${JSON.stringify(snapshot)}`;
}

describe("totals", () => {
  const slots = [{ id: 0, pid: 10, restarts: 0 }, { id: 1, pid: 11, restarts: 0 }];

  it("sums the workers' last reports and leaves other lines alone", () => {
    const totals = new Totals(base);
    assert.equal(totals.take(0, "listening on http://0.0.0.0:8080 (worker 0)"), false);
    assert.equal(totals.take(0, line(5, 6, 1, 100)), true);
    assert.equal(totals.take(1, line(3, 3, 0, 30)), true);
    assert.equal(totals.take(1, line(4, 4, 0, 40)), true);
    const s = totals.snapshot(slots);
    assert.deepEqual(s.connections, { open: 9, peak: 9, accepted: 10, closed: 1 });
    assert.deepEqual(s.messages, { in: 140, out: 140 });
    assert.deepEqual(s.memory, { rss: 2000, heapUsed: 20 });
    assert.deepEqual(s.workers.map((w) => [w.id, w.pid, w.alive, w.connections.open]), [[0, 10, true, 5], [
      1,
      11,
      true,
      4,
    ]]);
  });

  it("keeps a dead worker's counts (its open sockets as closed) and the highest total ever seen", () => {
    const totals = new Totals(base);
    totals.take(0, line(5, 6, 1, 100));
    totals.take(1, line(4, 4, 0, 40));
    assert.equal(totals.snapshot(slots).connections.peak, 9);
    totals.died(0);
    const s = totals.snapshot([{ id: 0, pid: 12, restarts: 1 }, slots[1]]);
    assert.deepEqual(s.connections, { open: 4, peak: 9, accepted: 10, closed: 6 });
    assert.deepEqual(s.messages, { in: 140, out: 140 });
    // Its 5 open sockets died without a close frame: 1006.
    assert.deepEqual(s.closes, { "1000": 1, "1006": 5 });
    assert.deepEqual([s.bytes.in, s.refused["400"]], [140 * 30, 2]);
    assert.deepEqual([s.workers[0].alive, s.workers[0].restarts, s.workers[0].connections.open], [false, 1, 0]);
    totals.take(0, line(2, 2, 0, 0));
    assert.deepEqual(totals.snapshot(slots).connections, { open: 6, peak: 9, accepted: 12, closed: 6 });
  });

  it("says how stale its figures are: the age of the oldest live worker's report", () => {
    let now = 1_000;
    const totals = new Totals(base, () => now);
    totals.take(0, line(1, 1, 0, 0));
    now = 1_400;
    totals.take(1, line(1, 1, 0, 0));
    now = 4_000;
    const s = totals.snapshot(slots);
    assert.deepEqual(s.workers.map((w) => w.ageMs), [3_000, 2_600]);
    assert.equal(s.staleMs, 3_000);
    totals.died(0);
    const after = totals.snapshot(slots);
    assert.deepEqual([after.workers[0].ageMs, after.staleMs], [null, 2_600]);
  });
});
