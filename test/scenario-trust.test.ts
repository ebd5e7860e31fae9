/** Trust in the scenario: the client says what it runs, runs only what it was told to, and stops what will not stop. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import { run } from "../system/child-process.ts";
import { CLIENT, ROOT, runCommand } from "../system/runtimes.ts";
import { startServer, type TestServer } from "../tools/local-server.ts";

const client = (url: string, ...args: string[]) =>
  run([...runCommand("node"), CLIENT, url, "--json", "--workers", "1", ...args], { ms: 60_000 });

/** Two sockets, one message each, quickly. */
const QUICK = ["--connections", "2", "--messages", "1", "--interval", "0.1"];

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!) as ClientReport;

describe("scenario trust", () => {
  let server: TestServer;
  let etag: string;
  let code: string;
  before(async () => {
    server = await startServer("node", ["--workers", "1"]);
    const res = await fetch(`${server.url}/scenario`);
    etag = res.headers.get("etag")!.replaceAll('"', "");
    code = await res.text();
  });
  after(async () => {
    await server?.stop("SIGKILL");
  });

  it("says plainly that it runs the server's JavaScript, and how to pin or replace it", async () => {
    const { code: exit, output } = await client(
      server.url,
      ...QUICK,
    );
    assert.equal(exit, 0, output);
    assert.ok(
      output.includes(
        `c512k client: running JavaScript from ${server.url}/scenario (sha256 ${etag}) with this process's permissions; ` +
          "pin it with --scenario-sha256, or run your own with --scenario FILE",
      ),
      output,
    );
  });

  it("--scenario-sha256 runs the pinned scenario, and refuses any other with exit 1", async () => {
    const pinned = await client(
      server.url,
      "--scenario-sha256",
      etag,
      ...QUICK,
    );
    assert.equal(pinned.code, 0, pinned.output);
    assert.match(pinned.output, /\(sha256 [0-9a-f]{64} \(as pinned\)\)/);
    const other = "0".repeat(64);
    const refused = await client(server.url, "--scenario-sha256", other, "--connections", "2");
    assert.equal(refused.code, 1);
    assert.equal(
      refused.output,
      `c512k client: scenario from ${server.url}/scenario has sha256 ${etag}, not ${other} (--scenario-sha256); refusing to run it\n`,
    );
  });

  it("--scenario FILE runs a local scenario and never the server's", async () => {
    // The server serves a scenario that fails every run; the local copy of the seed's does not.
    const wrong = await startServer("node", ["--workers", "1", "--scenario", `${ROOT}test/fixtures/wrong-echo.ts`]);
    try {
      const file = join(mkdtempSync(join(tmpdir(), "c512k-")), "seed.js");
      writeFileSync(file, code);
      const { code: exit, output, stdout } = await client(
        wrong.url,
        "--scenario",
        file,
        "--connections",
        "3",
        "--messages",
        "2",
        "--interval",
        "0.1",
      );
      assert.equal(exit, 0, output);
      assert.match(output, new RegExp(`running scenario ${file} \\(sha256 ${etag}\\)`));
      const report = lastJson(stdout);
      assert.deepEqual([report.scenario.url, report.answered, report.mismatched], [file, 6, 0]);
    } finally {
      await wrong.stop("SIGKILL");
    }
  });

  it("a scenario that throws: a clear message, and the report of what it did", async () => {
    const bad = await startServer("node", ["--workers", "1", "--scenario", `${ROOT}test/fixtures/throws.ts`]);
    try {
      const { code: exit, output, stdout } = await client(bad.url);
      assert.equal(exit, 1);
      assert.match(output, /^c512k client: scenario threw: boom from the scenario$/m);
      const report = lastJson(stdout);
      assert.equal(report.sent, 1);
      assert.deepEqual(report.failures, { "scenario threw: boom from the scenario": 1 });
    } finally {
      await bad.stop("SIGKILL");
    }
  });
});
