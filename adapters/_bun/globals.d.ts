/**
 * The few Bun globals the adapters and the client touch, declared by hand (as srvx does) so type
 * checking needs no @types/bun, and nothing else of Bun's leaks in.
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
