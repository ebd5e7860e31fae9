/** Node's socket-holding processes start with a small young generation, unless the user sets one. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { withYoungGeneration, YOUNG_GENERATION_FLAG } from "../adapters/_node/young-generation.ts";
import { rawServerCommand } from "../tools/compare/raw-server.ts";
import { startServer, statsUntil } from "../tools/local-server.ts";

/** A process's command line, as the kernel has it. */
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

describe("Node's young generation", () => {
  it("is added to the worker's V8 flags, and a size of the user's wins", () => {
    assert.deepEqual(withYoungGeneration(["--enable-source-maps"]), ["--enable-source-maps", YOUNG_GENERATION_FLAG]);
    assert.deepEqual(withYoungGeneration(["--max-semi-space-size=8"]), ["--max-semi-space-size=8"]);
    assert.deepEqual(withYoungGeneration([], "--max_semi_space_size=4"), []);
    assert.deepEqual(withYoungGeneration([], "--max-old-space-size=4096"), [YOUNG_GENERATION_FLAG]);
  });

  it("the raw baseline starts with the same flag as the Hono server's workers", () => {
    assert.ok(rawServerCommand("node", 8080, 2).includes(YOUNG_GENERATION_FLAG));
  });

  it("`serve --runtime node` starts its workers with it", async () => {
    const server = await startServer("node", ["--workers", "1"]);
    try {
      const { workers } = await statsUntil(server.url, (s) => s.workers.length === 1);
      assert.ok(commandLine(workers[0].pid).includes(YOUNG_GENERATION_FLAG), commandLine(workers[0].pid).join(" "));
      assert.ok(
        !commandLine(server.child.proc.pid!).includes(YOUNG_GENERATION_FLAG),
        "the supervisor holds no sockets",
      );
    } finally {
      await server.stop();
    }
  });

  it("with NODE_OPTIONS=--max-semi-space-size=4 the workers keep the user's size", async () => {
    const server = await startServer("node", ["--workers", "1"], ["env", "NODE_OPTIONS=--max-semi-space-size=4"]);
    try {
      const { workers } = await statsUntil(server.url, (s) => s.workers.length === 1);
      assert.ok(!commandLine(workers[0].pid).includes(YOUNG_GENERATION_FLAG), commandLine(workers[0].pid).join(" "));
      const environ = readFileSync(`/proc/${workers[0].pid}/environ`, "utf8").split("\0");
      assert.ok(environ.includes("NODE_OPTIONS=--max-semi-space-size=4"));
    } finally {
      await server.stop();
    }
  });
});
