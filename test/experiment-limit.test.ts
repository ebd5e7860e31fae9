// The experiment's "limit that stopped it": the stall when sockets never opened, the failures
// when they account for what is missing, the errno when one names the wall.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import { findLimit, heldLimit, type Sample } from "../tools/experiment/report.ts";

const client = (failures: Record<string, number>) =>
  ({ failed: Object.values(failures).reduce((a, b) => a + b, 0), failures }) as unknown as ClientReport;

describe("the experiment's limit", () => {
  it("is none when the target was reached", () => {
    assert.equal(findLimit(1000, 1000, client({}), ""), null);
  });

  it("is the stall when most missing sockets never opened", () => {
    const limit = findLimit(512_000, 511_202, client({ "connect: Connection ended": 6 }), "", 120);
    assert.equal(
      limit,
      "the ramp stalled: no new socket for 120 s at 511202; 792 never opened, 6 failed (see failures)",
    );
  });

  it("names a server worker's death in the server's own words", () => {
    const log = "listening on http://0.0.0.0:8080 (bun 1.4.5)\nc512k: worker 7 (pid 4242) died (1); restarting it\n";
    assert.equal(
      findLimit(512_000, 491_922, client({ "dropped: close 1006": 19_993 }), log, 120),
      "a server worker died: c512k: worker 7 (pid 4242) died (1); restarting it",
    );
  });

  it("is the failures when they account for every missing socket, stall or not", () => {
    const failures = { "connect: Connection ended": 4386, "connect: ECONNRESET": 675 };
    const expected = 'connects failed: 4386 × "connect: Connection ended" (see failures)';
    assert.equal(findLimit(512_000, 506_939, client(failures), "", 60), expected);
    assert.equal(findLimit(512_000, 506_939, client(failures), ""), expected);
  });

  it("names the open-file wall before anything else", () => {
    const limit = findLimit(30_000, 20_000, client({ "connect: EMFILE": 5 }), "", 30);
    assert.equal(limit, "open files per process (EMFILE)");
  });

  describe("when the client held its ramp (the machine's queues did not drain)", () => {
    const GiB = 1024 ** 3;
    const held = { open: 250_000, why: "paused 30.0 s and the queues did not drain: …" };
    /** Samples of one second each, the last `n` seconds before the hold, all alike. */
    const samples = (n: number, s: Partial<Sample>): Sample[] =>
      Array.from({ length: n }, (_, i) => ({
        t: i + 1,
        open: 250_000,
        accepted: 250_000,
        serverRss: 0,
        serverHeap: 0,
        clientRss: 0,
        slabBytes: 0,
        memAvailable: 10 * GiB,
        staleMs: 0,
        messagesIn: 0,
        messagesOut: 0,
        restarts: 0,
        machineBusy: 0.5,
        serverCores: 0.5,
        clientCores: 0.4,
        ...s,
      }));

    it("names the machine's CPU when its cores were busy, with who used them", () => {
      const limit = heldLimit(
        held,
        samples(20, { machineBusy: 0.97, serverCores: 1.1, clientCores: 0.6 }),
        24 * GiB,
        2,
      );
      assert.equal(
        limit,
        "CPU: the ramp held at 250000 sockets, 97% of 2 cores busy over the last 10 s (server 110%, client 60%, " +
          "everything else 24% of one core); paused 30.0 s and the queues did not drain: …",
      );
    });

    it("names the cgroup's CPU quota when one binds, though the machine's cores look idle", () => {
      const quota = { cores: 0.5, where: "/sys/fs/cgroup/cpu/slow", throttledPeriods: 530 };
      const limit = heldLimit(
        held,
        samples(20, { machineBusy: 0.25, serverCores: 0.3, clientCores: 0.2 }),
        24 * GiB,
        2,
        quota,
      );
      assert.match(
        limit,
        /^CPU: the ramp held at 250000 sockets, the run's cgroup quota of 0\.5 cores \(\/sys\/fs\/cgroup\/cpu\/slow\) 100% used/,
      );
      assert.match(limit, /throttled in 530 periods during the ramp/);
    });

    it("names memory when little was left, and neither when the machine had room (a lone process, say)", () => {
      assert.match(heldLimit(held, samples(20, { memAvailable: 0.5 * GiB }), 24 * GiB, 2), /^memory: /);
      assert.match(
        heldLimit(held, samples(20, {}), 24 * GiB, 2),
        /^round trips, not the machine's CPU: .*50% of 2 cores busy/,
      );
    });
  });
});
