/** Deno adapter: `Deno.serve` with hono/deno's `upgradeWebSocket`. */
import type { Adapter } from "./_adapter.ts";
import { wrongRuntime } from "./_adapter.ts";
import { spawnSelf } from "./_spawn-self.ts";

if (!("Deno" in globalThis)) throw wrongRuntime("deno", "deno task start");

// Imported late, as in bun.ts, so no bundle ever loads it on another runtime.
const { upgradeWebSocket } = await import("hono/deno");

export const adapter: Adapter = {
  runtime: {
    name: "deno",
    version: Deno.version.deno,
    pid: Deno.pid,
    memory: () => {
      const { rss, heapUsed } = Deno.memoryUsage();
      return { rss, heapUsed };
    },
  },
  upgradeWebSocket,
  // Deno has no message-size setting: the core closes an oversized message with 4009 after
  // Deno has buffered it whole (README, "Message size").
  serve(app, { hostname, port, reusePort }) {
    return new Promise((resolve) => {
      const server = Deno.serve({
        hostname,
        port,
        reusePort,
        onListen: (addr) => resolve({ port: addr.port, close: () => server.shutdown() }),
      }, app.fetch);
    });
  },
  // SO_REUSEPORT is still behind --unstable-net on Deno 2.9 ("Unstable API 'Deno.listen({ reusePort: true })'").
  startWorker: (env) => spawnSelf(["run", "-A", "--unstable-net"], env),
};
