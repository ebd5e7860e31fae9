/**
 * Keeps a Bun worker from listening past its open-file limit. Each Bun worker listens on a socket
 * of its own (reusePort), and at EMFILE uWebSockets leaves the connections the kernel hashed to it
 * in that socket's queue, where they wait until their client gives up, though another worker has
 * room. Here a worker near its limit stops listening (stop(false): what it holds stays open), so
 * the kernel hashes new connections to the others, and listens on the same port again once it
 * holds fewer. _node/accept-guard.ts does the same for Node's shared socket.
 */
import type { AcceptBounds } from "../../server/accept-bounds.ts";

interface Port {
  listen(): BunServer;
  current: BunServer;
  listening: boolean;
}

/** A worker's servers, one per port (--ports): the open-file limit is the process's. */
export class BunAcceptGuard {
  readonly #ports: Port[] = [];
  /** Every server that may still hold sockets, stopped ones too: their sockets are open files. */
  readonly #servers = new Set<BunServer>();
  #paused = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #bounds: AcceptBounds;

  constructor(bounds: AcceptBounds) {
    this.#bounds = bounds;
  }

  /** Listens with `listen`, and with it again after a pause. stop() ends listening for good. */
  watch(listen: () => BunServer): { port: number; stop(): Promise<void> } {
    const port: Port = { listen, current: listen(), listening: true };
    this.#ports.push(port);
    this.#servers.add(port.current);
    return {
      port: port.current.port,
      stop: () => {
        this.#ports.splice(this.#ports.indexOf(port), 1);
        if (this.#ports.length === 0) clearInterval(this.#timer);
        return port.current.stop(false);
      },
    };
  }

  /** Sockets open or being upgraded, over every server of the process. */
  open(): number {
    let n = 0;
    for (const server of this.#servers) n += server.pendingWebSockets + server.pendingRequests;
    return n;
  }

  /** Called as each socket opens: past the high mark, stop listening. */
  opened(): void {
    if (!this.#paused && this.open() >= this.#bounds.high) this.#pause();
  }

  #pause(): void {
    this.#paused = true;
    // Not awaited: stop(false)'s promise settles only when the last of its sockets has closed.
    for (const port of this.#ports) {
      port.current.stop(false);
      port.listening = false;
    }
    this.#timer = setInterval(() => this.#resumeWhenBelow(), this.#bounds.checkMs);
    this.#timer.unref?.();
  }

  #resumeWhenBelow(): void {
    if (this.open() >= this.#bounds.low) return;
    // A stopped server with nothing left is forgotten; one listening again (a port that did, when
    // another failed) stays, empty or not.
    const listening = new Set(this.#ports.filter((p) => p.listening).map((p) => p.current));
    for (const server of this.#servers) {
      if (!listening.has(server) && server.pendingWebSockets + server.pendingRequests === 0) {
        this.#servers.delete(server);
      }
    }
    try {
      for (const port of this.#ports) {
        if (port.listening) continue;
        port.current = port.listen();
        port.listening = true;
        this.#servers.add(port.current);
      }
    } catch (err) {
      // Tried again at the next check; the sockets held meanwhile are not at stake.
      console.error(`c512k: bun: listening again failed: ${(err as Error).message}`);
      return;
    }
    this.#paused = false;
    clearInterval(this.#timer);
  }
}
