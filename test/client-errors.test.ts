/** The client's failures: one clear line and a non-zero exit, never a hang or a stack trace. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freePort, run, start, waitFor } from "../system/child-process.ts";
import { CLIENT, ROOT, runCommand } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";
import { clientReportFrom } from "../tools/client-stop.ts";

describe("client errors", () => {
  it("says the server is unreachable and exits 1", async () => {
    const port = await freePort();
    const { code, output } = await run([...runCommand("node"), CLIENT, `http://127.0.0.1:${port}`]);
    assert.equal(code, 1);
    assert.match(
      output,
      new RegExp(
        `^c512k client: cannot reach http://127\\.0\\.0\\.1:${port}/scenario: ECONNREFUSED; is the server running\\?\\n$`,
      ),
    );
  });

  it("rejects bad flags with the reason and the usage, exit 2", async () => {
    for (
      const args of [["http://127.0.0.1:1", "--connections", "lots"], ["--json"], ["ftp://x"], ["http://x", "--nope"]]
    ) {
      const { code, output } = await run([...runCommand("node"), CLIENT, ...args]);
      assert.equal(code, 2, output);
      assert.match(output, /^c512k client: .+\nusage: client URL/);
    }
  });

  it("refuses a scenario with no default export, exit 1", async () => {
    const server = await startServer("node", ["--scenario", `${ROOT}test/fixtures/no-default.ts`]);
    try {
      const { code, output } = await run([...runCommand("node"), CLIENT, server.url]);
      assert.equal(code, 1);
      assert.match(output, /has no default export function\n$/);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("exits 1 when the scenario saw wrong answers, and prints them", async () => {
    const server = await startServer("node", ["--scenario", `${ROOT}test/fixtures/wrong-echo.ts`]);
    try {
      const { code, stdout } = await run([...runCommand("node"), CLIENT, server.url]);
      assert.equal(code, 1);
      assert.match(stdout, /mismatch: expected "EXPECTED", got "got"/);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("the server refuses a scenario file that does not build, exit 1", async () => {
    const { code, output } = await run([
      ...runCommand("node"),
      `${ROOT}dist/server.js`,
      "--port",
      "0",
      "--scenario",
      "/nonexistent.ts",
    ]);
    assert.equal(code, 1);
    assert.match(output, /^c512k: cannot bundle scenario \/nonexistent\.ts: /);
  });

  it("on SIGINT closes its sockets and still prints the summary", async () => {
    const server = await startServer("node");
    try {
      const client = start([
        ...runCommand("node"),
        CLIENT,
        server.url,
        "--connections",
        "50",
        "--rate",
        "1000",
        "--interval",
        "0.1",
        "--json",
      ]);
      await waitFor(client, /running JavaScript from/);
      // Let it ramp and exchange a few messages, then interrupt.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const s = await (await fetch(`${server.url}/stats`)).json();
        if (s.connections.open === 50 && s.messages.in >= 100) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      client.proc.kill("SIGINT");
      const ended = await client.exited;
      assert.equal(ended, 0, client.output());
      // Read as the experiment and the compare read it.
      const report = clientReportFrom(client.stdout(), ended, client.output());
      assert.equal(report.opened, 50);
      assert.equal(report.failed, 0);
      assert.ok(report.answered >= 50, `answered ${report.answered}`);
      assert.equal(report.answered, report.sent);
      let s;
      for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
        s = await (await fetch(`${server.url}/stats`)).json();
        if (s.connections.closed === 50) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(s.connections.closed, 50);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
