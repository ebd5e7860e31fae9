/** Server workers under each runtime: a killed worker is restarted and costs only its own sockets. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCENARIO_ENV_MAX } from "../../server/worker-link.ts";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import { spawnSync } from "node:child_process";
import { reusesPort } from "../../adapters/_node/reuse-port.ts";
import { TESTED_RUNTIMES } from "../../system/runtimes.ts";
import { startServer, statsUntil } from "../../tools/local-server.ts";
import { connectWelcomed, type TestSocket } from "../_ws.ts";

const SOCKETS = 40;

for (const runtime of TESTED_RUNTIMES) {
  describe(`server workers on ${runtime}`, () => {
    it("a worker killed with SIGKILL is restarted; only its sockets drop, the rest keep answering, totals stay right", async () => {
      const server = await startServer(runtime, ["--workers", "2"]);
      try {
        // Where workers accept for themselves (Node), a busy machine may let one worker take a
        // whole batch: open more until both hold some.
        const sockets: TestSocket[] = [];
        let before: ClusterStatsSnapshot;
        do {
          sockets.push(...await Promise.all(Array.from({ length: SOCKETS }, () => connectWelcomed(server.wsUrl))));
          before = await statsUntil(server.url, (s) => s.connections.open === sockets.length);
        } while (before.workers.some((w) => w.connections.open === 0) && sockets.length < 10 * SOCKETS);
        const opened = sockets.length;
        assert.equal(before.workers.length, 2);
        assert.deepEqual(before.workers.map((w) => w.alive), [true, true]);
        assert.equal(before.workers[0].connections.open + before.workers[1].connections.open, opened);
        const [victim, survivor] = before.workers;
        assert.ok(victim.connections.open > 0 && survivor.connections.open > 0, "both workers hold sockets");

        process.kill(victim.pid, "SIGKILL");
        // Which sockets were the victim's shows in which ones close.
        const closedBy = await Promise.all(
          sockets.map((s) => Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), 3_000))])),
        );
        const dropped = closedBy.filter((c) => c !== null);
        assert.equal(dropped.length, victim.connections.open);
        assert.ok(dropped.every((code) => code === 1006), `abnormal closes, got ${dropped}`);

        const alive = sockets.filter((_, i) => closedBy[i] === null);
        for (const [i, s] of alive.entries()) {
          s.ws.send(`still here ${i}`);
          assert.equal(await s.next(), `STILL HERE ${i}`);
        }

        const after = await statsUntil(
          server.url,
          (s) => s.workers[0].alive && s.workers[0].restarts === 1 && s.connections.open === alive.length,
        );
        assert.equal(after.workers[0].restarts, 1);
        assert.notEqual(after.workers[0].pid, victim.pid);
        assert.equal(after.workers[1].pid, survivor.pid);
        assert.equal(after.connections.open, alive.length);
        assert.equal(after.connections.accepted, before.connections.accepted);
        assert.equal(after.connections.closed, before.connections.closed + dropped.length);
        assert.equal(after.connections.peak, opened);

        // The restarted worker takes new sockets.
        const fresh = await Promise.all(Array.from({ length: 10 }, () => connectWelcomed(server.wsUrl)));
        const later = await statsUntil(server.url, (s) => s.connections.open === alive.length + 10);
        assert.equal(later.connections.open, alive.length + 10);
        for (const s of [...alive, ...fresh]) s.ws.close();
      } finally {
        await server.stop("SIGKILL");
      }
    });
  });
}

/** How many listening sockets the kernel has on `port` (ss, from iproute2). */
function listeningSockets(port: number): number {
  const ss = spawnSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" });
  assert.equal(ss.status, 0, ss.stderr);
  return ss.stdout.split("\n").filter((line) => line.startsWith("LISTEN")).length;
}

describe("how Node's workers listen", () => {
  it("reusePort from Node 22.12, cluster before it and when NODE_CLUSTER_SCHED_POLICY asks for it", () => {
    assert.equal(reusesPort("20.20.2", {}), false);
    assert.equal(reusesPort("22.11.0", {}), false);
    assert.equal(reusesPort("22.12.0", {}), true);
    assert.equal(reusesPort("26.12.1", {}), true);
    assert.equal(reusesPort("26.12.1", { NODE_CLUSTER_SCHED_POLICY: "none" }), false);
  });

  for (const runtime of ["node", "node26"] as const) {
    it(`on ${runtime}: a socket each with reusePort, one shared socket with cluster`, async () => {
      for (const prefix of [[], ["env", "NODE_CLUSTER_SCHED_POLICY=none"]]) {
        const server = await startServer(runtime, ["--workers", "3"], prefix);
        try {
          const { version } = await statsUntil(server.url, (s) => s.workers.every((w) => w.alive));
          const own = reusesPort(version, prefix.length ? { NODE_CLUSTER_SCHED_POLICY: "none" } : {});
          assert.equal(listeningSockets(Number(new URL(server.url).port)), own ? 3 : 1, `${version} ${prefix}`);
        } finally {
          await server.stop();
        }
      }
    });
  }
});

describe("the scenario across workers", () => {
  /** Ten answers to GET /scenario, each on a new connection, so that both workers answer some. */
  async function scenarioTags(url: string): Promise<Set<string>> {
    const tags = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/scenario`, { headers: { Connection: "close" } });
      assert.equal(res.status, 200);
      const code = await res.text();
      tags.add(`${res.headers.get("etag")} ${code.length}`);
    }
    return tags;
  }

  it("every worker serves the supervisor's bundle, also one too big to hand over in the environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c512k-big-scenario-"));
    const big = join(dir, "big.js");
    // Over SCENARIO_ENV_MAX: each worker bundles this one itself.
    const pad = "x".repeat(SCENARIO_ENV_MAX + 1_000);
    writeFileSync(big, `const PAD = ${JSON.stringify(pad)};\nexport default async function () { void PAD; }\n`);
    for (const args of [[], ["--scenario", big]]) {
      const server = await startServer("node", ["--workers", "2", ...args]);
      try {
        const tags = await scenarioTags(server.url);
        assert.equal(tags.size, 1, `one scenario from every worker: ${[...tags].join(", ")}`);
      } finally {
        await server.stop();
      }
    }
  });
});
