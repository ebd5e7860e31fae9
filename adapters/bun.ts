/** Bun adapter: `Bun.serve`, with our own upgrade helper (see _bun/websocket.ts for why not hono/bun's). */
import process from "node:process";
import type { Adapter } from "../server/adapter.ts";
import { processMemory, wrongRuntime } from "../server/adapter.ts";
import { spawnSelf } from "../server/spawn-self.ts";
import { processAcceptBounds } from "../server/accept-bounds.ts";
import { BunAcceptGuard } from "./_bun/accept-guard.ts";

if (!("Bun" in globalThis)) throw wrongRuntime("bun", "bun run start");

import { upgrade, websocket } from "./_bun/websocket.ts";

/** The worker's one guard over all its ports (made on first use: only workers have one). */
let processGuard: BunAcceptGuard | undefined;
const acceptGuard = () => (processGuard ??= new BunAcceptGuard(processAcceptBounds()));

function openGuarded(ws: Parameters<typeof websocket.open>[0]): void {
  websocket.open(ws);
  processGuard?.opened();
}

export const adapter: Adapter = {
  runtime: {
    name: "bun",
    version: Bun.version,
    pid: process.pid,
    memory: processMemory,
    collectGarbage: () => Bun.gc(true),
  },
  upgrade,
  // uWebSockets checks the method, Upgrade, Connection, the key and version 13 before it upgrades.
  upgradeChecksHandshake: true,
  // Bun hands its server to fetch as the app's env (hono/bun's getConnInfo does this too, and is deprecated).
  peerAddress: (c) => (c.env as { requestIP(r: Request): { address: string } | null }).requestIP(c.req.raw)?.address,
  serve(app, { hostname, port, maxPayload, reusePort, idleTimeout, tls }) {
    let bound = port;
    const listen = () =>
      Bun.serve({
        hostname,
        port: bound,
        reusePort,
        // No idleTimeout from --handshake-timeout: a half-sent request (slowloris) is bounded by
        // uWebSockets itself, at about 12–13 s whatever it says (measured with 2, 4 and 30; a
        // handshake written 13 s after the connect is answered, one written at 16 s is not:
        // docs/server.md, "Bad input"), and with 2 the worker's counts in /stats went stale in 3 of 4 runs of the bad-input suite (the
        // cause was not found). Bun's default (10 s) it is.
        ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
        fetch: app.fetch,
        // maxPayloadLength: uWebSockets refuses the frame from its header and closes with 1009.
        // idleTimeout: uWebSockets pings a socket silent that long and closes it if nothing comes;
        // 0 by default, since Bun would otherwise close a socket silent for 120 s.
        websocket: {
          ...websocket,
          ...(reusePort ? { open: openGuarded } : {}),
          maxPayloadLength: maxPayload,
          perMessageDeflate: false,
          idleTimeout,
          sendPings: idleTimeout > 0,
        },
      });
    // A worker (its siblings share the port) hands its share to them when it is nearly full.
    if (!reusePort) {
      const server = listen();
      return Promise.resolve({ port: server.port, close: () => server.stop(false) });
    }
    const watched = acceptGuard().watch(() => listen());
    // Every later listen binds the port the first one got (with port 0, another would come).
    bound = watched.port;
    return Promise.resolve({ port: watched.port, close: () => watched.stop() });
  },
  startWorker: (env) => spawnSelf("bun", env),
};
