/**
 * The conformance suite, written once and run against the real server under each runtime:
 * what docs/server.md promises about /ws, /scenario, /stats, errors and shutdown.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { BINARY_REFUSED, GOING_AWAY, MESSAGE_TOO_BIG, MESSAGE_TOO_BIG_APP } from "../src/close-codes.ts";
import type { ClusterStatsSnapshot, StatsSnapshot } from "../src/stats.ts";
import { family, type RuntimeChoice, type RuntimeName } from "../system/runtimes.ts";
import { startServer, type TestServer } from "../tools/local-server.ts";
import { connect, connectWelcomed } from "./_ws.ts";
import { handshake, rawConnect, receivedWhen } from "./_raw-ws.ts";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const PROMTOOL = "/usr/bin/promtool";

const MAX_PAYLOAD = 4096;

/** Deno has no message-size setting, so the app closes with its own code (docs/server.md, "Message size"). */
const OVERSIZE_CODE: Record<RuntimeName, number> = {
  node: MESSAGE_TOO_BIG,
  bun: MESSAGE_TOO_BIG,
  deno: MESSAGE_TOO_BIG_APP,
};

async function stats(server: TestServer): Promise<StatsSnapshot> {
  const res = await fetch(`${server.url}/stats`);
  assert.equal(res.status, 200);
  return await res.json() as StatsSnapshot;
}

/**
 * Polls /stats until `ready` holds, then returns it (or the last answer, for the assertions to
 * reject): workers report their counts to the supervisor every second, and a close is counted
 * when the runtime reports it.
 */
async function statsUntil(server: TestServer, ready: (s: StatsSnapshot) => boolean): Promise<StatsSnapshot> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await stats(server);
    if (ready(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until two readings 1.2 s apart agree: workers report each second, so nothing is in flight then. */
async function settledStats(server: TestServer): Promise<StatsSnapshot> {
  let previous = await stats(server);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 1_200));
    const next = await stats(server);
    const same =
      JSON.stringify([next.connections, next.messages]) === JSON.stringify([previous.connections, previous.messages]);
    if (same && next.connections.open === 0) return next;
    previous = next;
  }
  return previous;
}

export function conformance(choice: RuntimeChoice): void {
  // The tables and quirks are the family's; the server started is the one asked for.
  const runtime = family(choice);
  describe(`server on ${choice}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(choice, ["--max-payload", String(MAX_PAYLOAD)]);
    });
    after(async () => {
      await server?.stop("SIGKILL");
    });

    it("greets each socket with Welcome!", async () => {
      const s = await connect(server.wsUrl);
      assert.equal(await s.next(), "Welcome!");
      s.ws.close();
    });

    it("answers each text message with the same text upper-cased, non-ASCII included", async () => {
      const s = await connectWelcomed(server.wsUrl);
      for (const text of ["hello world", "straße ǆ ñandú ΣΊΣΥΦΟΣ ﬁ", "emoji 😀 stays, ascii goes UP", ""]) {
        s.ws.send(text);
        assert.equal(await s.next(), text.toUpperCase());
      }
      s.ws.close();
    });

    it(`closes a socket that sends binary with ${BINARY_REFUSED}`, async () => {
      const s = await connectWelcomed(server.wsUrl);
      s.ws.send(new Uint8Array([1, 2, 3]));
      assert.equal(await s.closed, BINARY_REFUSED);
    });

    it(`closes a socket whose message is over --max-payload with ${OVERSIZE_CODE[runtime]}, others keep working`, async () => {
      const bystander = await connectWelcomed(server.wsUrl);
      const big = await connectWelcomed(server.wsUrl);
      big.ws.send("x".repeat(MAX_PAYLOAD + 1));
      assert.equal(await big.closed, OVERSIZE_CODE[runtime]);
      bystander.ws.send("still here");
      assert.equal(await bystander.next(), "STILL HERE");
      // Exactly at the limit is accepted.
      bystander.ws.send("y".repeat(MAX_PAYLOAD));
      assert.equal(await bystander.next(), "Y".repeat(MAX_PAYLOAD));
      bystander.ws.close();
    });

    it("answers GET /ws without an upgrade with 426 and a one-line reason", async () => {
      const res = await fetch(server.wsUrl.replace("ws:", "http:"));
      assert.equal(res.status, 426);
      const body = await res.text();
      assert.match(body, /^426 Upgrade Required: .*WebSocket.*\n$/);
    });

    it("answers unknown routes with 404", async () => {
      const res = await fetch(`${server.url}/nope`);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /^404 Not Found: GET \/nope; routes: /);
    });

    it("serves /scenario as an importable module whose ETag is the sha256 of its body", async () => {
      const res = await fetch(`${server.url}/scenario`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
      const body = await res.text();
      const sha = createHash("sha256").update(body).digest("hex");
      assert.equal(res.headers.get("etag"), `"${sha}"`);
      const mod = await import(`data:text/javascript;base64,${Buffer.from(body).toString("base64")}`);
      assert.equal(typeof mod.default, "function");
      const again = await fetch(`${server.url}/scenario`, { headers: { "If-None-Match": `"${sha}"` } });
      assert.equal(again.status, 304);
    });

    it("counts sockets in /stats up as they open and back down as they close", async () => {
      const before = await settledStats(server);
      assert.equal(before.runtime, runtime);
      // node26 and node24 are the pinned lines, not whatever Node runs the tests.
      const pinned = /^node(\d+)$/.exec(choice)?.[1];
      if (pinned) assert.equal(before.version.split(".")[0], pinned);
      assert.equal(before.connections.open, 0);
      const sockets = await Promise.all(Array.from({ length: 5 }, () => connectWelcomed(server.wsUrl)));
      sockets[0].ws.send("count me");
      await sockets[0].next();
      const during = await statsUntil(
        server,
        (s) => s.connections.open === 5 && s.messages.in === before.messages.in + 1,
      );
      assert.equal(during.connections.open, 5);
      assert.equal(during.connections.accepted, before.connections.accepted + 5);
      assert.ok(during.connections.peak >= 5);
      assert.equal(during.messages.in, before.messages.in + 1);
      assert.equal(during.messages.out, before.messages.out + 5 + 1);
      assert.ok(during.memory.rss > 0 && during.memory.heapUsed > 0);
      for (const s of sockets) s.ws.close();
      await Promise.all(sockets.map((s) => s.closed));
      const afterClose = await statsUntil(server, (s) => s.connections.open === 0);
      assert.equal(afterClose.connections.open, 0);
      assert.equal(afterClose.connections.closed, before.connections.closed + 5);
    });

    it("counts refused handshakes, oversized messages, bytes and closes by code in /stats", async () => {
      const before = await stats(server) as ClusterStatsSnapshot;
      await (await fetch(server.wsUrl.replace("ws:", "http:"))).text(); // 426
      const peer = await rawConnect(Number(new URL(server.url).port));
      peer.socket.write(handshake({ "Sec-WebSocket-Key": undefined })); // 400
      await receivedWhen(peer, (d) => d.includes("\r\n\r\n"));
      peer.socket.destroy();
      const s = await connectWelcomed(server.wsUrl);
      s.ws.send("héllo"); // 6 bytes in UTF-8, and 6 back
      await s.next();
      const big = await connectWelcomed(server.wsUrl);
      big.ws.send("x".repeat(MAX_PAYLOAD + 1));
      await big.closed;
      s.ws.close(1000);
      await s.closed;
      const after = await statsUntil(
        server,
        // Every count this test waits for: a report can carry the closes before the oversized one.
        (x) =>
          x.connections.open === 0 && x.connections.closed - before.connections.closed >= 2 &&
          x.oversized - before.oversized >= (runtime === "bun" ? 0 : 1) &&
          ["426", "400"].every((status) => (x.refused[status] ?? 0) > (before.refused[status] ?? 0)),
      ) as ClusterStatsSnapshot;
      const grew = (a: Record<string, number>, b: Record<string, number>, key: string) => (a[key] ?? 0) - (b[key] ?? 0);
      assert.equal(grew(after.refused, before.refused, "426"), 1);
      assert.equal(grew(after.refused, before.refused, "400"), 1);
      // Bun's runtime closes an over-limit socket itself and reports 1006: not told apart there.
      assert.equal(after.oversized - before.oversized, runtime === "bun" ? 0 : 1);
      // Node's and Bun's runtimes refuse the big one before the app reads it; Deno's hands it over.
      assert.equal(after.bytes.in - before.bytes.in, 6 + (runtime === "deno" ? MAX_PAYLOAD + 1 : 0));
      assert.equal(after.bytes.out - before.bytes.out, 2 * "Welcome!".length + 6);
      assert.equal(grew(after.closes, before.closes, "1000"), 1);
      const closed = Object.values(after.closes).reduce((a, b) => a + b, 0) -
        Object.values(before.closes).reduce((a, b) => a + b, 0);
      assert.equal(closed, after.connections.closed - before.connections.closed);
    });

    it("serves /metrics in Prometheus's text format, agreeing with /stats", async () => {
      const sockets = await Promise.all(Array.from({ length: 3 }, () => connectWelcomed(server.wsUrl)));
      const s = await statsUntil(server, (x) => x.connections.open === 3) as ClusterStatsSnapshot;
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const value = (series: string) =>
        Number(text.match(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m"))?.[1]);
      assert.equal(value("c512k_connections_open"), 3);
      assert.equal(value("c512k_connections_accepted_total"), s.connections.accepted);
      assert.equal(value(`c512k_build_info{runtime="${runtime}",version="${s.version}"}`), 1);
      assert.equal(value('c512k_worker_up{worker="0"}'), 1);
      assert.ok(value('c512k_worker_resident_memory_bytes{worker="0"}') > 0);
      assert.ok(value("process_resident_memory_bytes") > 0, "the supervisor's own process metrics");
      for (const x of sockets) x.ws.close();
      await Promise.all(sockets.map((x) => x.closed));
    });

    it("passes promtool check metrics", {
      skip: existsSync(PROMTOOL) ? false : `no ${PROMTOOL} (apt-get install prometheus)`,
    }, async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.equal(`${check.stdout}${check.stderr}`.trim(), "");
    });

    it("streams dashboard frames to every open stream, and forgets a dropped one at once", async () => {
      const page = await fetch(`${server.url}/dashboard`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script src="\/dashboard\.js" defer>/);
      const script = await fetch(`${server.url}/dashboard.js`);
      assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
      assert.ok((await script.text()).length > 10_000, "uPlot and the page's code, bundled");
      const streams = await Promise.all(Array.from({ length: 5 }, async () => {
        const stop = new AbortController();
        const res = await fetch(`${server.url}/dashboard/events`, { signal: stop.signal });
        assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
        return { stop, reader: res.body!.getReader() };
      }));
      for (const { reader } of streams) {
        let text = "";
        while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
        const frame = JSON.parse(text.match(/^data: (.*)$/m)![1]);
        assert.equal(typeof frame.open, "number");
        assert.ok(frame.workers.length >= 1);
      }
      const open = await statsUntil(server, (x) => (x as ClusterStatsSnapshot).streams === 5) as ClusterStatsSnapshot;
      assert.equal(open.streams, 5);
      for (const { stop } of streams) stop.abort();
      const after = await statsUntil(server, (x) => (x as ClusterStatsSnapshot).streams === 0) as ClusterStatsSnapshot;
      assert.equal(after.streams, 0);
    });

    it("answers the same totals on the supervisor's control port, and says how stale they are", async () => {
      const sockets = await Promise.all(Array.from({ length: 2 }, () => connectWelcomed(server.wsUrl)));
      const open = await statsUntil(server, (s) => s.connections.open === 2) as ClusterStatsSnapshot;
      const res = await fetch(`${server.controlUrl}/stats`);
      assert.equal(res.status, 200);
      const control = await res.json() as ClusterStatsSnapshot;
      assert.equal(control.connections.open, 2);
      assert.equal(control.connections.accepted, open.connections.accepted);
      // Workers report every second: a live one's figures are younger than a few seconds.
      for (const s of [open, control]) {
        assert.ok(s.staleMs >= 0 && s.staleMs < 5_000, `staleMs ${s.staleMs}`);
        assert.ok(s.workers.every((w) => w.ageMs !== null && w.ageMs <= s.staleMs));
      }
      for (const s of sockets) s.ws.close();
      await Promise.all(sockets.map((s) => s.closed));
    });

    it("keeps runs in the supervisor: a join through a worker is seen on every port, with the client's address", async () => {
      const join = (body: unknown) =>
        fetch(`${server.url}/runs/conformance/join`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const joined = await join({ expected: 2, id: "host-0", runtime: "test", websocket: "none", target: 10 });
      assert.equal(joined.status, 200);
      assert.equal((await joined.json()).state, "waiting");
      const views = await Promise.all(
        [server.url, server.controlUrl].map(async (base) => await (await fetch(`${base}/runs/conformance`)).json()),
      );
      for (const view of views) {
        assert.equal(view.joined, 1);
        assert.equal(view.clients[0].address, "127.0.0.1");
      }
      const bad = await join({ expected: "two" });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /expected/);
      const big = await fetch(`${server.url}/runs/conformance/join`, { method: "POST", body: "x".repeat(300_000) });
      assert.equal(big.status, 413);
    });
  });

  describe(`server on ${choice}, shutdown`, () => {
    it("on SIGTERM closes its sockets with 1001 and exits 0", async () => {
      const server = await startServer(choice);
      const sockets = await Promise.all(Array.from({ length: 3 }, () => connectWelcomed(server.wsUrl)));
      const code = await server.stop("SIGTERM");
      assert.deepEqual(await Promise.all(sockets.map((s) => s.closed)), [GOING_AWAY, GOING_AWAY, GOING_AWAY]);
      assert.equal(code, 0, server.child.output());
    });
  });
}
