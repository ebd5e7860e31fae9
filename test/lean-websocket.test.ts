/**
 * The lean client (`--websocket lean`) against an outside server, `ws`'s WebSocketServer, and
 * against a raw TCP server for what no WebSocket server sends on purpose: every RFC 6455 duty the
 * client takes on instead of the runtime's WebSocket.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { type WebSocket as ServerSocket, WebSocketServer } from "ws";
import { failureReason } from "../client/failure-reason.ts";
import type { LeanWebSocket } from "../client/lean-websocket.ts";
import { leanWebSocket } from "../client/socket.ts";
import { frame, parseFrames } from "./_raw-ws.ts";

// This runtime's pick: run under `bun test` too (test/lean-websocket-bun.test.ts), it checks Bun's.
const { WebSocket: Lean, label } = leanWebSocket();

interface Seen {
  ws: LeanWebSocket;
  messages: unknown[];
  errors: string[];
  /** The close event, once it came. */
  closed: Promise<{ code: number; reason: string; wasClean?: boolean }>;
  next(): Promise<unknown>;
}

/** Opens a lean socket and records everything it reports. */
function watch(url: string): Seen {
  const ws = new Lean(url);
  const messages: unknown[] = [];
  const errors: string[] = [];
  let waiter: ((m: unknown) => void) | null = null;
  let read = 0;
  ws.onmessage = ({ data }) => {
    messages.push(data);
    if (waiter) {
      const w = waiter;
      waiter = null;
      w(messages[read++]);
    }
  };
  ws.onerror = (e) => errors.push((e as { message: string }).message);
  const closed = new Promise<{ code: number; reason: string; wasClean?: boolean }>((resolve) => (ws.onclose = resolve));
  return {
    ws,
    messages,
    errors,
    closed,
    next: () => read < messages.length ? Promise.resolve(messages[read++]) : new Promise((r) => (waiter = r)),
  };
}

const opened = (ws: LeanWebSocket) => new Promise((resolve) => (ws.onopen = resolve));

describe("lean client against ws's server", () => {
  let wss: WebSocketServer;
  let url: string;
  /** A lean socket, opened, and the server's side of it. */
  const connected = async () => {
    const peer = once(wss, "connection").then(([s]) => s as ServerSocket);
    const seen = watch(url);
    await opened(seen.ws);
    return { seen, server: await peer };
  };

  before(async () => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await once(wss, "listening");
    url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`;
  });
  after(() => wss.close());

  it("runs on this runtime's leanest byte stream", () => {
    assert.equal(label, "Bun" in globalThis ? "lean (Bun.connect)" : "lean (node:net)");
  });

  it("sends a message larger than the socket's buffers whole, and its close after it", async () => {
    const { seen, server } = await connected();
    const big = new Uint8Array(24 * 1024 * 1024).map((_, i) => i % 251);
    const got = once(server, "message").then(([data]) => data as Buffer);
    const serverClosed = once(server, "close");
    seen.ws.send(big);
    seen.ws.close(4000, "after the big one");
    assert.ok(Buffer.from(big).equals(await got), "the server got the message whole");
    const [code, reason] = await serverClosed;
    assert.deepEqual([code, String(reason)], [4000, "after the big one"]);
    assert.equal((await seen.closed).wasClean, true);
  });

  it("echoes text at every length encoding (7-bit, 16-bit, 64-bit) and multi-byte UTF-8", async () => {
    const { seen, server } = await connected();
    server.on("message", (data, isBinary) => server.send(isBinary ? data : data.toString()));
    const texts = ["", "x".repeat(125), "é".repeat(63), "y".repeat(126), "z".repeat(65535), "€✓".repeat(40_000)];
    for (const text of texts) {
      seen.ws.send(text);
      assert.equal(await seen.next(), text);
    }
    seen.ws.close();
    assert.equal((await seen.closed).wasClean, true);
  });

  it("sends and receives binary messages as bytes", async () => {
    const { seen, server } = await connected();
    server.on("message", (data) => server.send(data, { binary: true }));
    seen.ws.send(new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual(await seen.next(), new Uint8Array([0, 1, 2, 255]));
    seen.ws.close();
    await seen.closed;
  });

  it("joins a fragmented message, with a ping between its fragments answered by a pong", async () => {
    const { seen, server } = await connected();
    const pong = once(server, "pong");
    server.send("one, ", { fin: false });
    server.ping(Buffer.from("are you there"));
    server.send("two, ", { fin: false });
    server.send("three", { fin: true });
    assert.equal(await seen.next(), "one, two, three");
    assert.equal(((await pong)[0] as Buffer).toString(), "are you there");
    seen.ws.close();
    await seen.closed;
  });

  it("closes cleanly when it starts the close: the server sees its code and reason", async () => {
    const { seen, server } = await connected();
    const serverClosed = once(server, "close");
    seen.ws.close(4000, "done here");
    const [code, reason] = await serverClosed;
    assert.deepEqual([code, (reason as Buffer).toString()], [4000, "done here"]);
    assert.deepEqual(await seen.closed, { code: 4000, reason: "done here", wasClean: true });
    assert.equal(seen.ws.readyState, Lean.CLOSED);
    assert.deepEqual(seen.errors, []);
  });

  it("closes cleanly when the server starts the close, and echoes the server's code", async () => {
    const { seen, server } = await connected();
    const serverClosed = once(server, "close");
    server.close(4001, "server done");
    assert.deepEqual(await seen.closed, { code: 4001, reason: "server done", wasClean: true });
    assert.equal((await serverClosed)[0], 4001);
  });

  it("drops sends after close has begun, as browsers do", async () => {
    const { seen, server } = await connected();
    const received: string[] = [];
    server.on("message", (d) => received.push(d.toString()));
    seen.ws.send("before");
    seen.ws.close(1000);
    seen.ws.send("after");
    await seen.closed;
    assert.deepEqual(received, ["before"]);
  });
});

/**
 * A raw server: answers the handshake as told (or right), then writes `afterOpen`, and keeps what
 * the client sent after its handshake.
 */
async function rawServer(answer: (key: string) => string, afterOpen: Buffer = Buffer.alloc(0)) {
  const sent: Buffer[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    let head = "";
    let upgraded = false;
    socket.on("error", () => {});
    socket.on("data", (d) => {
      if (upgraded) return void sent.push(d);
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      upgraded = true;
      const key = head.match(/sec-websocket-key: (\S+)/i)?.[1] ?? "";
      socket.write(answer(key));
      socket.write(afterOpen);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`,
    received: () => Buffer.concat(sent),
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const accept = (key: string) =>
  createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
const switching = (key: string) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${
    accept(key)
  }\r\n\r\n`;
const serverFrame = (opcode: number, payload: Buffer, mask = false) => frame({ opcode, payload, mask });

/** The client frames in `data`, unmasked, with their masking keys. */
function clientFrames(data: Buffer) {
  const frames: { opcode: number; masked: boolean; key: Buffer; text: string }[] = [];
  let at = 0;
  while (data.length - at >= 6) {
    const length = data[at + 1] & 0x7f; // Small frames only in these tests.
    const key = data.subarray(at + 2, at + 6);
    const body = Buffer.from(data.subarray(at + 6, at + 6 + length));
    for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
    frames.push({ opcode: data[at] & 0x0f, masked: (data[at + 1] & 0x80) !== 0, key, text: body.toString() });
    at += 6 + length;
  }
  return frames;
}

describe("lean client against a raw server", () => {
  it("masks every frame, with a fresh key each time", async () => {
    const server = await rawServer(switching);
    const seen = watch(server.url);
    await opened(seen.ws);
    for (let i = 0; i < 4; i++) seen.ws.send("same text");
    const deadline = Date.now() + 5_000;
    while (clientFrames(server.received()).length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const frames = clientFrames(server.received());
    assert.equal(frames.length, 4);
    assert.ok(frames.every((f) => f.masked && f.opcode === 1 && f.text === "same text"));
    assert.equal(new Set(frames.map((f) => f.key.toString("hex"))).size, 4, "four frames, four keys");
    seen.ws.close();
    server.close();
    await seen.closed;
  });

  it("answers a non-101 status with an error that names the status, and close 1006", async () => {
    const server = await rawServer(() => "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    const seen = watch(server.url);
    const closed = await seen.closed;
    server.close();
    assert.equal(closed.code, 1006);
    assert.deepEqual(seen.errors.map(failureReason), ["HTTP 503"]);
  });

  it("refuses a wrong Sec-WebSocket-Accept", async () => {
    const server = await rawServer(() => switching("not the key"));
    const seen = watch(server.url);
    const closed = await seen.closed;
    server.close();
    assert.equal(closed.code, 1006);
    assert.match(seen.errors[0], /Sec-WebSocket-Accept/);
  });

  it("fails the connection with 1002 on a masked frame from the server", async () => {
    const server = await rawServer(switching, serverFrame(1, Buffer.from("hi"), true));
    const seen = watch(server.url);
    const closed = await seen.closed;
    server.close();
    assert.equal(closed.code, 1002);
    assert.deepEqual(seen.messages, []);
    assert.match(seen.errors[0], /masked frame/);
    const frames = clientFrames(server.received());
    assert.equal(frames[0]?.opcode, 8, "the client sent a close frame");
  });

  it("fails the connection with 1007 on invalid UTF-8 in a text message", async () => {
    const server = await rawServer(switching, serverFrame(1, Buffer.from([0xc3, 0x28])));
    const seen = watch(server.url);
    assert.equal((await seen.closed).code, 1007);
    server.close();
    assert.deepEqual(seen.messages, []);
  });

  it("reports 1006 when TCP ends without a close frame", async () => {
    const server = await rawServer(switching, serverFrame(1, Buffer.from("Welcome!")));
    const seen = watch(server.url);
    assert.equal(await seen.next(), "Welcome!");
    for (const s of server.sockets) s.end();
    const closed = await seen.closed;
    server.close();
    assert.deepEqual([closed.code, closed.wasClean], [1006, false]);
  });

  it("reads frames split across TCP reads, and two frames in one read", async () => {
    const two = Buffer.concat([serverFrame(1, Buffer.from("first")), serverFrame(1, Buffer.from("second"))]);
    const server = await rawServer(switching);
    const seen = watch(server.url);
    await opened(seen.ws);
    const socket = server.sockets[0];
    const long = serverFrame(1, Buffer.from("x".repeat(300)));
    for (let i = 0; i < long.length; i += 7) {
      socket.write(long.subarray(i, i + 7));
      await new Promise((r) => setTimeout(r, 1));
    }
    socket.write(two);
    assert.deepEqual([await seen.next(), await seen.next(), await seen.next()], ["x".repeat(300), "first", "second"]);
    assert.equal(parseFrames(two).length, 2);
    seen.ws.close();
    server.close();
    await seen.closed;
  });

  it("names a refused connection ECONNREFUSED", async () => {
    const server = await rawServer(switching);
    const url = server.url;
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    const seen = watch(url);
    assert.equal((await seen.closed).code, 1006);
    assert.deepEqual(seen.errors.map(failureReason), ["ECONNREFUSED"]);
  });

  it("abandons a handshake on close() while connecting (the client's handshake timeout)", async () => {
    const server = await rawServer(() => ""); // Never answers.
    const seen = watch(server.url);
    await new Promise((r) => setTimeout(r, 100));
    seen.ws.close();
    const closed = await seen.closed;
    server.close();
    assert.equal(closed.code, 1006);
    assert.equal(seen.ws.readyState, Lean.CLOSED);
  });
});
