/**
 * Keeps a Node worker from accepting past its open-file limit. Node's workers share one listening
 * socket (cluster, SCHED_NONE), or from 22.12 each listens on one of its own (reusePort); at EMFILE libuv accepts and closes at once (its reserve-file
 * trick), so a full worker would drop connections that another worker could have held. Here a
 * worker near its limit closes its own copy of the listening socket and opens it again once it
 * holds fewer: the others take the new connections meanwhile.
 */
import { type Server } from "node:net";
import net from "node:net";
import type { AcceptBounds } from "../../server/accept-bounds.ts";

/** Node's own accept queue for a listening socket (net.Server.listen's default backlog). */
export const NODE_BACKLOG = 511;

/**
 * The accept queue to ask for on a port `workers` cluster workers share. Bun's and Deno's
 * workers each listen on a socket of their own (reusePort) with a queue of ~511 each; Node's
 * share one, which at its default held 1/33 of theirs at 33 workers and overflowed through a
 * 512,000 ramp (86,159 overflows, 337 failed connects). So it holds what theirs hold together;
 * the kernel caps it at net.core.somaxconn (doctor says how to raise that).
 */
export const sharedBacklog = (workers: number): number => NODE_BACKLOG * Math.max(1, workers);

/**
 * net.Server's own count of its open connections, read at once. getConnections() gives the same
 * number a tick later, but libuv accepts a whole backlog in one go, one 'connection' event after
 * another: a check a tick late would let the burst through. Keeping a count of our own would
 * add a listener to every socket.
 */
const connections = (server: Server): number => (server as unknown as { _connections: number })._connections;

/** Where and how a watched server listens, to listen again the same way. */
export interface ListenAt {
  host: string;
  port: number;
  backlog: number;
  /** A socket of this worker's own (SO_REUSEPORT), not one cluster workers share. */
  reusePort?: boolean;
}

interface Listener {
  at: ListenAt;
  onConnection(): void;
  onError(err: Error): void;
}

/**
 * The process's servers, one per port (--ports): the open-file limit is the process's, so the
 * count is over all of them, and all stop and start accepting together.
 */
export class AcceptGuard {
  readonly #servers = new Map<Server, Listener>();
  #paused = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  readonly #bounds: AcceptBounds;

  constructor(bounds: AcceptBounds) {
    this.#bounds = bounds;
  }

  /** Connections open on every watched server. */
  open(): number {
    let n = 0;
    for (const server of this.#servers.keys()) n += connections(server);
    return n;
  }

  /** Watches `server`, listening `at`. The returned stop() ends it, before a real close. */
  watch(server: Server, at: ListenAt): { stop(): void } {
    const listener: Listener = {
      at,
      onConnection: () => {
        if (!this.#paused && this.open() >= this.#bounds.high) this.#pause();
      },
      // A failed listen again (the port taken meanwhile) must not end the worker: it is tried again.
      onError: (err) => {
        console.error(
          `c512k: ${server.listening ? "server error" : `listening on ${at.host}:${at.port} failed`}: ${err.message}`,
        );
        if (!server.listening && !this.#paused) this.#pause();
      },
    };
    this.#servers.set(server, listener);
    server.on("connection", listener.onConnection);
    server.on("error", listener.onError);
    return {
      stop: () => {
        server.off("connection", listener.onConnection);
        server.off("error", listener.onError);
        this.#servers.delete(server);
      },
    };
  }

  #pause(): void {
    this.#paused = true;
    // net's close, not http's: http's also ends idle keep-alive connections and the header
    // timeout checks, which must go on for the connections this worker keeps.
    for (const server of this.#servers.keys()) if (server.listening) net.Server.prototype.close.call(server);
    this.#timer = setInterval(() => this.#resumeWhenBelow(), this.#bounds.checkMs);
    this.#timer.unref();
  }

  #resumeWhenBelow(): void {
    if (this.open() >= this.#bounds.low) return;
    this.#paused = false;
    clearInterval(this.#timer);
    // The same port: with port 0 a new listen would get another.
    for (const [server, { at }] of this.#servers) if (!server.listening) server.listen(at);
  }
}
