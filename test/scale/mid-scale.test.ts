/**
 * The multi-process path at mid scale, so it can never silently break: 30,000 sockets over two
 * server workers (each runtime) and two client workers, spread over four loopback addresses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientReport } from "../../client/report.ts";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import { openFileLimit } from "../../system/limits.ts";
import { run } from "../../system/child-process.ts";
import { CLIENT, runCommand, RUNTIMES } from "../../system/runtimes.ts";
import { startServer } from "../../tools/local-server.ts";

const SOCKETS = 30_000;

async function client(runtime: (typeof RUNTIMES)[number], url: string, args: string[]): Promise<ClientReport> {
  const { code, stdout, output } = await run([...runCommand(runtime), CLIENT, url, ...args, "--json"], { ms: 180_000 });
  assert.equal(code, 0, output.slice(-3000));
  return JSON.parse(stdout) as ClientReport;
}

describe("mid scale", () => {
  for (const runtime of RUNTIMES) {
    it(`${SOCKETS} sockets, 2 server workers on ${runtime}, 2 client workers, 4 addresses: every answer right`, async () => {
      // Listen on all of loopback, so that 127.0.0.2-4 reach it too.
      const server = await startServer(runtime, ["--workers", "2", "--host", "0.0.0.0"]);
      try {
        const report = await client("bun", server.url, [
          ...["--connections", String(SOCKETS), "--workers", "2", "--targets", "127.0.0.1-4"],
          ...["--rate", "2000", "--messages", "2", "--interval", "2"],
        ]);
        assert.deepEqual(
          [report.opened, report.peakOpen, report.failed, report.sent, report.answered, report.mismatched],
          [SOCKETS, SOCKETS, 0, 2 * SOCKETS, 2 * SOCKETS, 0],
        );
        const stats = await (await fetch(`${server.url}/stats`)).json() as ClusterStatsSnapshot;
        assert.equal(stats.connections.accepted, SOCKETS);
        assert.equal(stats.connections.peak, SOCKETS);
        for (const w of stats.workers) {
          // Both took a share, and neither went past its open-file limit (less the files a process
          // keeps for itself): no EMFILE. Not the 80% that --workers auto plans for: this test
          // forces 2 workers, 15,000 each on average, and Node's workers do not split evenly (a
          // Node or Bun worker stops accepting at this bound: server/accept-bounds.ts).
          const bound = openFileLimit() - 64;
          assert.ok(
            w.connections.peak > 0 && w.connections.peak <= bound,
            `worker ${w.id} peak ${w.connections.peak} (bound ${bound})`,
          );
          assert.equal(w.restarts, 0);
        }
      } finally {
        await server.stop("SIGKILL");
      }
    });
  }

  it("the client's --workers splits and merges the same on node, deno and bun", async () => {
    const server = await startServer("bun", ["--workers", "2", "--host", "0.0.0.0"]);
    try {
      for (const runtime of RUNTIMES) {
        const report = await client(runtime, server.url, [
          ...["--connections", "400", "--workers", "3", "--targets", "127.0.0.1-2"],
          ...["--rate", "2000", "--messages", "2", "--interval", "0.2"],
        ]);
        assert.equal(report.runtime.name, runtime);
        assert.deepEqual([report.opened, report.failed, report.answered, report.mismatched, report.unanswered], [
          400,
          0,
          800,
          0,
          0,
        ]);
        assert.ok(report.rtt.p50 > 0 && report.rtt.p99 >= report.rtt.p50);
      }
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
