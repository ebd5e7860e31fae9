/**
 * The server's host lives in a network namespace the host cannot route to: its dashboard and
 * `/runs` are reached through a Unix socket, which namespaces do not separate. Inside, the socket
 * leads to the server's port on that host's loopback; outside, a port on the host's loopback
 * leads to the socket. Plain byte pipes: HTTP, Server-Sent Events and all pass unchanged.
 */
import { rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";

function pipe(a: Socket, b: Socket): void {
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
  a.pipe(b).pipe(a);
}

/** Inside the server's host: connections to `path` go on to 127.0.0.1:`port`. */
export function forwardUnixToTcp(path: string, port: number): Server {
  rmSync(path, { force: true });
  const server = createServer((c) => pipe(c, connect(port, "127.0.0.1")));
  server.on("error", () => {});
  return server.listen(path);
}

/** On the host: a free port on 127.0.0.1 whose connections go on to `path`; resolves with the port. */
export async function forwardTcpToUnix(path: string): Promise<{ port: number; server: Server }> {
  const server = createServer((c) => pipe(c, connect(path)));
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server };
}
