/** bin/c512k launches each runtime as the one table says (system/runtimes.ts), for every command. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../system/child-process.ts";
import { ROOT, RUNTIME_TABLE, RUNTIMES, serverEntry } from "../system/runtimes.ts";

const dryRun = async (args: string[]) => {
  const { code, stdout, output } = await run(["sh", `${ROOT}bin/c512k`, ...args], { env: { C512K_DRY_RUN: "1" } });
  assert.equal(code, 0, output);
  return stdout.trim().split(" ");
};

describe("bin/c512k", () => {
  for (const runtime of RUNTIMES) {
    it(`runs the server and the client on ${runtime} with the table's arguments`, async () => {
      const { script } = RUNTIME_TABLE[runtime];
      const serve = await dryRun(["serve", "--runtime", runtime, "--port", "0"]);
      assert.match(serve[0], new RegExp(`${runtime}$`));
      assert.deepEqual(serve.slice(1, 1 + script.length), script);
      assert.equal(serve.at(-3), serverEntry(runtime));
      assert.deepEqual(serve.slice(-2), ["--port", "0"]);
      const client = await dryRun(["client", "--runtime", runtime, "http://127.0.0.1:1"]);
      assert.deepEqual(client.slice(1), [...script, `${ROOT}dist/client.js`, "http://127.0.0.1:1"]);
    });
  }
});
