/**
 * What the three upgrade helpers share: one `WSContext` for a whole process, pointed at the
 * socket of the event being handled, instead of a context (and its closures) per socket. A
 * context per socket cost ~1.2 KB of heap on Node, and a context per event a sixth of Bun's CPU
 * per message (docs/packages.md, "What the helpers save"). It is safe because the core's handlers keep nothing of the context past their call,
 * only `ws.raw`, the runtime's own socket (src/echo.ts).
 */
import { WSContext, type WSEvents } from "hono/ws";

/** What each runtime's socket offers the context. */
export interface RuntimeSocket {
  readonly readyState: number;
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
}

/** A function that points the process's one context at `ws` and returns it, until the next call. */
export function sharedContext<T extends RuntimeSocket>(): (ws: T) => WSContext<T> {
  let current: T;
  const shared = new WSContext<T>({
    send: (data) => void current.send(data as string),
    close: (code, reason) => current.close(code, reason),
    raw: undefined,
    get readyState() {
      return current.readyState as 0 | 1 | 2 | 3;
    },
    url: null,
    protocol: null,
  });
  return (ws) => {
    current = ws;
    shared.raw = ws;
    return shared;
  };
}

/**
 * The events handed to the app, as plain objects with what the core reads of them: a native
 * `Event`, `MessageEvent` or `CloseEvent` per event was part of the per-message cost on Bun, and
 * Node 20 has no global `CloseEvent`. The open event carries nothing: one serves every socket.
 */
export const OPEN_EVENT = Object.freeze({ type: "open" }) as Event;

export function messageEvent(data: string | Uint8Array): MessageEvent {
  const payload = typeof data === "string"
    ? data
    : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return { type: "message", data: payload } as MessageEvent;
}

export function closeEvent(code: number, reason: string): CloseEvent {
  return { type: "close", code, reason, wasClean: code !== 1006 } as CloseEvent;
}

/** Runs an app handler: its exception is logged, and never reaches the runtime's socket loop. */
export function guarded(run: () => void): void {
  try {
    run();
  } catch (err) {
    console.error("c512k: WebSocket handler failed:", err);
  }
}

/**
 * Handlers made once per events object (the app has one) and shared by every socket, not
 * closures per socket: Node's `ws` and Deno's `WebSocket` call them with the socket as `this`.
 */
export function perEvents<T, H>(make: (events: WSEvents<T>) => H): (events: WSEvents<T>) => H {
  const made = new WeakMap<WSEvents<T>, H>();
  return (events) => {
    let handlers = made.get(events);
    if (!handlers) made.set(events, handlers = make(events));
    return handlers;
  };
}
