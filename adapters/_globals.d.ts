/**
 * The few Bun and Deno globals the adapters touch, declared by hand (as srvx does) so type
 * checking needs neither @types/bun nor Deno's lib, and nothing else of theirs leaks in.
 */

interface BunServerWebSocketLike {
  close(code?: number, reason?: string): void;
}

interface BunServer {
  readonly port: number;
  upgrade(request: Request, options?: { data?: unknown }): boolean;
  readonly hostname: string;
  /** Stops listening; the promise settles once every connection has closed. */
  stop(closeActiveConnections?: boolean): Promise<void>;
  /** Open WebSockets, and HTTP requests in flight (upgrades among them). */
  readonly pendingWebSockets: number;
  readonly pendingRequests: number;
}

declare const Bun: {
  readonly version: string;
  /** `true`: a full, synchronous collection. */
  gc(force: boolean): void;
  serve(options: {
    port: number;
    hostname: string;
    reusePort?: boolean;
    /** Seconds an HTTP connection may stay silent; 0 = no bound. */
    idleTimeout?: number;
    tls?: { cert: string; key: string };
    fetch(request: Request, server: BunServer): Response | Promise<Response> | undefined;
    websocket: {
      // deno-lint-ignore no-explicit-any
      open(ws: any): void;
      // deno-lint-ignore no-explicit-any
      message(ws: any, message: any): void;
      // deno-lint-ignore no-explicit-any
      close(ws: any, code?: number, reason?: string): void;
      maxPayloadLength?: number;
      perMessageDeflate?: boolean;
      idleTimeout?: number;
      sendPings?: boolean;
    };
  }): BunServer;
};

declare namespace Deno {
  const version: { deno: string };
  const pid: number;
  const args: string[];
  interface UpgradeWebSocketOptions {
    protocol?: string;
    idleTimeout?: number;
  }
  function upgradeWebSocket(
    request: Request,
    options?: UpgradeWebSocketOptions,
  ): { socket: WebSocket; response: Response };
  function memoryUsage(): { rss: number; heapUsed: number };
  /** (bench/raw/deno.ts) */
  function addSignalListener(signal: "SIGUSR2", handler: () => void): void;
  interface HttpServer {
    readonly finished: Promise<void>;
    shutdown(): Promise<void>;
  }
  function serve(
    options: {
      port: number;
      hostname: string;
      reusePort?: boolean;
      cert?: string;
      key?: string;
      onListen?(addr: { hostname: string; port: number }): void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): HttpServer;
}
