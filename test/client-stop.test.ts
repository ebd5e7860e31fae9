/** How the tools stop a client they started and read its report (tools/client-stop.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLIENT_STOP_MS, clientReportFrom } from "../tools/client-stop.ts";
import { stopGraceMs } from "../client/run-local.ts";
import { socketsPerWorker } from "../system/limits.ts";
import { start, stopChild } from "../system/child-process.ts";
import { CLIENT, runCommand } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";

describe("stopping a client the tools started", () => {
  it("waits longer than a client worker holding a full share may take to end", () => {
    assert.ok(
      CLIENT_STOP_MS > stopGraceMs(socketsPerWorker()),
      `${CLIENT_STOP_MS} ms against a worker's ${stopGraceMs(socketsPerWorker())} ms`,
    );
  });

  it("a client that printed nothing: says so, how it ended, and its output", () => {
    assert.throws(
      () => clientReportFrom("", "SIGKILL", "c512k client: SIGINT, closing sockets"),
      /printed no report \(it ended with SIGKILL; nothing on stdout\):\nc512k client: SIGINT, closing sockets/,
    );
    assert.throws(() => clientReportFrom('{"opened": 3', 0, ""), /its last line is not JSON/);
  });

  it("Ctrl-C on a real client: its report is the last line, read whole", async () => {
    const server = await startServer("node");
    try {
      const client = start([
        ...runCommand("node"),
        CLIENT,
        server.url,
        ...["--connections", "50", "--interval", "1", "--json"],
      ]);
      // /stats runs a second or two behind the workers: wait until it shows them all.
      for (let i = 0; i < 100 && (await (await fetch(`${server.url}/stats`)).json()).connections.open < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const ended = await stopChild(client, "SIGINT", CLIENT_STOP_MS);
      const report = clientReportFrom(client.stdout(), ended, client.output());
      assert.equal(ended, 0, client.output());
      assert.equal(report.opened, 50);
      assert.equal(report.failed + report.mismatched, 0);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
