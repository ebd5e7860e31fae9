/**
 * `GET /dashboard/events`: the dashboard's Server-Sent Events. One frame a second for every
 * stream, fetched once a second from the supervisor whatever the number of streams (and not at
 * all while none is open): the server pays O(workers) a second, not O(sockets) nor O(streams).
 * A stream the browser dropped leaves the set at once; shutdown closes them all.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Counters } from "./stats.ts";

const EVERY_MS = 1_000;
/** Per worker process: beyond, 503. 1,000 streams cost ~1,000 small writes a second. */
export const MAX_STREAMS = 1_000;

interface Listener {
  send(frame: string): void;
  close(): void;
}

export class DashboardStreams {
  readonly #listeners = new Set<Listener>();
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #frame: () => Promise<string>;
  readonly #counters: Counters;

  /** `frame`: the frame of the moment, as JSON (from the supervisor). */
  constructor(frame: () => Promise<string>, counters: Counters) {
    this.#frame = frame;
    this.#counters = counters;
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** The route's handler. */
  handle(c: Context): Response | Promise<Response> {
    if (this.#listeners.size >= MAX_STREAMS) {
      return c.text(`503 Service Unavailable: ${MAX_STREAMS} dashboard streams already open here\n`, 503);
    }
    return streamSSE(c, async (stream) => {
      let end: () => void = () => {};
      const ended = new Promise<void>((resolve) => (end = resolve));
      const listener: Listener = {
        send: (frame) => void stream.writeSSE({ data: frame }).catch(end),
        close: end,
      };
      stream.onAbort(end);
      this.#add(listener);
      try {
        await ended;
      } finally {
        this.#remove(listener);
      }
    });
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const l of [...this.#listeners]) l.close();
  }

  #add(l: Listener): void {
    this.#listeners.add(l);
    this.#counters.streams = this.#listeners.size;
    this.#timer ??= setInterval(() => this.#tick(), EVERY_MS);
  }

  #remove(l: Listener): void {
    this.#listeners.delete(l);
    this.#counters.streams = this.#listeners.size;
    if (this.#listeners.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #tick(): Promise<void> {
    let frame: string;
    try {
      frame = await this.#frame();
    } catch {
      return; // the supervisor is busy or gone: the page keeps its last frame, and says nothing new
    }
    for (const l of this.#listeners) l.send(frame);
  }
}
