/**
 * Ending a client's ramp from outside (docs/client.md, "Holding the ramp"): SIGUSR2, as the
 * experiment sends it, and a run's hold at the server, as the fleet posts it. The client opens no
 * more sockets, keeps those it has and their traffic, and its report says the ramp held, and why.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import type { RunView } from "../src/runs/run-shapes.ts";
import { type Child, start, waitFor } from "../system/child-process.ts";
import { CLIENT, runCommand } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";

/** 2,000 sockets at 200 a second: 10 s of ramp, stopped long before it completes. */
const slowRamp = (url: string, ...args: string[]) => [
  ...runCommand("bun"),
  CLIENT,
  url,
  ...["--connections", "2000", "--rate", "200", "--interval", "1", "--json"],
  ...args,
];

const openAt = async (url: string) => (await (await fetch(`${url}/stats`)).json()).connections.open as number;
/** /stats runs up to ~2 s behind the workers (their reports each second, the supervisor's fetch). */
const STATS_SETTLE_MS = 2_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the server holds at least `n` sockets. */
async function untilOpen(url: string, n: number): Promise<void> {
  for (let i = 0; i < 100 && await openAt(url) < n; i++) await sleep(100);
}

/**
 * Once /stats has caught up, no socket opens for a second (the ramp adds 200 a second); then
 * Ctrl-C, and the client exits clean. Returns the count it held.
 */
async function heldThenStopped(url: string, client: Child): Promise<number> {
  await sleep(STATS_SETTLE_MS);
  const held = await openAt(url);
  await sleep(1_000);
  assert.equal(await openAt(url), held, "no socket opened after the hold (the ramp adds 200 a second)");
  client.proc.kill("SIGINT");
  assert.equal(await client.exited, 0, client.output());
  return held;
}

// Side by side: each case mostly waits.
describe("holding a client's ramp from outside", { concurrency: true }, () => {
  it("SIGUSR2: every worker stops opening, the sockets keep their traffic, the report says held and why", async () => {
    const server = await startServer("node");
    try {
      const client = start(slowRamp(server.url, "--workers", "2"));
      await untilOpen(server.url, 100);
      client.proc.kill("SIGUSR2");
      await waitFor(client, /told to hold the ramp: told to hold \(SIGUSR2\)/);
      const held = await heldThenStopped(server.url, client);
      const report = JSON.parse(client.stdout()) as ClientReport;
      assert.equal(report.ramp.state, "held");
      assert.equal(report.ramp.why, "told to hold (SIGUSR2)");
      assert.equal(report.opened, held);
      assert.ok(report.opened < 2000, `${report.opened} opened`);
      assert.equal(report.failed + report.mismatched + report.unanswered, 0);
      assert.ok(report.answered >= held, `${report.answered} answers from ${held} sockets over ~4 s`);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("POST /runs/NAME/hold: the run's client hears it in its next progress answer and holds", async () => {
    const server = await startServer("node");
    try {
      const client = start(slowRamp(server.url, "--run", "hold-me"));
      await untilOpen(server.url, 100);
      const res = await fetch(`${server.url}/runs/hold-me/hold`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ why: "the fleet's ramp is over" }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await res.json() as RunView).hold, "the fleet's ramp is over");
      await waitFor(client, /told to hold the ramp: the fleet's ramp is over/);
      await heldThenStopped(server.url, client);
      const report = JSON.parse(client.stdout()) as ClientReport & { run: RunView };
      assert.deepEqual(report.ramp.state, "held");
      assert.equal(report.ramp.why, "the fleet's ramp is over");
      assert.equal(report.run.hold, "the fleet's ramp is over");
      assert.equal(report.run.total.opened, report.opened);
      assert.ok(report.opened < 2000, `${report.opened} opened`);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("SIGUSR2 before the ramp: the client lives, and its ramp starts held", async () => {
    const server = await startServer("node");
    const early = start(slowRamp(server.url, "--run", "early", "--hosts", "2"));
    let other: Child | undefined;
    try {
      // Waiting for the run's second client: no scenario has started yet.
      await waitFor(early, /joined run early as .*: 1 of 2 clients/);
      early.proc.kill("SIGUSR2");
      other = start(slowRamp(server.url, "--run", "early", "--hosts", "2"));
      await waitFor(early, /told to hold the ramp: told to hold \(SIGUSR2\)/);
      await untilOpen(server.url, 100);
      other.proc.kill("SIGINT");
      assert.equal(await other.exited, 0, other.output());
      early.proc.kill("SIGINT");
      assert.equal(await early.exited, 0, early.output());
      const report = JSON.parse(early.stdout()) as ClientReport;
      assert.equal(report.ramp.state, "held");
      assert.equal(report.ramp.why, "told to hold (SIGUSR2)");
      assert.equal(report.opened, 0);
    } finally {
      early.proc.kill("SIGKILL");
      other?.proc.kill("SIGKILL");
      await server.stop("SIGKILL");
    }
  });
});
