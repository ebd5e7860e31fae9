/**
 * WebSocket upgrades on Deno, in place of hono/deno's helper, for the reason the Bun and Node
 * helpers give: it builds, per socket, a `WSContext` with five closures, a `URL` of the socket's
 * address and four handler closures, all kept for the socket's life. Here the handlers are
 * functions shared by every socket (Deno calls them with the socket as `this`), and every event
 * gets the one context of the process, pointed at the event's socket for the call. The core's
 * echo keeps nothing of it past the call (src/echo.ts). Measured (docs/packages.md, "What the helpers
 * save"): heap per socket 4.66 -> 3.02 KB (raw Deno: 3.24).
 */
import type { WebSocketUpgrade } from "../../src/app.ts";
import { guarded, perEvents, sharedContext } from "../../server/shared-context.ts";

/** The process's one context (see server/shared-context.ts). */
const context = sharedContext<WebSocket>();

interface Handlers {
  onopen(this: WebSocket, event: Event): void;
  onmessage(this: WebSocket, event: MessageEvent): void;
  onclose(this: WebSocket, event: CloseEvent): void;
}

const handlers = perEvents<WebSocket, Handlers>((events) => ({
  onopen(event) {
    guarded(() => events.onOpen?.(event, context(this)));
  },
  onmessage(event) {
    guarded(() => events.onMessage?.(event, context(this)));
  },
  onclose(event) {
    guarded(() => events.onClose?.(event, context(this)));
  },
}));

/** Deno's upgrade; `idleTimeout` reads the process's setting (adapters/deno.ts sets it when it serves). */
export function denoUpgrade(idleTimeout: () => number): WebSocketUpgrade {
  return (c, events) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    // As hono/deno: the first subprotocol offered, if any, is the one answered.
    const protocol = c.req.header("sec-websocket-protocol")?.split(",")[0]?.trim();
    // One options object per upgrade, as Deno takes it.
    const options: Deno.UpgradeWebSocketOptions = { idleTimeout: idleTimeout() };
    if (protocol) options.protocol = protocol;
    const { response, socket } = Deno.upgradeWebSocket(c.req.raw, options);
    const { onopen, onmessage, onclose } = handlers(events);
    socket.onopen = onopen;
    socket.onmessage = onmessage;
    socket.onclose = onclose;
    return response;
  };
}
