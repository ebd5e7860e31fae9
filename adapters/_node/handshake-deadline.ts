/**
 * The wait for a connection's first request (its WebSocket handshake) on Node, bounded so that a
 * worker late for the CPU does not count its own lateness as the client's.
 *
 * Node bounds it with `headersTimeout`, checked on a timer; and an event loop runs its timers
 * before it polls for I/O. A worker back from waiting ~10 s for the CPU (512,000 sockets and the
 * seed's traffic on 2 cores: docs/server.md, `--handshake-timeout`) checked first and answered 408 to
 * handshakes whose headers had arrived in time and sat unread in the kernel. Here the deadline
 * looks once more after the loop's next poll (setImmediate), when what had arrived has been read.
 * One timer runs while any connection waits for its first request.
 */
import type { Server } from "node:http";
import type { Duplex } from "node:stream";

const TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/**
 * Node's own check stays, `BACKSTOP` times longer, for later requests on a kept-alive connection
 * (the handshake is a connection's only request, but /scenario and /stats may be kept alive).
 */
export const BACKSTOP = 3;

/** How often the waiting connections are looked over: a deadline is met up to this late. */
const SWEEP_MS = 250;

/**
 * One timer for all connections, not one each: a timer, two closures and a once-listener per
 * accept showed as ~30 ms of the ~500 ms that Node's Hono path added to 15,000 accepts over raw
 * `ws`, GC aside (docs/topics/node-accept.md). A `Map` keeps the connections in the order they
 * came, so a sweep stops at the first whose deadline is still ahead.
 */
export function boundFirstRequest(server: Server, ms: number, { tls }: { tls: boolean }): void {
  /** Connections still waiting for their first request, oldest first, with their deadlines. */
  const waiting = new Map<Duplex, number>();
  /** Past their deadline at the last sweep: answered 408 in the next poll unless their request comes first. */
  const late = new Set<Duplex>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const [socket, deadline] of waiting) {
      if (deadline > now) break;
      waiting.delete(socket);
      if (!socket.destroyed) late.add(socket);
    }
    if (waiting.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
    // What arrived while this worker could not run is read in the loop's next poll: look then.
    if (late.size) {
      setImmediate(() => {
        for (const socket of late) socket.end(TIMEOUT_RESPONSE, () => socket.destroy());
        late.clear();
      });
    }
  };
  const first = (socket: Duplex) => {
    if (!waiting.delete(socket)) late.delete(socket);
  };
  // Over TLS, the wait starts once the TLS handshake is done (tls's handshakeTimeout bounds that).
  server.on(tls ? "secureConnection" : "connection", (socket: Duplex) => {
    waiting.set(socket, performance.now() + ms);
    sweeper ??= setInterval(sweep, Math.min(SWEEP_MS, ms)).unref();
  });
  server.on("request", (request) => first(request.socket));
  server.on("upgrade", (_request, socket: Duplex) => first(socket));
}
