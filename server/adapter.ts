/** The one shape every runtime adapter exports, so the start-up code never names a runtime. */
import type { Context, Hono } from "hono";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import type { RuntimeInfo } from "../src/stats.ts";
import type { WebSocketUpgrade } from "../src/app.ts";

export interface ServeOptions {
  hostname: string;
  /** 0 asks the kernel for a free port; `RunningServer.port` says which. */
  port: number;
  /** Largest accepted message, in bytes, enforced by the runtime where it can. */
  maxPayload: number;
  /** Share the port with the other workers (SO_REUSEPORT), where the runtime shares that way. */
  reusePort: boolean;
  /** Workers sharing the port, this one included: sizes a listening socket they all share. */
  workers: number;
  /** Seconds a connection may take to send its request headers; 0 = no bound. */
  handshakeTimeout: number;
  /** Seconds of silence after which a socket is pinged, then closed if still silent; 0 = never. */
  idleTimeout: number;
  /** PEM certificate and key: TLS on every connection. */
  tls?: { cert: string; key: string };
}

/** One worker process, as the supervisor sees it. */
export interface WorkerProcess {
  pid: number;
  /** Where the supervisor pushes the totals (server/totals-push.ts). */
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /**
   * Stops accepting connections where the runtime can do so without closing the open sockets
   * (those are the registry's to close, at a pace); where it cannot, the core's drain() refuses.
   */
  close(): Promise<void>;
}

export interface Adapter {
  runtime: RuntimeInfo;
  upgrade: WebSocketUpgrade;
  /** Its upgrade refuses every malformed handshake by itself (AppOptions.upgradeChecksHandshake). */
  upgradeChecksHandshake: boolean;
  serve(app: Hono, options: ServeOptions): Promise<RunningServer>;
  /** The address of the peer of a request that came through `serve`. */
  peerAddress(c: Context): string | undefined;
  /** Starts this same server entry again as a worker, with `env` added. */
  startWorker(env: Record<string, string>): WorkerProcess;
}

type Memory = { rss: number; heapUsed: number };

/**
 * `read`, or the last reading it gave when it cannot give one now. Every runtime reads RSS from
 * /proc through a file it opens: at the open-file limit, where a full worker lives, Node and Bun
 * throw (EMFILE) and Deno answers 0. A Bun worker holding 19,993 sockets died of it in its
 * once-a-second report, and took them all down (docs/server.md, "Workers").
 */
export function lastGoodMemory(read: () => Memory): () => Memory {
  let last: Memory = { rss: 0, heapUsed: 0 };
  return () => {
    try {
      const m = read();
      if (m.rss > 0) last = m;
    } catch {
      // At the open-file wall: the last reading stands until a file can be opened again.
    }
    return last;
  };
}

/** RSS and JS heap where the runtime has Node's `process.memoryUsage` (Node, Bun). */
export const processMemory = lastGoodMemory(() => {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
});

/** A prefixed error for an adapter loaded under the wrong runtime. */
export function wrongRuntime(adapter: string, start: string): Error {
  return new Error(`c512k/adapters/${adapter}: loaded outside ${adapter}; start it with \`${start}\``);
}
