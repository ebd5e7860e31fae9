/** The one shape every runtime adapter exports, so the start-up code never names a runtime. */
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import type { RuntimeInfo } from "../src/stats.ts";

export interface ServeOptions {
  hostname: string;
  /** 0 asks the kernel for a free port; `RunningServer.port` says which. */
  port: number;
  /** Largest accepted message, in bytes, enforced by the runtime where it can. */
  maxPayload: number;
}

export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /** Stops accepting connections; open sockets are the registry's to close. */
  close(): Promise<void>;
}

export interface Adapter {
  runtime: RuntimeInfo;
  // deno-lint-ignore no-explicit-any -- each runtime's helper has its own raw socket type
  upgradeWebSocket: UpgradeWebSocket<any, any>;
  serve(app: Hono, options: ServeOptions): Promise<RunningServer>;
}

/** A prefixed error for an adapter loaded under the wrong runtime. */
export function wrongRuntime(adapter: string, start: string): Error {
  return new Error(`c512k/adapters/${adapter}: loaded outside ${adapter}; start it with \`${start}\``);
}
