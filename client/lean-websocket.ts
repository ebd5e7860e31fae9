/**
 * A lean WebSocket client (RFC 6455, client side): `--websocket lean`. Under it, a byte stream
 * (client/transport.ts): `node:net` and `node:tls` on Node and Deno, Bun's own sockets on Bun.
 *
 * Why our own and not a library: the load generator is the biggest memory bill of the experiment
 * (Bun's and ws's clients hold 6.5–9 KB per socket; 512,000 sockets need ~4 GB of clients), and
 * every kept client we looked at carries per-socket machinery we never use here: an HTTP client
 * request object for the handshake, stream-based receivers and senders, extension negotiation and
 * per-socket closures. This one keeps a socket, a few fields, and shared handlers. What it must
 * still do right, and `test/lean-websocket.test.ts` checks against `ws`'s server: masking every
 * frame with fresh random keys, fragmented messages, ping/pong, the close handshake both ways,
 * UTF-8 checks, and failing the connection on protocol errors.
 *
 * Not here, as the scenario needs none of them: subprotocols, extensions (compression is never
 * negotiated by our server), proxies, redirects, and `bufferedAmount`.
 */
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { isIP } from "node:net";
import process from "node:process";
import type { WebSocketLike } from "./scenario-contract.ts";
import type { Connect, Transport, TransportOwner } from "./transport.ts";
import { connectNet } from "./transport-net.ts";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** A server's handshake answer larger than this is not one. */
const MAX_RESPONSE_HEAD = 16 * 1024;
/** Messages larger than this fail the connection with 1009, as a bounded client must. */
const MAX_MESSAGE = 64 * 1024 * 1024;
/** After our close frame, how long the server has to answer it and end TCP (ws uses 30 s too). */
const CLOSE_TIMEOUT_MS = 30_000;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

const PROTOCOL_ERROR = 1002;
const INVALID_DATA = 1007;
const TOO_BIG = 1009;
const NO_STATUS = 1005;
const ABNORMAL = 1006;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Masking keys come from one pool of crypto-random bytes, refilled when used up: a fresh key per
 * frame (RFC 6455 §5.3) without a call into the random source per frame.
 */
const maskPool = Buffer.allocUnsafe(8 * 1024);
let maskOffset = maskPool.length;

/**
 * One client frame: FIN set, masked. A text payload is written straight into the frame, so a
 * message costs one allocation (this is the per-message path).
 */
function clientFrame(opcode: number, payload: string | Uint8Array): Buffer {
  const text = typeof payload === "string";
  const length = text ? Buffer.byteLength(payload) : payload.length;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + 4 + length);
  frame[0] = 0x80 | opcode;
  if (head === 2) frame[1] = 0x80 | length;
  else if (head === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (maskOffset === maskPool.length) {
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  maskPool.copy(frame, head, maskOffset, maskOffset + 4);
  maskOffset += 4;
  const start = head + 4;
  if (text) frame.write(payload, start, "utf8");
  else frame.set(payload, start);
  for (let i = 0; i < length; i++) frame[start + i] ^= frame[head + (i & 3)];
  return frame;
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] & 0x80) return false;
  return true;
}

function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = utf8Encoder.encode(reason);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  payload.set(text, 2);
  return payload;
}

/** Codes a peer may put in a close frame (RFC 6455 §7.4). */
function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Thrown inside frame parsing: fail the connection with this code (RFC 6455 §7.1.7). */
class ProtocolFailure extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export class LeanWebSocket implements WebSocketLike, TransportOwner {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  readyState = CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null = null;

  #socket: Transport;
  /** The handshake's key until the answer is checked, then null. */
  #key: string | null;
  /** Bytes received and not yet parsed: part of the handshake answer, or part of a frame. */
  #pending: Buffer | null = null;
  /** A fragmented message being put together, and its opcode. */
  #fragments: Buffer[] | null = null;
  #fragmentsLength = 0;
  #fragmentsOpcode = 0;
  #closeSent = false;
  #closeReceived = false;
  #code = ABNORMAL;
  #reason = "";
  #error: Error | null = null;
  #closeTimer: ReturnType<typeof setTimeout> | null = null;

  /** `connect`: the byte stream under it (client/socket.ts picks each runtime's leanest). */
  constructor(url: string, connect: Connect = connectNet) {
    const target = new URL(url);
    const secure = target.protocol === "wss:" || target.protocol === "https:";
    if (!secure && target.protocol !== "ws:" && target.protocol !== "http:") {
      throw new SyntaxError(`unsupported URL scheme: ${target.protocol}`);
    }
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const port = Number(target.port || (secure ? 443 : 80));
    this.#key = randomBytes(16).toString("base64");
    const request = `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
      `Host: ${target.host}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    this.#socket = connect({
      host,
      port,
      secure,
      servername: isIP(host) ? undefined : host,
      // Read at connect time, as Node's own clients do: --insecure sets it.
      rejectUnauthorized: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== "0",
    }, this);
    this.#socket.write(request);
  }

  send(data: string | Uint8Array): void {
    if (this.readyState === CONNECTING) throw new Error("InvalidStateError: still connecting");
    // As browsers do: a send after close has begun is dropped silently.
    if (this.readyState !== OPEN) return;
    this.#socket.write(clientFrame(typeof data === "string" ? OP_TEXT : OP_BINARY, data));
  }

  close(code?: number, reason = ""): void {
    if (code !== undefined && code !== 1000 && (code < 3000 || code > 4999)) {
      throw new Error(`InvalidAccessError: close code must be 1000 or 3000–4999, got ${code}`);
    }
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      // Abandoning a handshake: no frame to send, the peer learns from TCP.
      this.#fail(new Error("closed before the connection was established"));
      return;
    }
    this.#sendClose(code, reason);
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.readyState = CLOSING;
    this.#closeSent = true;
    this.#socket.write(clientFrame(OP_CLOSE, closePayload(code, reason)));
    if (this.#closeReceived) this.#socket.end();
    else this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  /** Fails the connection: the close code goes to the peer if open, and the error to onerror. */
  #fail(error: Error, code?: number): void {
    this.#error ??= error;
    if (this.readyState === OPEN && code !== undefined) {
      this.#code = code;
      this.#reason = error.message;
      this.#sendClose(code, "");
      this.#socket.end();
    } else {
      this.#socket.destroy();
    }
  }

  /** @internal Bytes from the transport. */
  received(chunk: Buffer): void {
    let data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    if (this.readyState === CONNECTING) {
      const end = data.indexOf("\r\n\r\n", 0, "latin1");
      if (end < 0) {
        if (data.length > MAX_RESPONSE_HEAD) this.#fail(new Error("handshake answer too large"));
        else this.#pending = data;
        return;
      }
      const problem = this.#checkHandshake(data.toString("latin1", 0, end));
      if (problem) return this.#fail(new Error(problem));
      this.readyState = OPEN;
      this.#key = null;
      this.onopen?.({ type: "open" });
      data = data.subarray(end + 4);
    }
    try {
      this.#parse(data);
    } catch (e) {
      if (!(e instanceof ProtocolFailure)) throw e;
      this.#fail(e, e.code);
    }
  }

  /** What is wrong with the server's answer, or null. */
  #checkHandshake(head: string): string | null {
    const lines = head.split("\r\n");
    const status = lines[0].match(/^HTTP\/1\.1 (\d{3})/);
    if (!status) return `not an HTTP answer: ${lines[0].slice(0, 40)}`;
    if (status[1] !== "101") return `Unexpected server response: ${status[1]}`;
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    if (headers.get("upgrade")?.toLowerCase() !== "websocket") return "handshake answer lacks Upgrade: websocket";
    if (!/\bupgrade\b/i.test(headers.get("connection") ?? "")) return "handshake answer lacks Connection: Upgrade";
    const accept = createHash("sha1").update(this.#key + GUID).digest("base64");
    if (headers.get("sec-websocket-accept") !== accept) return "handshake answer has a wrong Sec-WebSocket-Accept";
    if (headers.has("sec-websocket-extensions")) return "server chose an extension the client did not offer";
    if (headers.has("sec-websocket-protocol")) return "server chose a subprotocol the client did not offer";
    return null;
  }

  #parse(data: Buffer): void {
    let offset = 0;
    while (this.readyState !== CLOSED && !this.#closeReceived) {
      const left = data.length - offset;
      if (left < 2) break;
      const b0 = data[offset];
      const b1 = data[offset + 1];
      if (b0 & 0x70) throw new ProtocolFailure(PROTOCOL_ERROR, "reserved bits set");
      if (b1 & 0x80) throw new ProtocolFailure(PROTOCOL_ERROR, "masked frame from the server");
      let length = b1 & 0x7f;
      let head = 2;
      if (length === 126) {
        if (left < 4) break;
        length = data.readUInt16BE(offset + 2);
        head = 4;
      } else if (length === 127) {
        if (left < 10) break;
        const high = data.readUInt32BE(offset + 2);
        if (high > 0) throw new ProtocolFailure(TOO_BIG, "message too big");
        length = data.readUInt32BE(offset + 6);
        head = 10;
      }
      if (length + this.#fragmentsLength > MAX_MESSAGE) throw new ProtocolFailure(TOO_BIG, "message too big");
      if (left < head + length) break;
      const start = offset + head;
      offset = start + length;
      // The scenario's traffic: a whole ASCII text message is its own string (ASCII is valid
      // UTF-8 as it stands), taken straight from the chunk with no view or decoder per message.
      if (b0 === (0x80 | OP_TEXT) && this.#fragments === null && isAscii(data, start, offset)) {
        if (this.readyState === OPEN) this.onmessage?.({ data: data.toString("latin1", start, offset) });
        continue;
      }
      this.#frame((b0 & 0x80) !== 0, b0 & 0x0f, data.subarray(start, offset));
    }
    // Copied: a slice would keep the whole chunk alive while the rest of a frame is on its way.
    if (offset < data.length && this.readyState !== CLOSED) this.#pending = Buffer.from(data.subarray(offset));
  }

  #frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP_CLOSE) {
      if (!fin) throw new ProtocolFailure(PROTOCOL_ERROR, "fragmented control frame");
      if (payload.length > 125) throw new ProtocolFailure(PROTOCOL_ERROR, "control frame over 125 bytes");
    }
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (this.#fragments) throw new ProtocolFailure(PROTOCOL_ERROR, "new message inside a fragmented one");
        if (fin) return this.#message(opcode, payload);
        this.#fragments = [Buffer.from(payload)];
        this.#fragmentsLength = payload.length;
        this.#fragmentsOpcode = opcode;
        return;
      case OP_CONTINUATION: {
        if (!this.#fragments) throw new ProtocolFailure(PROTOCOL_ERROR, "continuation without a message");
        this.#fragments.push(Buffer.from(payload));
        this.#fragmentsLength += payload.length;
        if (!fin) return;
        const whole = Buffer.concat(this.#fragments, this.#fragmentsLength);
        this.#fragments = null;
        this.#fragmentsLength = 0;
        return this.#message(this.#fragmentsOpcode, whole);
      }
      case OP_CLOSE:
        return this.#closeFrame(payload);
      case OP_PING:
        if (this.readyState === OPEN) this.#socket.write(clientFrame(OP_PONG, payload));
        return;
      case OP_PONG:
        return;
      default:
        throw new ProtocolFailure(PROTOCOL_ERROR, `unknown opcode ${opcode}`);
    }
  }

  #message(opcode: number, payload: Buffer): void {
    if (this.readyState !== OPEN) return;
    let data: string | Uint8Array;
    if (opcode === OP_TEXT) {
      try {
        data = utf8.decode(payload);
      } catch {
        throw new ProtocolFailure(INVALID_DATA, "invalid UTF-8 in a text message");
      }
    } else data = new Uint8Array(payload);
    this.onmessage?.({ data });
  }

  #closeFrame(payload: Buffer): void {
    if (payload.length === 1) throw new ProtocolFailure(PROTOCOL_ERROR, "close frame of one byte");
    let code = NO_STATUS;
    let reason = "";
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) throw new ProtocolFailure(PROTOCOL_ERROR, `invalid close code ${code}`);
      try {
        reason = utf8.decode(payload.subarray(2));
      } catch {
        throw new ProtocolFailure(INVALID_DATA, "invalid UTF-8 in the close reason");
      }
    }
    this.#closeReceived = true;
    this.#code = code;
    this.#reason = reason;
    // Echo the code, then end TCP: the server has already said it is done (RFC 6455 §5.5.1).
    if (!this.#closeSent) this.#sendClose(code === NO_STATUS ? undefined : code, "");
    else this.#socket.end();
  }

  /** @internal The transport failed. */
  errored(error: Error): void {
    this.#error ??= error;
  }

  /** @internal The transport closed: the socket is done with, whatever state it was in. */
  closed(): void {
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#closeTimer = null;
    const wasOpen = this.readyState !== CONNECTING;
    const clean = this.#closeSent && this.#closeReceived && this.#error === null;
    this.readyState = CLOSED;
    this.#pending = null;
    this.#fragments = null;
    if (this.#error || !wasOpen) {
      const message = this.#error?.message ?? "connection closed before the handshake finished";
      this.onerror?.({ type: "error", message, error: this.#error });
    }
    // 1006 unless a close frame came, or we failed the connection with a code of our own.
    this.onclose?.({ code: this.#code, reason: this.#reason, wasClean: clean });
  }
}
