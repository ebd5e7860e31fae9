/**
 * A worker at its open-file limit (where every big run puts some worker: the kernel's reuseport
 * split is uneven) refuses what it cannot hold and keeps what it holds: it does not die, its
 * sockets still answer, and its counts and memory stay right.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RUNTIMES } from "../../system/runtimes.ts";
import { startServer, statsUntil } from "../../tools/local-server.ts";
import { connectWelcomed, type TestSocket } from "../_ws.ts";

/** Open files per process here: small, so that a few hundred sockets fill the worker. */
const FILES = 300;
/** More than the worker can hold, whatever its runtime keeps open besides. */
const OFFERED = 400;
/** Long enough for the worker's report (once a second) to run a few times at the wall. */
const AT_THE_WALL_MS = 3_000;

describe("a worker at its open-file limit", () => {
  for (const runtime of RUNTIMES) {
    it(`on ${runtime}: stays up, keeps its sockets answering, and its counts and memory right`, async () => {
      const server = await startServer(runtime, ["--workers", "1"], ["prlimit", `--nofile=${FILES}`]);
      const sockets: TestSocket[] = [];
      try {
        const before = await statsUntil(server.url, (s) => s.workers[0]?.memory.rss > 0);
        const results: PromiseSettledResult<TestSocket>[] = [];
        for (let i = 0; i < OFFERED; i += 50) {
          // A connect the kernel queued for a worker as it stopped listening waits, then fails.
          const attempts = Array.from({ length: 50 }, () => connectWelcomed(server.wsUrl, { handshakeTimeout: 5_000 }));
          results.push(...await Promise.allSettled(attempts));
        }
        for (const r of results) if (r.status === "fulfilled") sockets.push(r.value);
        assert.ok(sockets.length < OFFERED, `all ${OFFERED} opened: the limit was never reached`);
        assert.ok(sockets.length > FILES / 2, `only ${sockets.length} opened`);
        await new Promise((r) => setTimeout(r, AT_THE_WALL_MS));

        // Room for /stats's own connection (Node's worker listens again 64 below its high mark),
        // then the worker's own account.
        const freed = sockets.splice(0, 80);
        for (const s of freed) s.ws.close();
        await Promise.all(freed.map((s) => s.closed));
        const s = await statsUntil(server.url, (s) => s.connections.open === sockets.length);
        assert.deepEqual(s.workers.map((w) => [w.alive, w.restarts]), [[true, 0]], server.child.output());
        assert.equal(s.connections.open, sockets.length);
        assert.ok(s.workers[0].memory.rss >= before.workers[0].memory.rss / 2, `rss ${s.workers[0].memory.rss}`);
        for (const [i, t] of sockets.slice(-20).entries()) {
          t.ws.send(`held ${i}`);
          assert.equal(await t.next(), `HELD ${i}`);
        }
      } finally {
        for (const t of sockets) t.ws.terminate();
        await server.stop("SIGKILL");
      }
    });
  }
});
