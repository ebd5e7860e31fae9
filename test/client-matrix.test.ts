/** dist/client.js under each runtime against the server under each runtime: every answer right. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import { run } from "../system/child-process.ts";
import { CLIENT, family, runCommand, TESTED_RUNTIMES } from "../system/runtimes.ts";
import { startServer, type TestServer } from "../tools/local-server.ts";

const SOCKETS = 200;
const MESSAGES = 3;
/** The runtime's own client, and ours (client/lean-websocket.ts). */
const WEBSOCKETS = ["runtime", "lean"];

for (const serverRuntime of TESTED_RUNTIMES) {
  describe(`client against the server on ${serverRuntime}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(serverRuntime);
    });
    after(async () => {
      await server?.stop("SIGKILL");
    });

    for (const clientRuntime of TESTED_RUNTIMES) {
      for (const websocket of WEBSOCKETS) {
        it(`on ${clientRuntime}, ${websocket} WebSocket: ${SOCKETS} sockets × ${MESSAGES} messages, all answered, none wrong`, async () => {
          const { code, stdout, output } = await run([
            ...runCommand(clientRuntime),
            CLIENT,
            server.url,
            ...["--connections", String(SOCKETS), "--messages", String(MESSAGES)],
            ...["--interval", "0.2", "--rate", "2000", "--websocket", websocket, "--json"],
          ]);
          assert.equal(code, 0, output);
          const report = JSON.parse(stdout) as ClientReport;
          assert.equal(report.runtime.name, family(clientRuntime));
          // The lean client runs on Bun's own sockets on Bun, on node:net elsewhere.
          const lean = clientRuntime === "bun" ? "lean (Bun.connect)" : "lean (node:net)";
          assert.equal(report.websocket === lean, websocket === "lean", report.websocket);
          assert.deepEqual(
            [
              report.opened,
              report.peakOpen,
              report.failed,
              report.sent,
              report.answered,
              report.mismatched,
              report.unanswered,
            ],
            [SOCKETS, SOCKETS, 0, SOCKETS * MESSAGES, SOCKETS * MESSAGES, 0, 0],
          );
          assert.ok(report.rtt.p50 > 0 && report.rtt.p99 >= report.rtt.p50 && report.rtt.max >= report.rtt.p99);
          assert.ok(report.connect.p50 > 0);
        });
      }
    }
  });
}
