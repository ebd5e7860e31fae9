/**
 * The wait for a connection's first request (its WebSocket handshake) on Node, bounded so that a
 * worker late for the CPU does not count its own lateness as the client's.
 *
 * Node bounds it with `headersTimeout`, checked on a timer; and an event loop runs its timers
 * before it polls for I/O. A worker back from waiting ~10 s for the CPU (512,000 sockets and the
 * seed's traffic on 2 cores: docs/server.md, `--handshake-timeout`) checked first and answered 408 to
 * handshakes whose headers had arrived in time and sat unread in the kernel. Here the deadline
 * looks once more after the loop's next poll (setImmediate), when what had arrived has been read.
 * A timer lives only while a connection waits for its first request.
 */
import type { Server } from "node:http";
import type { Duplex } from "node:stream";

const TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/**
 * Node's own check stays, `BACKSTOP` times longer, for later requests on a kept-alive connection
 * (the handshake is a connection's only request, but /scenario and /stats may be kept alive).
 */
export const BACKSTOP = 3;

export function boundFirstRequest(server: Server, ms: number, { tls }: { tls: boolean }): void {
  const waiting = new Map<Duplex, () => void>();
  const met = (socket: Duplex) => waiting.get(socket)?.();
  // Over TLS, the wait starts once the TLS handshake is done (tls's handshakeTimeout bounds that).
  server.on(tls ? "secureConnection" : "connection", (socket: Duplex) => {
    const timer = setTimeout(() =>
      setImmediate(() => {
        if (!waiting.has(socket)) return;
        done();
        socket.end(TIMEOUT_RESPONSE, () => socket.destroy());
      }), ms);
    const done = () => {
      clearTimeout(timer);
      waiting.delete(socket);
      socket.removeListener("close", done);
    };
    waiting.set(socket, done);
    socket.once("close", done);
  });
  server.on("request", (request) => met(request.socket));
  server.on("upgrade", (_request, socket: Duplex) => met(socket));
}
