/** Node adapter: @hono/node-server 2 for HTTP, `ws` for WebSockets (see _node/websocket.ts for why not its helper). */
import { createAdaptorServer } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import cluster from "node:cluster";
import { createServer as createHttpsServer } from "node:https";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { type WebSocket, WebSocketServer } from "ws";
import type { Adapter } from "../server/adapter.ts";
import { processMemory, wrongRuntime } from "../server/adapter.ts";
import { processAcceptBounds } from "../server/accept-bounds.ts";
import { AcceptGuard, NODE_BACKLOG, sharedBacklog } from "./_node/accept-guard.ts";
import { BACKSTOP, boundFirstRequest } from "./_node/handshake-deadline.ts";
import { routeUpgrades, upgrade } from "./_node/websocket.ts";
import { reusesPort } from "./_node/reuse-port.ts";
import { withYoungGeneration } from "./_node/young-generation.ts";
import { spawnSelf } from "../server/spawn-self.ts";
import { collectGarbage } from "../server/v8-gc.ts";

if ("Bun" in globalThis || "Deno" in globalThis || !process.versions?.node) {
  throw wrongRuntime("node", "npm start");
}

/** Workers each listen on a socket of their own on this Node (_node/reuse-port.ts). */
const OWN_SOCKETS = reusesPort(process.versions.node, process.env);

/**
 * ws has no idle timeout of its own: its README's heartbeat. Each round pings every socket and
 * ends those that sent nothing (no frame, no pong) since the round before, so a dead peer goes
 * within 1–2 rounds. One timer for all sockets, one flag on each.
 */
function heartbeat(wss: WebSocketServer, seconds: number): void {
  const live = new Set<WebSocket>();
  const heard = new WeakSet<WebSocket>();
  wss.on("connection", (ws: WebSocket) => {
    live.add(ws);
    heard.add(ws);
    const hear = () => heard.add(ws);
    ws.on("pong", hear).on("message", hear).once("close", () => live.delete(ws));
  });
  setInterval(() => {
    for (const ws of live) {
      if (!heard.has(ws)) ws.terminate();
      else {
        heard.delete(ws);
        ws.ping();
      }
    }
  }, seconds * 1000).unref();
}

/** The worker's one guard over all its ports (made on first use: only cluster workers have one). */
let processGuard: AcceptGuard | undefined;
const acceptGuard = () => (processGuard ??= new AcceptGuard(processAcceptBounds()));

export const adapter: Adapter = {
  runtime: {
    name: "node",
    version: process.versions.node,
    pid: process.pid,
    memory: processMemory,
    collectGarbage,
  },
  upgrade,
  // ws takes version 8 too, and answers a refusal itself, not through the app.
  upgradeChecksHandshake: false,
  peerAddress: (c) => getConnInfo(c).remote.address,
  serve(app, { hostname, port, maxPayload, reusePort, workers, handshakeTimeout, idleTimeout, tls }) {
    // maxPayload makes ws refuse an oversized frame from its header, before buffering it (1009).
    // clientTracking off: the core's registry already tracks open sockets, one Set is enough.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    if (idleTimeout > 0) heartbeat(wss, idleTimeout);
    // The wait for request headers (slowloris): the first request's is ours
    // (_node/handshake-deadline.ts); Node's headersTimeout, checked every
    // connectionsCheckingInterval (by default 60 s every 30 s: a half handshake lived 70 s+),
    // bounds later ones.
    const ms = handshakeTimeout * 1000;
    const backstop = ms * BACKSTOP;
    const bounds = ms > 0
      ? { headersTimeout: backstop, requestTimeout: backstop, connectionsCheckingInterval: Math.min(1000, ms) }
      : { headersTimeout: 0, requestTimeout: 0 };
    const server_ = tls
      ? {
        createServer: createHttpsServer,
        serverOptions: { ...bounds, ...(ms > 0 ? { handshakeTimeout: ms } : {}), cert: tls.cert, key: tls.key },
      }
      : { serverOptions: bounds };
    // Listened on here, not through the helper's serve(), for the accept queue's length: a
    // socket of its own per worker keeps Node's; one that cluster workers share holds theirs together.
    const own = OWN_SOCKETS && reusePort;
    const backlog = own ? NODE_BACKLOG : sharedBacklog(workers);
    return new Promise((resolve, reject) => {
      const server = createAdaptorServer({ fetch: app.fetch, ...server_ }) as Server;
      server.once("error", reject);
      routeUpgrades(server, wss, app.fetch);
      if (ms > 0) boundFirstRequest(server, ms, { tls: Boolean(tls) });
      server.listen({ port, host: hostname, backlog, ...(own ? { reusePort: true } : {}) }, () => {
        const bound = (server.address() as AddressInfo).port;
        const guard = cluster.isWorker || own
          ? acceptGuard().watch(server, { host: hostname, port: bound, backlog, reusePort: own })
          : undefined;
        resolve({
          port: bound,
          close: () => {
            guard?.stop();
            return new Promise<void>((done) => server.close(() => done()));
          },
        });
      });
    });
  },
  // From 22.12 each worker is a process of its own listening with reusePort, as on Bun and Deno.
  // Node 20 cannot set SO_REUSEPORT, so there workers are cluster workers. Cluster's default hands
  // each connection from the primary to a worker, round-robin: one process then accepts for all,
  // and that hand-off cost Node most of its accept rate against the raw baseline (docs/topics/node-accept.md). So the workers accept for themselves from the
  // one shared socket (SCHED_NONE); a worker near its open-file limit stops accepting and leaves
  // the connections to the others (_node/accept-guard.ts). NODE_CLUSTER_SCHED_POLICY still decides.
  // Each worker starts with a small young generation (_node/young-generation.ts).
  startWorker(env) {
    const execArgv = withYoungGeneration(process.execArgv, process.env.NODE_OPTIONS);
    if (OWN_SOCKETS) return spawnSelf("node", env, execArgv);
    if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ silent: true, execArgv });
    const worker = cluster.fork(env);
    const child = worker.process;
    return {
      pid: child.pid!,
      stdin: child.stdin!,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited: new Promise((resolve) => worker.once("exit", (code, signal) => resolve(signal ?? code))),
      kill: (signal) => child.kill(signal),
    };
  },
};
