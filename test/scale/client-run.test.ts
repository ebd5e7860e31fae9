/**
 * A run of several clients, as docs/fleet.md tells it: `client URL --run NAME --hosts N` on each,
 * all start together, the server merges them, the last to finish prints the whole fleet.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunView } from "../../src/runs/run-shapes.ts";
import type { ClientReport } from "../../client/report.ts";
import { run } from "../../system/child-process.ts";
import { CLIENT, runCommand } from "../../system/runtimes.ts";
import { startServer } from "../../tools/local-server.ts";

const client = (url: string, ...args: string[]) => [
  ...runCommand("node"),
  CLIENT,
  url,
  ...["--connections", "100", "--rate", "400", "--interval", "0.5"],
  ...args,
];

describe("client --run", () => {
  it("three clients start together, and GET /runs/NAME adds them up; the last prints the whole fleet", async () => {
    const server = await startServer("node", ["--workers", "2", "--run-token", "t0ken"]);
    try {
      const runs = await Promise.all(
        [0, 1, 2].map((i) =>
          run(client(server.url, "--duration", "3", "--run", "seed", "--hosts", "3", "--client-id", `host-${i}`), {
            env: { C512K_RUN_TOKEN: "t0ken" },
          })
        ),
      );
      for (const r of runs) assert.equal(r.code, 0, r.output);
      const fleet = runs.filter((r) => /run seed: done, 3 of 3 clients/.test(r.stdout));
      assert.ok(fleet.length >= 1, runs.map((r) => r.stdout).join("\n"));
      assert.match(fleet[0].stdout, /│ host-0 .*│ done /);

      const view = await (await fetch(`${server.url}/runs/seed`)).json() as RunView;
      assert.equal(view.state, "done");
      assert.deepEqual(view.clients.map((c) => c.id).sort(), ["host-0", "host-1", "host-2"]);
      assert.equal(view.total.opened, 300);
      const answered = runs.map((r) => Number(r.stdout.match(/(\d+) answers from 100 sockets/)![1]));
      assert.equal(view.total.answered, answered.reduce((a, b) => a + b));
      assert.equal(view.total.mismatched + view.total.unanswered + view.total.failed, 0);
      // Started together: every client saw the same start.
      const starts = new Set(runs.map((r) => r.output.match(/all 3 joined/)?.[0]));
      assert.deepEqual([...starts], ["all 3 joined"]);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("--json keeps the report's shape and adds the run as the server had it", async () => {
    const server = await startServer("node");
    try {
      const r = await run(client(server.url, "--duration", "1", "--run", "solo", "--json"));
      assert.equal(r.code, 0, r.output);
      const report = JSON.parse(r.stdout) as ClientReport & { run: RunView };
      assert.equal(report.opened, 100);
      assert.equal(report.run.state, "done");
      assert.equal(report.run.total.answered, report.answered);
      assert.equal(report.run.clients[0].address, "127.0.0.1");
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("exits 1 with the reason when the others do not come within --join-timeout, or the token is wrong", async () => {
    const server = await startServer("node", ["--run-token", "right"]);
    try {
      const alone = await run(client(server.url, "--run", "pair", "--hosts", "2", "--join-timeout", "2"), {
        env: { C512K_RUN_TOKEN: "right" },
      });
      assert.equal(alone.code, 1);
      assert.match(alone.output, /only 1 of 2 clients joined run pair within 2 s \(--join-timeout\)/);
      const wrong = await run(client(server.url, "--run", "pair", "--run-token", "wrong"));
      assert.equal(wrong.code, 1);
      assert.match(wrong.output, /answered 401: a wrong token/);
      const bad = await run(client(server.url, "--run", "no/slash"));
      assert.equal(bad.code, 2);
      assert.match(bad.output, /--run must be 1–64 characters/);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
