/**
 * A scenario that will not stop: the client leaves it after its grace (30 s and 2 ms a socket)
 * and reports. Here rather than in the quick suite because that grace is half a minute of waiting.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientReport } from "../../client/report.ts";
import { run } from "../../system/child-process.ts";
import { CLIENT, ROOT, runCommand } from "../../system/runtimes.ts";
import { startServer } from "../../tools/local-server.ts";

const client = (url: string, ...args: string[]) =>
  run([...runCommand("node"), CLIENT, url, "--json", "--workers", "1", ...args], { ms: 60_000 });

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!) as ClientReport;

describe("scenario grace", () => {
  it("a scenario that ignores --duration and never ends is left behind after the grace, and the client reports", async () => {
    const bad = await startServer("node", ["--workers", "1", "--scenario", `${ROOT}test/fixtures/never-ends.ts`]);
    try {
      // 10 sockets: the grace is 30 s and 2 ms per socket.
      const { code: exit, output, stdout } = await client(bad.url, "--duration", "0.5", "--connections", "10");
      assert.equal(exit, 1);
      const why = "scenario did not end within 30.02 s of being stopped; left it";
      assert.match(output, new RegExp(`^c512k client: ${why}$`, "m"));
      const report = lastJson(stdout);
      assert.equal(report.sent, 1);
      assert.deepEqual(report.failures, { [why]: 1 });
    } finally {
      await bad.stop("SIGKILL");
    }
  });
});
