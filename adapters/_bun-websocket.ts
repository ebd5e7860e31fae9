/**
 * WebSocket upgrades on Bun, in place of hono/bun's helper, for one measured reason: it keeps a
 * `URL` object and a fresh data object per socket in `ws.data` for the socket's life. Here
 * `ws.data` is the one shared events object, so a socket costs the app nothing of its own
 * (BENCHMARKS.md, "Hono against raw"). As in hono/bun, each event gets a short-lived WSContext.
 */
import { createWSMessageEvent, defineWebSocketHelper, WSContext, type WSEvents } from "hono/ws";

interface BunSocket {
  data: WSEvents<BunSocket>;
  readonly readyState: number;
  send(data: string | ArrayBuffer | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

const context = (ws: BunSocket) =>
  new WSContext<BunSocket>({
    send: (data) => void ws.send(data as string),
    close: (code, reason) => ws.close(code, reason),
    raw: ws,
    readyState: ws.readyState as 0 | 1 | 2 | 3,
    url: null,
    protocol: null,
  });

/** An exception in the app's handler must not reach Bun's socket loop. */
function guarded(run: () => void): void {
  try {
    run();
  } catch (err) {
    console.error("c512k: WebSocket handler failed:", err);
  }
}

export const upgradeWebSocket = defineWebSocketHelper<BunSocket>((c, events) => {
  // Bun.serve calls fetch(request, server), so the app's env is the server.
  const server = c.env as { upgrade(request: Request, options: { data: unknown }): boolean } | undefined;
  if (typeof server?.upgrade !== "function") {
    throw new TypeError("c512k/adapters/bun: app.fetch needs Bun's server as env");
  }
  if (server.upgrade(c.req.raw, { data: events })) return new Response(null);
});

export const websocket = {
  open(ws: BunSocket) {
    guarded(() => ws.data.onOpen?.(new Event("open"), context(ws)));
  },
  message(ws: BunSocket, message: string | Uint8Array) {
    const data = typeof message === "string"
      ? message
      : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer;
    guarded(() => ws.data.onMessage?.(createWSMessageEvent(data), context(ws)));
  },
  close(ws: BunSocket, code: number, reason: string) {
    guarded(() => ws.data.onClose?.(new CloseEvent("close", { code, reason }), context(ws)));
  },
};
