/**
 * WebSocket upgrades on Bun, in place of hono/bun's helper, for one measured reason: it keeps a
 * `URL` object and a fresh data object per socket in `ws.data` for the socket's life. Here
 * `ws.data` is the one shared events object, so a socket costs the app nothing of its own
 * (BENCHMARKS.md, "Hono against raw").
 *
 * Unlike hono/bun, no event gets objects of its own: one WSContext serves the whole process,
 * pointed at the event's socket for the length of the call, and a message event is a plain
 * `{ type, data }`. A context and a `MessageEvent` per message cost about a sixth of the server's
 * CPU per message, 20–21 µs against 17 (BENCHMARKS.md, "Bun's accept path, piece by piece"). So a handler must not keep the
 * context past its call; the core's echo keeps only `ws.raw`, the runtime's own socket.
 */
import { defineWebSocketHelper, WSContext, type WSEvents } from "hono/ws";

interface BunSocket {
  data: WSEvents<BunSocket>;
  readonly readyState: number;
  send(data: string | ArrayBuffer | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

/** The socket of the event being handled: the shared context speaks to it. */
let current: BunSocket;
const shared = new WSContext<BunSocket>({
  send: (data) => void current.send(data as string),
  close: (code, reason) => current.close(code, reason),
  raw: undefined,
  get readyState() {
    return current.readyState as 0 | 1 | 2 | 3;
  },
  url: null,
  protocol: null,
});

/** The shared context, pointed at `ws` until the next event. */
function context(ws: BunSocket): WSContext<BunSocket> {
  current = ws;
  shared.raw = ws;
  return shared;
}

/** An exception in the app's handler must not reach Bun's socket loop. */
function guarded(run: () => void): void {
  try {
    run();
  } catch (err) {
    console.error("c512k: WebSocket handler failed:", err);
  }
}

const UPGRADED = new Response(null);

export const upgradeWebSocket = defineWebSocketHelper<BunSocket>((c, events) => {
  // Bun.serve calls fetch(request, server), so the app's env is the server.
  const server = c.env as { upgrade(request: Request, options: { data: unknown }): boolean } | undefined;
  if (typeof server?.upgrade !== "function") {
    throw new TypeError("c512k/adapters/bun: app.fetch needs Bun's server as env");
  }
  // What the app answers once Bun has taken the socket: Bun sends nothing of it, so one serves all.
  if (server.upgrade(c.req.raw, { data: events })) return UPGRADED;
});

/** The open event carries nothing: one for every socket. */
const OPEN_EVENT = Object.freeze({ type: "open" }) as Event;

export const websocket = {
  open(ws: BunSocket) {
    guarded(() => ws.data.onOpen?.(OPEN_EVENT, context(ws)));
  },
  message(ws: BunSocket, message: string | Uint8Array) {
    const data = typeof message === "string"
      ? message
      : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer;
    // What the echo reads of a MessageEvent, without building one (a native object) per message.
    guarded(() => ws.data.onMessage?.({ type: "message", data } as MessageEvent, context(ws)));
  },
  close(ws: BunSocket, code: number, reason: string) {
    const event = { type: "close", code, reason, wasClean: code !== 1006 } as CloseEvent;
    guarded(() => ws.data.onClose?.(event, context(ws)));
  },
};
