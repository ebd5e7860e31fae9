/** TLS: https:// and wss:// on every server runtime, with a certificate made at test time. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bundleScenario } from "../../server/scenario-bundle.ts";
import type { ClientReport } from "../../client/report.ts";
import { makeCertificate } from "../../system/certificate.ts";
import { run } from "../../system/child-process.ts";
import { CLIENT, runCommand, RUNTIMES } from "../../system/runtimes.ts";
import { startServer, type TestServer } from "../../tools/local-server.ts";

/** 20 sockets × 2 messages, quickly. */
const SMALL_RUN = ["--connections", "20", "--messages", "2", "--interval", "0.1"];

const clientRun = (runtime: (typeof RUNTIMES)[number], url: string, ...args: string[]) =>
  run([...runCommand(runtime), CLIENT, url, "--json", "--workers", "1", ...args], { ms: 60_000 });

describe("TLS", () => {
  let files: { cert: string; key: string };
  before(() => {
    files = makeCertificate();
  });

  for (const runtime of RUNTIMES) {
    describe(`server on ${runtime} with --tls-cert and --tls-key`, () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(runtime, ["--workers", "1", "--tls-cert", files.cert, "--tls-key", files.key]);
      });
      after(async () => {
        await server?.stop("SIGKILL");
      });

      it("says https:// and serves the scenario and the echo over TLS (node client, --insecure)", async () => {
        assert.match(server.url, /^https:\/\//);
        const { code, output, stdout } = await clientRun(
          "node",
          server.url,
          "--insecure",
          ...SMALL_RUN,
        );
        assert.equal(code, 0, output);
        const report = JSON.parse(stdout) as ClientReport;
        assert.deepEqual([report.opened, report.answered, report.mismatched], [20, 40, 0]);
      });

      it("a client without --insecure refuses the self-signed certificate, with the reason", async () => {
        const { code, output } = await clientRun("node", server.url);
        assert.equal(code, 1);
        assert.match(
          output,
          /^c512k client: cannot reach https:\/\/127\.0\.0\.1:\d+\/scenario: .*(SELF_SIGNED|self.signed)/im,
        );
      });
    });
  }

  describe("every client runtime, wss:// to one server", () => {
    let server: TestServer;
    before(async () => {
      server = await startServer("bun", ["--workers", "1", "--tls-cert", files.cert, "--tls-key", files.key]);
    });
    after(async () => {
      await server?.stop("SIGKILL");
    });
    for (const runtime of RUNTIMES) {
      for (const websocket of ["runtime", "lean"]) {
        it(`client on ${runtime} with --insecure, ${websocket} WebSocket`, async () => {
          const wss = server.url.replace("https:", "wss:");
          const { code, output, stdout } = await clientRun(
            runtime,
            wss,
            "--insecure",
            ...["--websocket", websocket],
            ...SMALL_RUN,
          );
          assert.equal(code, 0, output);
          const report = JSON.parse(stdout.trim().split("\n").pop()!) as ClientReport;
          assert.deepEqual([report.opened, report.answered, report.mismatched], [20, 40, 0]);
        });
      }
    }
    for (const runtime of RUNTIMES) {
      it(`the lean WebSocket on ${runtime} checks the certificate: without --insecure every connect fails`, async () => {
        // A local scenario: the scenario's own fetch would refuse the certificate first.
        const file = join(mkdtempSync(join(tmpdir(), "c512k-")), "seed.js");
        writeFileSync(file, (await bundleScenario()).code);
        const { stdout } = await clientRun(
          runtime,
          server.url.replace("https:", "wss:"),
          ...["--websocket", "lean", "--scenario", file],
          ...SMALL_RUN,
        );
        const report = JSON.parse(stdout.trim().split("\n").pop()!) as ClientReport;
        assert.deepEqual([report.opened, report.failed], [0, 20]);
        assert.match(Object.keys(report.failures).join(), /certificate|SELF_SIGNED|self.signed/i);
      });
    }
  });
});
