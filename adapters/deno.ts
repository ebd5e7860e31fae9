/** Deno adapter: `Deno.serve` with hono/deno's `upgradeWebSocket`. */
import type { Adapter } from "./_adapter.ts";
import { wrongRuntime } from "./_adapter.ts";
import { spawnSelf } from "./_spawn-self.ts";

if (!("Deno" in globalThis)) throw wrongRuntime("deno", "deno task start");

// Imported late, as in bun.ts, so no bundle ever loads it on another runtime.
const { upgradeWebSocket: honoUpgrade } = await import("hono/deno");

// Deno pings a socket idle for 30 s and closes it (1001 "No response from ping frame") if the
// pong is late: at 100,000 seed sockets, which speak every 25 s, it dropped 6,756 of them
// (BENCHMARKS.md). Off, like Node's ws and (below) Bun: no runtime closes a live socket on its own.
// The core uses only the middleware form, upgradeWebSocket(createEvents, options).
const upgradeWebSocket =
  ((createEvents: unknown, options?: object) =>
    (honoUpgrade as (events: unknown, options: object) => unknown)(createEvents, {
      idleTimeout: 0,
      ...options,
    })) as Adapter[
      "upgradeWebSocket"
    ];

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
