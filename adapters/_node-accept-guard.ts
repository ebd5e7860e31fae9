/**
 * Keeps a Node worker from accepting past its open-file limit. Node's workers share one listening
 * socket (cluster, SCHED_NONE); at EMFILE libuv accepts and closes at once (its reserve-file
 * trick), so a full worker would drop connections that another worker could have held. Here a
 * worker near its limit closes its own copy of the listening socket and opens it again once it
 * holds fewer: the others take the new connections meanwhile.
 */
import { type Server } from "node:net";
import net from "node:net";

export interface AcceptBounds {
  /** Connections at which this process stops accepting. */
  high: number;
  /** Connections below which it accepts again. */
  low: number;
  /** How often a paused process looks again. */
  checkMs: number;
}

/** Bounds for a process that may open `limit` files: a few dozen are its own (stdio, IPC, epoll, listeners). */
export function acceptBounds(limit: number): AcceptBounds {
  const high = Math.max(1, limit - 64);
  return { high, low: Math.max(0, high - 64), checkMs: 500 };
}

/**
 * net.Server's own count of its open connections, read at once. getConnections() gives the same
 * number a tick later, but libuv accepts a whole backlog in one go, one 'connection' event after
 * another: a check a tick late would let the burst through. Keeping a count of our own would
 * add a listener to every socket.
 */
const connections = (server: Server): number => (server as unknown as { _connections: number })._connections;

/** Watches `server` (listening on `port`, `hostname`). `stop()` ends the watch before a real close. */
export function guardAccepts(server: Server, hostname: string, port: number, bounds: AcceptBounds): { stop(): void } {
  let paused = false;
  let stopped = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const pause = () => {
    paused = true;
    // net's close, not http's: http's also ends idle keep-alive connections and the header
    // timeout checks, which must go on for the connections this worker keeps.
    net.Server.prototype.close.call(server);
    timer = setInterval(() => {
      if (stopped || !paused || connections(server) >= bounds.low) return;
      paused = false;
      clearInterval(timer);
      // The same port: with port 0 a new listen would get another.
      server.listen(port, hostname);
    }, bounds.checkMs);
    timer.unref();
  };
  const onConnection = () => {
    if (!paused && !stopped && connections(server) >= bounds.high) pause();
  };
  // A failed listen again (the port taken meanwhile) must not end the worker: try again later.
  const onError = (err: Error) => {
    if (stopped || paused || server.listening) console.error(`c512k: server error: ${err.message}`);
    else {
      console.error(`c512k: listening again on ${hostname}:${port} failed (${err.message}); retrying`);
      pause();
    }
  };
  server.on("connection", onConnection);
  server.on("error", onError);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      server.off("connection", onConnection);
      server.off("error", onError);
    },
  };
}
