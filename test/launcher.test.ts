/** bin/c512k launches each runtime as the one table says (system/runtimes.ts), for every command. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { run } from "../system/child-process.ts";
import { ROOT, RUNTIME_CHOICES, RUNTIME_TABLE, runtimeBinary, serverEntry } from "../system/runtimes.ts";

const dryRun = async (args: string[]) => {
  const { code, stdout, output } = await run(["sh", `${ROOT}bin/c512k`, ...args], { env: { C512K_DRY_RUN: "1" } });
  assert.equal(code, 0, output);
  return stdout.trim().split(" ");
};

describe("bin/c512k", () => {
  for (const runtime of RUNTIME_CHOICES) {
    it(`runs the server and the client on ${runtime} with the table's arguments`, async () => {
      const { script, installed } = RUNTIME_TABLE[runtime];
      const serve = await dryRun(["serve", "--runtime", runtime, "--port", "0"]);
      // A pinned line is the binary npm ci put in runtimes/, never one on PATH.
      if (installed?.startsWith("runtimes/")) assert.equal(serve[0], runtimeBinary(runtime));
      else assert.match(serve[0], new RegExp(`/${runtime}$`));
      assert.deepEqual(serve.slice(1, 1 + script.length), script);
      assert.equal(serve.at(-3), serverEntry(runtime));
      assert.deepEqual(serve.slice(-2), ["--port", "0"]);
      const client = await dryRun(["client", "--runtime", runtime, "http://127.0.0.1:1"]);
      assert.equal(client[0], serve[0]);
      assert.deepEqual(client.slice(1), [...script, `${ROOT}dist/client.js`, "http://127.0.0.1:1"]);
    });
  }

  it("refuses a runtime it does not know, naming the ones it does", async () => {
    const { code, output } = await run(["sh", `${ROOT}bin/c512k`, "serve", "--runtime", "node18"]);
    assert.equal(code, 2);
    assert.match(output, /--runtime must be auto, node, node26, node24, deno or bun, got "node18"/);
  });
});

describe("npm ci", () => {
  for (const runtime of ["node26", "node24"] as const) {
    it(`brings ${runtime} at the version its name pins`, async () => {
      const { code, stdout } = await run([runtimeBinary(runtime), "--version"]);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^v${runtime.slice(4)}\\.`));
    });
  }

  it("leaves no node in node_modules/.bin, where npm scripts would take it for the machine's", () => {
    assert.equal(existsSync(`${ROOT}node_modules/.bin/node`), false);
  });
});
