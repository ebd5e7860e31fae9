/** Bun adapter: `Bun.serve` with hono/bun's `upgradeWebSocket` and websocket handler. */
import process from "node:process";
import type { Adapter } from "./_adapter.ts";
import { wrongRuntime } from "./_adapter.ts";

if (!("Bun" in globalThis)) throw wrongRuntime("bun", "bun run start");

// Imported late: in the esbuild bundle (which `bun run start` runs) a static import of an
// external package is hoisted to the top, and hono/bun touches `Bun` as it loads.
const { upgradeWebSocket, websocket } = await import("hono/bun");

export const adapter: Adapter = {
  runtime: {
    name: "bun",
    version: Bun.version,
    pid: process.pid,
    memory: () => {
      const { rss, heapUsed } = process.memoryUsage();
      return { rss, heapUsed };
    },
  },
  upgradeWebSocket,
  serve(app, { hostname, port, maxPayload }) {
    const server = Bun.serve({
      hostname,
      port,
      fetch: app.fetch,
      // maxPayloadLength: uWebSockets refuses the frame from its header and closes with 1009.
      websocket: { ...websocket, maxPayloadLength: maxPayload, perMessageDeflate: false },
    });
    return Promise.resolve({ port: server.port, close: () => server.stop(false) });
  },
};
