/** Deno adapter: `Deno.serve`, and WebSocket upgrades by _deno/websocket.ts (see there for why not hono/deno's). */
import type { Adapter } from "../server/adapter.ts";
import { lastGoodMemory, wrongRuntime } from "../server/adapter.ts";
import { collectGarbage } from "../server/v8-gc.ts";
import { spawnSelf } from "../server/spawn-self.ts";
import { denoUpgrade } from "./_deno/websocket.ts";

if (!("Deno" in globalThis)) throw wrongRuntime("deno", "deno task start");

/**
 * Deno pings a socket every `idleTimeout` seconds and closes it (1001 "No response from ping
 * frame") if the pong is late. Its default, 30 s, dropped 6,756 of 100,000 live seed sockets
 * here (docs/server.md, "Close codes"), so it is 0 (off) unless `--idle-timeout` asks. Set by serve(): the option
 * belongs to each upgrade, and every server of a process shares the same flags.
 */
let idleTimeout = 0;
const upgrade = denoUpgrade(() => idleTimeout);

/** How soon a listener that died at the open-file limit tries again. */
const RELISTEN_MS = 500;
/** How long a new listener must last to count as accepting again (for the log only). */
const STEADY_MS = 5_000;

export const adapter: Adapter = {
  runtime: {
    name: "deno",
    version: Deno.version.deno,
    pid: Deno.pid,
    memory: lastGoodMemory(() => {
      const { rss, heapUsed } = Deno.memoryUsage();
      return { rss, heapUsed };
    }),
    collectGarbage,
  },
  upgrade,
  // Deno upgraded a handshake with Sec-WebSocket-Version: 7 (handshake.ts).
  upgradeChecksHandshake: false,
  // Deno.serve hands its ServeHandlerInfo to fetch as the app's env.
  peerAddress: (c) => (c.env as { remoteAddr?: { hostname?: string } }).remoteAddr?.hostname,
  // Deno has no message-size setting: the core closes an oversized message with 4009 after
  // Deno has buffered it whole (docs/server.md, "Message size"). Nor has Deno.serve a bound on the time
  // to send request headers (denoland/deno#3515), so handshakeTimeout has no effect here.
  serve(app, { hostname, port, reusePort, idleTimeout: idle, tls }) {
    idleTimeout = idle;
    return new Promise((resolve) => {
      let bound = port;
      let closed = false;
      let accepting = true;
      let generation = 0;
      const listen = () => {
        const mine = ++generation;
        try {
          Deno.serve({
            hostname,
            port: bound,
            reusePort,
            ...(tls ?? {}),
            onListen: (addr) => {
              bound = addr.port;
              // Said once it has lasted: at the wall a new listener dies at its first connection.
              if (!accepting) {
                setTimeout(() => {
                  if (mine !== generation) return;
                  accepting = true;
                  console.error(`c512k: deno: accepting again on port ${bound}`);
                }, STEADY_MS);
              }
              // Not server.shutdown(): it closes every WebSocket at once with its own 1001, which
              // would undo the paced close. The core's drain() refuses new sockets instead.
              resolve({ port: bound, close: () => (closed = true, Promise.resolve()) });
            },
          }, app.fetch).finished.catch(relisten);
        } catch (err) {
          relisten(err);
        }
      };
      // At the open-file limit Deno's accept loop ends with EMFILE and closes its listener,
      // while the sockets it upgraded live on; unhandled, that rejection ended the worker and
      // every socket in it (test/scale/open-file-wall.test.ts). Listen again once a file is free: the
      // other workers sharing the port take the connections meanwhile.
      const relisten = (err: unknown) => {
        if (closed) return;
        if (accepting) console.error(`c512k: deno: stopped accepting (${(err as Error).message}); retrying`);
        accepting = false;
        setTimeout(listen, RELISTEN_MS);
      };
      listen();
    });
  },
  // With --unstable-net (system/runtimes.ts): SO_REUSEPORT is still unstable on Deno 2.9.
  startWorker: (env) => spawnSelf("deno", env),
};
