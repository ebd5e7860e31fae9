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

  /**
   * A closer that works through the open sockets a batch at a time, so that closing 500,000
   * does not stall the process (and the machine) in one loop. Each call asks up to `n` more
   * sockets to close and returns how many it asked; 0 means none are left. (A Set's iterator
   * survives the deletions that the closes cause.)
   */
  closer(code: number, reason: string): (n: number) => number {
    const sockets = this.#open.values();
    return (n) => {
      let asked = 0;
      while (asked < n) {
        const next = sockets.next();
        if (next.done) break;
        asked++;
        try {
          next.value.close(code, reason);
        } catch {
          // Already closing: the runtime's close event will still remove it.
        }
      }
      return asked;
    };
  }
}
