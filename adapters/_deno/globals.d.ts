/**
 * The few Deno globals the adapters and the client touch, declared by hand (as srvx does) so type
 * checking needs no Deno lib, and nothing else of Deno's leaks in.
 */

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
