/**
 * WebSocket upgrades on Bun, in place of hono/bun's helper, for one measured reason: it keeps a
 * `URL` object and a fresh data object per socket in `ws.data` for the socket's life. Here
 * `ws.data` is the one shared events object, so a socket costs the app nothing of its own
 * (docs/packages.md, "What the helpers save").
 *
 * Unlike hono/bun, no event gets objects of its own: every event gets the process's one context
 * (server/shared-context.ts), and a message event is a plain `{ type, data }`. A context and a
 * `MessageEvent` per message cost about a sixth of the server's CPU per message, 20–21 µs against
 * 17 (docs/packages.md, "What the helpers save").
 */
import type { WSEvents } from "hono/ws";
import type { WebSocketUpgrade } from "../../src/app.ts";
import { closeEvent, guarded, messageEvent, OPEN_EVENT, sharedContext } from "../../server/shared-context.ts";

interface BunSocket {
  data: WSEvents<BunSocket>;
  readonly readyState: number;
  send(data: string | ArrayBuffer | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

/** The process's one context (see server/shared-context.ts). */
const context = sharedContext<BunSocket>();

const UPGRADED = new Response(null);

export const upgrade: WebSocketUpgrade = (c, events) => {
  // Bun.serve calls fetch(request, server), so the app's env is the server.
  const server = c.env as { upgrade(request: Request, options: { data: unknown }): boolean } | undefined;
  if (typeof server?.upgrade !== "function") {
    throw new TypeError("c512k/adapters/bun: app.fetch needs Bun's server as env");
  }
  // What the app answers once Bun has taken the socket: Bun sends nothing of it, so one serves all.
  if (server.upgrade(c.req.raw, { data: events })) return UPGRADED;
};

export const websocket = {
  open(ws: BunSocket) {
    guarded(() => ws.data.onOpen?.(OPEN_EVENT, context(ws)));
  },
  message(ws: BunSocket, message: string | Uint8Array) {
    guarded(() => ws.data.onMessage?.(messageEvent(message), context(ws)));
  },
  close(ws: BunSocket, code: number, reason: string) {
    guarded(() => ws.data.onClose?.(closeEvent(code, reason), context(ws)));
  },
};
