/** The README's commands, run as written: each start command serves, the launcher picks, the client travels alone. */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import { type Child, run, start, waitFor } from "../system/child-process.ts";
import { CLIENT, ROOT, runCommand, type RuntimeName, RUNTIMES } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";

/** Starts a command in its own process group (npm and deno task spawn children) on a free port. */
async function serveWith(command: string[], env: Record<string, string> = {}) {
  const child = start(command, { env: { PORT: "0", HOST: "127.0.0.1", ...env }, detached: true });
  const [, port, runtime] = await waitFor(child, /listening on http:\/\/127\.0\.0\.1:(\d+) \((\w+) /, 60_000);
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
  return { child, runtime, stats };
}

/**
 * SIGTERM to the whole group we started (npm, deno task and bun run each wrap the server),
 * then waits for the server's own clean-exit line: the wrapper's exit code is not the server's.
 */
async function stopGroup(child: Child): Promise<void> {
  process.kill(-child.proc.pid!, "SIGTERM");
  await waitFor(child, /^stopped in [\d.]+ s: \d+ accepted, 0 still open$/m, 30_000, true);
  await child.exited;
}

const startCommands: Record<RuntimeName, string[]> = {
  node: ["npm", "start"],
  deno: [`${ROOT}node_modules/.bin/deno`, "task", "start"],
  bun: [`${ROOT}node_modules/.bin/bun`, "run", "start"],
};

describe("README commands", () => {
  for (const runtime of RUNTIMES) {
    it(`\`${startCommands[runtime].map((a) => a.replace(/.*\//, "")).join(" ")}\` serves the app on ${runtime}, honouring PORT and HOST`, async () => {
      const { child, runtime: seen, stats } = await serveWith(startCommands[runtime]);
      try {
        assert.equal(seen, runtime);
        assert.equal(stats.runtime, runtime);
        assert.equal(stats.connections.open, 0);
      } finally {
        await stopGroup(child);
      }
    });
  }

  it("`c512k serve --runtime auto` picks the installed runtime and says which", async () => {
    // A PATH with no node on it: auto must fall through to node_modules/.bin, where bun comes first.
    const dir = mkdtempSync(join(tmpdir(), "c512k-path-"));
    for (const tool of ["sh", "dirname"]) symlinkSync(`/usr/bin/${tool}`, join(dir, tool));
    try {
      const { child, runtime } = await serveWith(["/usr/bin/sh", `${ROOT}bin/c512k`, "serve", "--runtime", "auto"], {
        PATH: dir,
      });
      try {
        assert.equal(runtime, "bun");
        assert.match(
          child.output(),
          /c512k: serve on bun \(.*node_modules\/\.bin\/bun, auto: first of node, bun, deno found\)/,
        );
      } finally {
        await stopGroup(child);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("`c512k serve --runtime deno` runs the server on Deno; a bad --runtime is refused", async () => {
    const { child, runtime } = await serveWith(["sh", `${ROOT}bin/c512k`, "serve", "--runtime", "deno"]);
    assert.equal(runtime, "deno");
    await stopGroup(child);
    const bad = await run(["sh", `${ROOT}bin/c512k`, "serve", "--runtime", "lua"]);
    assert.equal(bad.code, 2);
    assert.match(bad.output, /--runtime must be auto, node, node26, node24, deno or bun, got "lua"/);
  });

  it("dist/client.js copied alone to an empty folder runs on node, deno and bun", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c512k-client-"));
    mkdirSync(join(dir, "load"));
    const copy = join(dir, "load", "client.js");
    copyFileSync(CLIENT, copy);
    const server = await startServer("node");
    try {
      for (const runtime of RUNTIMES) {
        const { code, stdout, output } = await run(
          [
            ...runCommand(runtime),
            copy,
            server.url,
            "--connections",
            "20",
            "--messages",
            "2",
            "--interval",
            "0.1",
            "--json",
          ],
          { cwd: join(dir, "load") },
        );
        assert.equal(code, 0, output);
        const report = JSON.parse(stdout) as ClientReport;
        assert.equal(report.runtime.name, runtime);
        assert.equal(report.answered, 40);
      }
    } finally {
      await server.stop("SIGKILL");
      rmSync(dir, { recursive: true });
    }
  });
});
