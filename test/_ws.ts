/** A test-side WebSocket (ws) with promises for what the conformance suite waits on. */
import { once } from "node:events";
import WebSocket from "ws";

export interface TestSocket {
  ws: WebSocket;
  /** The next text message. */
  next(): Promise<string>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

export interface ConnectOptions {
  /** ms: a connect that waits longer fails, as where a full server never accepts it. */
  handshakeTimeout?: number;
}

export async function connect(url: string, { handshakeTimeout }: ConnectOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout });
  const queue: string[] = [];
  const waiters: ((m: string) => void)[] = [];
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? `(binary ${(data as Buffer).length} bytes)` : data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  // Not events.once: that rejects on an error event, and a failed connect would leave it unhandled.
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.on("error", () => {}); // The close event carries what the tests check.
  await once(ws, "open");
  return {
    ws,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
    closed,
  };
}

/** Connects and consumes the greeting. */
export async function connectWelcomed(url: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const s = await connect(url, options);
  const greeting = await s.next();
  if (greeting !== "Welcome!") throw new Error(`expected Welcome!, got ${greeting}`);
  return s;
}
