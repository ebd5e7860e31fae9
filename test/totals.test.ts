/** The counters' way from workers to /stats (server/totals.ts) and the totals' way back (server/totals-push.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterStatsSnapshot, StatsSnapshot } from "../src/stats.ts";
import { Totals } from "../server/totals.ts";
import { pushedTotals, pushTotals } from "../server/totals-push.ts";
import { loopDelay } from "../server/loop-delay.ts";
import { supervisorLink } from "../server/supervisor-link.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { PassThrough } from "node:stream";

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

describe("totals pushed to the workers", () => {
  it("a worker answers with the last totals pushed, their staleMs grown by their age; none before the first", async () => {
    const stdin = new PassThrough();
    let now = 1_000;
    const pushed = pushedTotals(stdin, () => now);
    assert.equal(pushed.totals(), null);
    const pusher = pushTotals(() => ({ connections: { open: 7 }, staleMs: 300 }), () => [stdin], 10);
    try {
      await once(stdin, "data");
      await new Promise((r) => setImmediate(r));
      now += 1_500;
      assert.deepEqual(pushed.totals(), { connections: { open: 7 }, staleMs: 1_800 });
    } finally {
      pusher.stop();
    }
  });

  it("skips a worker that does not read, instead of growing the supervisor's memory", async () => {
    const unread = new PassThrough({ highWaterMark: 1 });
    const read = new PassThrough();
    const big = { pad: "x".repeat(100_000), staleMs: 0 };
    const pusher = pushTotals(() => big, () => [unread, read], 10);
    try {
      for (let i = 0; i < 4; i++) await once(read, "data");
    } finally {
      pusher.stop();
    }
    // Written while under 256 KiB unread: three lines of 100,023 bytes; the fourth was skipped.
    assert.equal(unread.writableLength, 3 * (JSON.stringify(big).length + 1));
  });
});

describe("a worker's loop running late", () => {
  const ticks = (n: number) => new Promise((r) => setTimeout(r, n * 100 + 50));

  it("is noted when a tick fires 200 ms past its time, and forgotten 3 s later", async () => {
    let now = 0;
    const loop = loopDelay(() => now);
    try {
      await ticks(2);
      assert.equal(loop.late(), false);
      now += 1_000; // the next tick comes 900 ms late
      await ticks(1);
      assert.equal(loop.late(), true);
      now += 2_900;
      assert.equal(loop.late(), true);
      now += 101;
      assert.equal(loop.late(), false);
    } finally {
      loop.stop();
    }
  });
});

describe("a worker's /stats", () => {
  it("answers the newest totals it knows, fetched or pushed, never going back", async () => {
    let answer: { uptimeSeconds: number; staleMs: number } | null = { uptimeSeconds: 10, staleMs: 0 };
    const supervisor = createServer((_req, res) => {
      res.writeHead(answer ? 200 : 500, { "content-type": "application/json" }).end(JSON.stringify(answer ?? {}));
    });
    await new Promise<void>((r) => supervisor.listen(0, "127.0.0.1", r));
    let push: { uptimeSeconds: number; staleMs: number } | null = { uptimeSeconds: 9, staleMs: 0 };
    let late = false;
    const link = supervisorLink(
      `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}`,
      { totals: () => push as ClusterStatsSnapshot | null },
      { late: () => late },
    );
    try {
      const uptime = async () => ((await link.totals()) as { uptimeSeconds: number }).uptimeSeconds;
      assert.equal(await uptime(), 10); // fetched: the freshest
      answer = null; // the supervisor fails: the fetched 10 is newer than the pushed 9
      assert.equal(await uptime(), 10);
      late = true; // a late loop does not ask, and still does not go back
      assert.equal(await uptime(), 10);
      push = { uptimeSeconds: 11, staleMs: 0 };
      assert.equal(await uptime(), 11);
    } finally {
      supervisor.close();
    }
  });
});
