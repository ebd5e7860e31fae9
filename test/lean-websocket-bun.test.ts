/**
 * The lean client's suite (test/lean-websocket.test.ts) once more under Bun, where the client
 * runs on Bun's own sockets (client/transport-bun.ts) instead of `node:net`: every RFC 6455 duty
 * checked again on that byte stream. `bun test` runs node:test suites as they are.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { run } from "../system/child-process.ts";
import { ROOT, runCommand } from "../system/runtimes.ts";

const SUITE = "test/lean-websocket.test.ts";

it("passes every test of the lean client's suite under Bun, on Bun.connect", async () => {
  const result = await run([...runCommand("bun"), "test", `./${SUITE}`], { cwd: ROOT, ms: 120_000 });
  assert.equal(result.code, 0, result.output);
  const tests = [...readFileSync(`${ROOT}${SUITE}`, "utf8").matchAll(/^\s*it\("/gm)].length;
  assert.match(result.output, new RegExp(`\\b${tests} pass\\b`), result.output);
  assert.match(result.output, /\b0 fail\b/);
  assert.match(result.output, /runs on this runtime's leanest byte stream/);
});
