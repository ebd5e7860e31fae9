/**
 * A raw TCP peer for the bad-input suite: it writes whatever bytes a test asks for (malformed
 * handshakes, unmasked or lying frames), which no WebSocket library will send on purpose.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawPeer {
  socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server ends the TCP connection (FIN or RST). */
  ended: Promise<void>;
}

export async function rawConnect(port: number, host = "127.0.0.1"): Promise<RawPeer> {
  const socket = connect(port, host);
  let data = Buffer.alloc(0);
  socket.on("data", (d) => (data = Buffer.concat([data, d])));
  socket.on("error", () => {}); // A reset is one of the answers the tests expect.
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return { socket, received: () => data, ended };
}

export function handshake(headers: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  const lines = Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
  return `GET /ws HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

/** Waits until `ready` holds for what was received, or the connection ends; returns what came. */
export async function receivedWhen(peer: RawPeer, ready: (data: Buffer) => boolean, ms = 10_000): Promise<Buffer> {
  let ended = false;
  peer.ended.then(() => (ended = true));
  for (const deadline = Date.now() + ms; Date.now() < deadline && !ended && !ready(peer.received());) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return peer.received();
}

/** Opens a socket with a valid handshake and reads past the 101 and the `Welcome!` frame. */
export async function rawWebSocket(port: number): Promise<RawPeer & { offset: number }> {
  const peer = await rawConnect(port);
  peer.socket.write(handshake());
  const data = await receivedWhen(peer, (d) => {
    const end = d.indexOf("\r\n\r\n");
    return end >= 0 && parseFrames(d.subarray(end + 4)).length >= 1;
  });
  const end = data.indexOf("\r\n\r\n");
  if (!data.toString("latin1").startsWith("HTTP/1.1 101") || end < 0) {
    throw new Error(`no 101: ${JSON.stringify(data.toString("latin1").slice(0, 200))}`);
  }
  const [welcome] = parseFrames(data.subarray(end + 4));
  return { ...peer, offset: end + 4 + welcome.size };
}

export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** Client frames must be masked (RFC 6455 §5.3); false sends one unmasked. */
  mask?: boolean;
  rsv?: number;
  /** Announce this length instead of the payload's (the payload sent is still `payload`). */
  announce?: bigint;
}

export function frame({ opcode, payload = Buffer.alloc(0), fin = true, mask = true, rsv = 0, announce }: FrameSpec) {
  const length = announce ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) head.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
  /** Bytes the frame took on the wire. */
  size: number;
}

/** The complete server frames (never masked) at the start of `data`. */
export function parseFrames(data: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (data.length - at >= 2) {
    let length = data[at + 1] & 0x7f;
    let head = 2;
    if (length === 126) {
      if (data.length - at < 4) break;
      length = data.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (data.length - at < 10) break;
      length = Number(data.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (data.length - at < head + length) break;
    frames.push({
      opcode: data[at] & 0x0f,
      payload: data.subarray(at + head, at + head + length),
      size: head + length,
    });
    at += head + length;
  }
  return frames;
}

/** The close code the server sent, or null when the connection ended without a close frame. */
export function closeCode(data: Buffer, offset: number): number | null {
  const close = parseFrames(data.subarray(offset)).find((f) => f.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
}
