/**
 * The bad-input suite, written once and run against the real server under each runtime: every
 * malformed or hostile peer gets an answer, costs the server no memory beyond what it really
 * sent, and leaves the other sockets answered and the counts right.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { MESSAGE_TOO_BIG, MESSAGE_TOO_BIG_APP } from "../src/close-codes.ts";
import { closeCode, frame, handshake, rawConnect, type RawPeer, rawWebSocket, receivedWhen } from "./_raw-ws.ts";
import { family, type RuntimeChoice, type RuntimeName } from "../system/runtimes.ts";
import { startServer, type TestServer } from "../tools/local-server.ts";
import { connectWelcomed, type TestSocket } from "./_ws.ts";

const MAX_PAYLOAD = 65_536;
const MiB = 1024 * 1024;

/**
 * How each runtime ends a socket that breaks the protocol. Deno's WebSocket drops the TCP
 * connection without a close frame (null) and accepts unmasked client frames (docs/server.md, "Bad input").
 */
const PROTOCOL_ERROR: Record<RuntimeName, number | null> = { node: 1002, bun: 1002, deno: null };
const INVALID_UTF8: Record<RuntimeName, number | null> = { node: 1007, bun: 1007, deno: null };
/** Node and Bun refuse a frame from its header; Deno buffers up to 64 MiB, then the app refuses it. */
const ANNOUNCED_HUGE: Record<RuntimeName, number | null> = { node: MESSAGE_TOO_BIG, bun: MESSAGE_TOO_BIG, deno: null };
const SENT_32MIB: Record<RuntimeName, number | null> = {
  node: MESSAGE_TOO_BIG,
  bun: MESSAGE_TOO_BIG,
  deno: MESSAGE_TOO_BIG_APP,
};
/** Who bounds the time to send request headers. */
const HALF_HANDSHAKE_BOUND: Record<RuntimeName, string> = {
  node: "--handshake-timeout 2",
  bun: "uWebSockets' own ~12 s",
  deno: "no bound",
};
const HEADERS_TOO_LARGE: Record<RuntimeName, string> = { node: "431", bun: "431", deno: "400" };

/** The worker's peak resident set (VmHWM), in bytes: it shows growth even if freed at once. */
function peakRss(pid: number): number {
  const kb = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
  return Number(kb![1]) * 1024;
}

async function stats(server: TestServer): Promise<ClusterStatsSnapshot> {
  return await (await fetch(`${server.url}/stats`)).json() as ClusterStatsSnapshot;
}

/** What the server answered to a request, as its status code, e.g. "400". */
async function statusFor(server: TestServer, request: string | Buffer): Promise<string> {
  const peer = await rawConnect(Number(new URL(server.url).port));
  peer.socket.write(request);
  const data = await receivedWhen(peer, (d) => d.includes("\r\n"));
  peer.socket.destroy();
  return data.toString("latin1").match(/^HTTP\/1\.1 (\d{3})/)?.[1] ??
    `no status: ${JSON.stringify(data.toString("latin1"))}`;
}

/**
 * Sends `bytes` on an open socket; resolves with the server's close code once it sends a close
 * frame (answered with one, as a client should) or ends the connection (null: no close frame).
 */
async function closedBy(peer: RawPeer & { offset: number }, ...bytes: Buffer[]): Promise<number | null> {
  for (const b of bytes) peer.socket.write(b);
  await receivedWhen(peer, (d) => closeCode(d, peer.offset) !== null, 30_000);
  const code = closeCode(peer.received(), peer.offset);
  if (code !== null) {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    peer.socket.end(frame({ opcode: 0x8, payload }));
  }
  return code;
}

export function badInput(choice: RuntimeChoice): void {
  // The tables and quirks are the family's; the server started is the one asked for.
  const runtime = family(choice);
  describe(`bad input, server on ${choice}`, () => {
    let server: TestServer;
    let port: number;
    let workerPid: number;
    let bystander: TestSocket;
    let baseline: ClusterStatsSnapshot;
    before(async () => {
      server = await startServer(choice, [
        "--workers",
        "1",
        "--max-payload",
        String(MAX_PAYLOAD),
        "--handshake-timeout",
        "2",
      ]);
      port = Number(new URL(server.url).port);
      bystander = await connectWelcomed(server.wsUrl);
      baseline = await stats(server);
      workerPid = baseline.workers[0].pid;
    });
    // After every case: the server is up, and a socket opened before it still gets its answers.
    afterEach(async () => {
      bystander.ws.send("still here");
      assert.equal(await bystander.next(), "STILL HERE");
    });
    after(async () => {
      bystander?.ws.close();
      await server?.stop("SIGKILL");
    });

    it("answers random bytes instead of HTTP with 400", async () => {
      assert.equal(await statusFor(server, Buffer.from("\x16\x03\x01\xff\xfe garbage\r\n\r\n", "latin1")), "400");
    });

    it("answers a handshake with a wrong version with 426 and the version it speaks", async () => {
      const peer = await rawConnect(port);
      peer.socket.write(handshake({ "Sec-WebSocket-Version": "7" }));
      const answer = (await receivedWhen(peer, (d) => d.includes("\r\n\r\n"))).toString("latin1");
      peer.socket.destroy();
      assert.match(answer, /^HTTP\/1\.1 426 /);
      assert.match(answer, /\r\nsec-websocket-version: 13\r\n/i);
    });

    it("answers a handshake with no key, or a bad one, with 400", async () => {
      assert.equal(await statusFor(server, handshake({ "Sec-WebSocket-Key": undefined })), "400");
      assert.equal(await statusFor(server, handshake({ "Sec-WebSocket-Key": "not-a-key" })), "400");
    });

    it(`answers 200 KB of headers with ${HEADERS_TOO_LARGE[runtime]}`, async () => {
      assert.equal(await statusFor(server, handshake({ "X-Big": "a".repeat(200_000) })), HEADERS_TOO_LARGE[runtime]);
    });

    it(`closes a connection that sends half a handshake and then nothing (${HALF_HANDSHAKE_BOUND[runtime]})`, {
      skip: runtime === "deno" ? "Deno.serve has no bound on the time to send headers (denoland/deno#3515)" : false,
    }, async () => {
      const peer = await rawConnect(port);
      peer.socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const ended = await Promise.race([
        peer.ended.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 20_000)),
      ]);
      peer.socket.destroy();
      assert.equal(ended, true, "the server still holds the half handshake after 20 s");
    });

    it(`answers an unmasked client frame ${PROTOCOL_ERROR[runtime] ?? "(Deno: accepts it)"}`, async () => {
      const peer = await rawWebSocket(port);
      if (runtime === "deno") {
        // RFC 6455 §5.1 says close; Deno's WebSocket echoes it. Documented, not hidden.
        peer.socket.write(frame({ opcode: 1, payload: Buffer.from("hi"), mask: false }));
        await receivedWhen(peer, (d) => d.subarray(peer.offset).includes("HI"));
        assert.ok(peer.received().subarray(peer.offset).includes("HI"));
        peer.socket.destroy();
        return;
      }
      assert.equal(await closedBy(peer, frame({ opcode: 1, payload: Buffer.from("hi"), mask: false })), 1002);
    });

    it(`ends a text frame of invalid UTF-8 with ${INVALID_UTF8[runtime] ?? "no close frame"}`, async () => {
      const peer = await rawWebSocket(port);
      assert.equal(
        await closedBy(peer, frame({ opcode: 1, payload: Buffer.from([0xc3, 0x28, 0xff]) })),
        INVALID_UTF8[runtime],
      );
    });

    for (
      const [what, bytes] of [
        ["a reserved opcode (0x3)", () => frame({ opcode: 0x3, payload: Buffer.from("x") })],
        ["a reserved control opcode (0xB)", () => frame({ opcode: 0xb, payload: Buffer.from("x") })],
        ["a fragmented ping", () => frame({ opcode: 0x9, payload: Buffer.from("x"), fin: false })],
        ["a ping over 125 bytes", () => frame({ opcode: 0x9, payload: Buffer.alloc(200) })],
        ["a reserved bit set", () => frame({ opcode: 0x1, payload: Buffer.from("x"), rsv: 4 })],
        ["a continuation with nothing to continue", () => frame({ opcode: 0x0, payload: Buffer.from("x") })],
      ] as const
    ) {
      it(`ends ${what} with ${PROTOCOL_ERROR[runtime] ?? "no close frame"}`, async () => {
        const peer = await rawWebSocket(port);
        assert.equal(await closedBy(peer, bytes()), PROTOCOL_ERROR[runtime]);
      });
    }

    it(`ends a frame announcing 2^62 bytes with ${ANNOUNCED_HUGE[runtime] ?? "no close frame"}, allocating nothing for it`, async () => {
      const before = peakRss(workerPid);
      const peer = await rawWebSocket(port);
      assert.equal(await closedBy(peer, frame({ opcode: 1, announce: 2n ** 62n })), ANNOUNCED_HUGE[runtime]);
      assert.ok(peakRss(workerPid) - before < 16 * MiB, `peak RSS grew ${(peakRss(workerPid) - before) / MiB} MiB`);
    });

    it(`ends a 32 MiB frame with ${SENT_32MIB[runtime]}${runtime === "deno" ? " (Deno buffers it first)" : ", buffering none of it"}`, async () => {
      const before = peakRss(workerPid);
      const peer = await rawWebSocket(port);
      const payload = Buffer.alloc(32 * MiB, "a");
      const code = await closedBy(peer, frame({ opcode: 1, payload }));
      assert.equal(code, SENT_32MIB[runtime]);
      const grew = peakRss(workerPid) - before;
      if (runtime !== "deno") assert.ok(grew < 16 * MiB, `peak RSS grew ${grew / MiB} MiB for a refused 32 MiB frame`);
    });

    it("answers many peers sending near-limit frames at once, with bounded memory", async () => {
      const PEERS = 100;
      const before = peakRss(workerPid);
      const peers = await Promise.all(Array.from({ length: PEERS }, () => connectWelcomed(server.wsUrl)));
      const texts = peers.map((_, i) => `${i}`.padEnd(MAX_PAYLOAD - 1, "z"));
      peers.forEach((p, i) => p.ws.send(texts[i]));
      const answers = await Promise.all(peers.map((p) => p.next()));
      answers.forEach((a, i) => assert.equal(a, texts[i].toUpperCase()));
      // Each message is held about three times at most (frame, string, upper-cased copy).
      const bound = PEERS * MAX_PAYLOAD * 8;
      const grew = peakRss(workerPid) - before;
      assert.ok(grew < bound, `peak RSS grew ${grew / MiB} MiB, over ${bound / MiB} MiB`);
      for (const p of peers) p.ws.close();
      await Promise.all(peers.map((p) => p.closed));
    });

    it("counts come back right: only the bystander is open, every other socket counted closed", async () => {
      let s: ClusterStatsSnapshot;
      const deadline = Date.now() + 10_000;
      do {
        await new Promise((r) => setTimeout(r, 200));
        s = await stats(server);
        // Workers report once a second: wait for the report that has the peers above in it.
      } while (
        !(s.connections.open === 1 && s.connections.accepted > baseline.connections.accepted + 100) &&
        Date.now() < deadline
      );
      assert.equal(s.connections.open, 1);
      assert.equal(s.connections.accepted - s.connections.closed, 1);
      assert.ok(s.connections.accepted > baseline.connections.accepted + 100, JSON.stringify([baseline, s]));
      assert.equal(s.workers[0].restarts, 0, "the worker never died");
    });
  });
}
