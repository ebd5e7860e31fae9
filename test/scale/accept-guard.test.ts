/**
 * A worker near its open-file limit stops accepting and the others take the connections, so no
 * worker reaches EMFILE: there Node's libuv accepts and drops, and Bun leaves the connections in
 * its own socket's queue until their clients give up. Node's workers share one listening socket;
 * Bun's have one each (reusePort). Deno's accept loop ends at EMFILE and starts again
 * (open-file-wall.test.ts).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { acceptBounds } from "../../server/accept-bounds.ts";
import { sharedBacklog } from "../../adapters/_node/accept-guard.ts";
import { rawServerCommand } from "../../tools/compare/raw-server.ts";
import { freePort, start, waitFor } from "../../system/child-process.ts";
import { runCommand, type RuntimeName, serverEntry } from "../../system/runtimes.ts";
import { startServer, statsUntil } from "../../tools/local-server.ts";
import { connectWelcomed, type TestSocket } from "../_ws.ts";

/** Open files per process for this test: small, so that a few hundred sockets fill a worker. */
const FILES = 300;
const { high, low } = acceptBounds(FILES);

/**
 * Node checks each connection as libuv accepts it, so a worker stops at its high mark exactly;
 * Bun checks each socket as it opens, after uWebSockets has accepted a burst (50 here).
 */
const PEAK_AT_MOST: Record<string, number> = { node: high, bun: high + 50 };

for (const runtime of ["node", "bun"] as RuntimeName[]) {
  describe(`${runtime} workers near their open-file limit`, () => guardTests(runtime));
}

function guardTests(runtime: RuntimeName): void {
  it("a full worker stops accepting, the other takes the sockets, and beyond both a connect fails cleanly", async () => {
    const server = await startServer(runtime, ["--workers", "2"], ["prlimit", `--nofile=${FILES}`]);
    const sockets: TestSocket[] = [];
    try {
      // More than both workers may hold, in bursts that arrive faster than a worker checks.
      const offered = 2 * high + 60;
      const { opened, failed } = await offerInBursts(offered, () => server.wsUrl);
      sockets.push(...opened);
      assert.ok(sockets.length <= 2 * high, `${sockets.length} sockets open, more than 2 × ${high}`);
      // Both filled past the point where a worker accepts again: the second took what the first left.
      assert.ok(sockets.length > 2 * low, `only ${sockets.length} sockets open`);
      assert.equal(sockets.length + failed.length, offered);
      for (const reason of failed) assert.match(String(reason), /ECONNRESET|ECONNREFUSED|socket hang up/);
      assert.ok(failed.length > 0, "no connect failed: both workers should have been full");

      // Free enough that both workers accept again, then read every worker's own peak.
      const freed = sockets.splice(0, sockets.length - 2 * low + 80);
      for (const s of freed) s.ws.close();
      await Promise.all(freed.map((s) => s.closed));
      let s = await statsUntil(server.url, (s) => s.connections.open === sockets.length);
      assert.equal(s.connections.open, sockets.length);
      assert.deepEqual(s.workers.map((w) => [w.alive, w.restarts]), [[true, 0], [true, 0]]);
      for (const w of s.workers) {
        assert.ok(w.connections.peak <= PEAK_AT_MOST[runtime], `worker ${w.id} peaked at ${w.connections.peak}`);
      }
      assert.doesNotMatch(server.child.output(), /EMFILE|too many open files/i);

      // The sockets held all along still answer, and new ones are accepted again.
      for (const [i, t] of sockets.slice(0, 20).entries()) {
        t.ws.send(`held ${i}`);
        assert.equal(await t.next(), `HELD ${i}`);
      }
      sockets.push(...await Promise.all(Array.from({ length: 40 }, () => connectWelcomed(server.wsUrl))));
      s = await statsUntil(server.url, (s) => s.connections.open === sockets.length);
      assert.equal(s.connections.open, sockets.length);
      // Node, listening again after a pause, keeps the shared accept queue's length.
      if (runtime === "node") assert.deepEqual(acceptQueues(new URL(server.url).port), [sharedBacklog(2)]);
    } finally {
      for (const t of sockets) t.ws.terminate();
      await server.stop("SIGKILL");
    }
  });

  it("counts the sockets of every port of a worker together: the open-file limit is the process's", async () => {
    const from = await freePortPair();
    const child = start([
      ...["prlimit", `--nofile=${FILES}`, ...runCommand(runtime), serverEntry(runtime)],
      ...["--host", "127.0.0.1", "--ports", `${from}-${from + 1}`, "--workers", "1"],
    ]);
    const sockets: TestSocket[] = [];
    try {
      await waitFor(child, /listening on http:\/\/[\d.]+:\d+-\d+ \(/);
      // Half to each port: with a count per port, each would stop only at `high` (2 × high in all).
      const offered = high + 60;
      sockets.push(...(await offerInBursts(offered, (i) => `ws://127.0.0.1:${from + (i % 2)}/ws`)).opened);
      assert.ok(
        sockets.length <= PEAK_AT_MOST[runtime],
        `${sockets.length} sockets open in one worker, more than ${PEAK_AT_MOST[runtime]}`,
      );
      assert.ok(sockets.length > low, `only ${sockets.length} sockets open`);
      assert.doesNotMatch(child.output(), /EMFILE|too many open files/i);
      for (const s of sockets.splice(0, sockets.length - low + 40)) s.ws.close();
      const s = await statsUntil(`http://127.0.0.1:${from + 1}`, (s) => s.connections.open === sockets.length);
      assert.equal(s.connections.open, sockets.length);
      assert.ok(s.workers[0].connections.peak <= PEAK_AT_MOST[runtime], `peaked at ${s.workers[0].connections.peak}`);
      assert.deepEqual(s.workers.map((w) => [w.alive, w.restarts]), [[true, 0]]);
    } finally {
      for (const t of sockets) t.ws.terminate();
      child.proc.kill("SIGKILL");
      await child.exited;
    }
  });
}

describe("the raw Node baseline (bench/raw/node.ts)", () => {
  it('has the same guard: its workers stop at the same bound, so "vs raw" is no cost of the guard\'s', async () => {
    const port = await freePort();
    const child = start(["prlimit", `--nofile=${FILES}`, ...rawServerCommand("node", port, 2)]);
    const sockets: TestSocket[] = [];
    try {
      await waitFor(child, /listening on[\s\S]*listening on/);
      const offered = 2 * high + 60;
      sockets.push(...(await offerInBursts(offered, () => `ws://127.0.0.1:${port}/ws`)).opened);
      // Unguarded, each worker filled to its wall (~2 × 280 here), then dropped what it accepted.
      assert.ok(sockets.length <= 2 * high, `${sockets.length} sockets open, more than 2 × ${high}`);
      assert.ok(sockets.length > 2 * low, `only ${sockets.length} sockets open`);
      for (const [i, t] of sockets.slice(0, 10).entries()) {
        t.ws.send(`held ${i}`);
        assert.equal(await t.next(), `HELD ${i}`);
      }
    } finally {
      for (const t of sockets) t.ws.terminate();
      child.proc.kill("SIGKILL");
      await child.exited;
    }
  });
});

describe("node workers' shared listening socket", () => {
  it("queues for accept what one socket per worker would", async () => {
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    const server = await startServer("node", ["--workers", "3"]);
    try {
      // 511 is Node's default for one socket, and what each Bun or Deno worker gets on its own.
      assert.equal(sharedBacklog(3), 3 * 511);
      assert.deepEqual(acceptQueues(new URL(server.url).port), [Math.min(3 * 511, somaxconn)]);
    } finally {
      await server.stop();
    }
  });
});

/**
 * `offered` connects, 50 at a time (faster than a worker checks), the i-th to `url(i)`. A connect
 * left waiting in a full worker's queue fails at the 5 s handshake timeout, not at once.
 */
async function offerInBursts(
  offered: number,
  url: (i: number) => string,
): Promise<{ opened: TestSocket[]; failed: unknown[] }> {
  const opened: TestSocket[] = [];
  const failed: unknown[] = [];
  for (let i = 0; i < offered; i += 50) {
    const burst = Array.from({ length: Math.min(50, offered - i) }, (_, k) => i + k);
    const results = await Promise.allSettled(burst.map((j) => connectWelcomed(url(j), { handshakeTimeout: 5_000 })));
    for (const r of results) {
      if (r.status === "fulfilled") opened.push(r.value);
      else failed.push(r.reason);
    }
  }
  return { opened, failed };
}

/**
 * The accept queue's length of every listening socket on `port`, as `ss` reads it from the
 * kernel (Send-Q, for a listening socket: the backlog it was given, after somaxconn).
 * /proc/net/tcp shows only how many wait now.
 */
function acceptQueues(port: string): number[] {
  const out = execFileSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" });
  return out.trim().split("\n").filter(Boolean).map((line) => Number(line.trim().split(/\s+/)[2]));
}

/** Two free ports in a row, for --ports A-B. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = createServer();
    const ok = await new Promise<boolean>((resolve) =>
      next.once("error", () => resolve(false)).listen(port + 1, "127.0.0.1", () => resolve(true))
    );
    if (ok) {
      await new Promise((r) => next.close(r));
      return port;
    }
  }
}
