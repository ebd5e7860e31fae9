/** Node adapter: @hono/node-server 2 with its built-in WebSocket support on `ws`. */
import { serve as serveNode, upgradeWebSocket } from "@hono/node-server";
import cluster from "node:cluster";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { WebSocketServer } from "ws";
import type { Adapter } from "./_adapter.ts";
import { processMemory, wrongRuntime } from "./_adapter.ts";

if ("Bun" in globalThis || "Deno" in globalThis || !process.versions?.node) {
  throw wrongRuntime("node", "npm start");
}

export const adapter: Adapter = {
  runtime: {
    name: "node",
    version: process.versions.node,
    pid: process.pid,
    memory: processMemory,
  },
  upgradeWebSocket,
  serve(app, { hostname, port, maxPayload }) {
    // maxPayload makes ws refuse an oversized frame from its header, before buffering it (1009).
    // clientTracking off: the core's registry already tracks open sockets, one Set is enough.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    return new Promise((resolve, reject) => {
      const server = serveNode(
        { fetch: app.fetch, hostname, port, websocket: { server: wss } },
        (info: AddressInfo) =>
          resolve({
            port: info.port,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
      );
      server.once("error", reject);
    });
  },
  // Node 20 cannot set SO_REUSEPORT, so workers are cluster workers: the primary owns the
  // listening socket and hands each accepted connection to a worker, round-robin.
  startWorker(env) {
    cluster.setupPrimary({ silent: true });
    const worker = cluster.fork(env);
    const child = worker.process;
    return {
      pid: child.pid!,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited: new Promise((resolve) => worker.once("exit", (code, signal) => resolve(signal ?? code))),
      kill: (signal) => child.kill(signal),
    };
  },
};
