/** The open sockets, so that shutdown can close each with 1001 on any runtime. */

/** The one method every runtime's raw socket shares (`ws`, Deno's WebSocket, Bun's ServerWebSocket). */
export interface Closable {
  close(code?: number, reason?: string): void;
}

/**
 * Keyed by the runtime's raw socket, not by Hono's WSContext: hono/bun makes a new WSContext
 * for every event, so only the raw socket is the same object at open and at close.
 */
export class SocketRegistry {
  readonly #open = new Set<Closable>();

  add(socket: Closable): void {
    this.#open.add(socket);
  }

  /** False when the socket was never added: its close must not be counted. */
  delete(socket: Closable): boolean {
    return this.#open.delete(socket);
  }

  /** Starts the close handshake on every socket; returns how many were asked to close. */
  closeAll(code: number, reason: string): number {
    let n = 0;
    for (const socket of this.#open) {
      try {
        socket.close(code, reason);
        n++;
      } catch {
        // Already closing: the runtime's close event will still remove it.
      }
    }
    return n;
  }
}
