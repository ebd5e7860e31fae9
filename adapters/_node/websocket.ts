/**
 * WebSocket upgrades on Node, routed through the Hono app, on `ws` — in place of
 * @hono/node-server's own helper, for one measured reason: its per-socket closures keep the
 * upgrade's whole Hono `Context`, `Request`, `IncomingMessage`, two `URL`s and two `Headers`
 * alive for the socket's life. `bench/heap-census.ts` at 2,000 sockets: 13.2 KB of heap per
 * socket against 7.1 KB for raw `ws` (docs/packages.md, "What the helpers save").
 * Here a socket gets no objects of its own from the adapter (see `listeners` below).
 */
import type { IncomingMessage, Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { WSEvents } from "hono/ws";
import type { WebSocketUpgrade } from "../../src/app.ts";
import type { WebSocket, WebSocketServer } from "ws";
import { upgradeRequest } from "./upgrade-request.ts";
import { MESSAGE_TOO_BIG } from "../../src/close-codes.ts";
import {
  closeEvent,
  guarded,
  messageEvent,
  OPEN_EVENT,
  perEvents,
  sharedContext,
} from "../../server/shared-context.ts";

/** Put in the app's env by the upgrade listener: what `ws` needs to finish the handshake. */
const UPGRADE = Symbol("c512k.node.upgrade");

interface PendingUpgrade {
  wss: WebSocketServer;
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** Set when the app's /ws route took the socket. */
  taken: boolean;
}

/** Sockets ws closed for a message over maxPayload: their close is the 1009 ws sent. */
const tooBig = new WeakSet<WebSocket>();

/**
 * One listener for every socket's errors, not a closure each. A socket error ends in "close",
 * which is what the events count; ws then reports the code the peer answered (or 1006), so a
 * message over the limit is remembered here and its close reported as the 1009 ws sent.
 */
function onError(this: WebSocket, err: Error & { code?: string }): void {
  if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") tooBig.add(this);
}

/** The process's one context (see server/shared-context.ts). */
const context = sharedContext<WebSocket>();

interface Listeners {
  message(this: WebSocket, data: Buffer, isBinary: boolean): void;
  close(this: WebSocket, code: number, reason: Buffer): void;
}

/**
 * Every event gets the one shared context, and a message event is a plain `{ type, data }`, as
 * on Bun: the core's echo keeps nothing of either past its call (src/echo.ts). A context and its
 * closures per socket were ~1.2 KB of heap each (`bench/heap-census.ts --retainers
 * "array: (array)"`, docs/packages.md).
 */
const listeners = perEvents<WebSocket, Listeners>((events) => ({
  message(data, isBinary) {
    guarded(() => events.onMessage?.(messageEvent(isBinary ? data : data.toString()), context(this)));
  },
  close(code, reason) {
    const sent = tooBig.has(this) ? MESSAGE_TOO_BIG : code;
    guarded(() => events.onClose?.(closeEvent(sent, reason.toString()), context(this)));
  },
}));

/** Wires one socket to the events, with nothing of its own but ws's listener entries. */
function attach(ws: WebSocket, events: WSEvents<WebSocket>): void {
  const { message, close } = listeners(events);
  ws.on("message", message as (data: unknown, isBinary: boolean) => void);
  ws.on("close", close as (code: number, reason: Buffer) => void);
  ws.on("error", onError);
  guarded(() => events.onOpen?.(OPEN_EVENT, context(ws)));
}

export const upgrade: WebSocketUpgrade = (c, events) => {
  const pending = (c.env as Record<symbol, PendingUpgrade | undefined>)?.[UPGRADE];
  if (!pending || c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
  pending.taken = true;
  const { wss, request, socket, head } = pending;
  wss.handleUpgrade(request, socket, head, (ws) => {
    attach(ws, events);
    wss.emit("connection", ws); // for the adapter's heartbeat (--idle-timeout)
  });
  // Answers the app; the listener below ignores it, as ws has written the 101 itself.
  return new Response(null);
};

/** Sends an upgrade request through `fetch` (the Hono app); a request no route takes gets the app's answer. */
export function routeUpgrades(
  server: Server,
  wss: WebSocketServer,
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
): void {
  server.on("upgrade", async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a peer that resets mid-handshake is not the server's problem
    const pending: PendingUpgrade = { wss, request, socket, head, taken: false };
    let response: Response;
    try {
      const scheme = "encrypted" in request.socket ? "https" : "http";
      const url = new URL(request.url ?? "/", `${scheme}://${request.headers.host ?? "localhost"}`);
      response = await fetch(upgradeRequest(request, url.href), { incoming: request, [UPGRADE]: pending });
    } catch {
      response = new Response("400 Bad Request: malformed upgrade request\n", { status: 400 });
    }
    if (pending.taken || socket.destroyed) return;
    const body = await response.text();
    const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`, "Connection: close"];
    response.headers.forEach((value, key) => {
      if (key !== "connection" && key !== "content-length") lines.push(`${key}: ${value}`);
    });
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
  });
}
