/** The core Hono app: routes and echo, no runtime. Adapters hand it their `upgradeWebSocket`. */
import { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { createEcho } from "./echo.ts";
import { refuseHandshake } from "./handshake.ts";
import type { ScenarioSource } from "./scenario-source.ts";
import { SocketRegistry } from "./socket-registry.ts";
import { Counters, type RuntimeInfo } from "./stats.ts";

export interface AppOptions {
  // deno-lint-ignore no-explicit-any -- each runtime's helper has its own raw socket type
  upgradeWebSocket: UpgradeWebSocket<any, any>;
  scenario: ScenarioSource;
  runtime: RuntimeInfo;
  /** Largest accepted message, in bytes. */
  maxPayload: number;
  /**
   * The runtime's own upgrade refuses every handshake that refuseHandshake refuses (each adapter
   * says whether its does): then the check runs only after a refusal, to explain it, and a good
   * handshake never has its headers read in JS, where the first read may build a Headers object
   * per accept (a few µs, near the noise: docs/packages.md, "What the helpers save").
   * Otherwise the check comes first, so a runtime that upgrades a malformed handshake never sees it.
   */
  upgradeChecksHandshake?: boolean;
  /** Where several processes share the load: the totals, which this process alone does not know. */
  totals?: () => Promise<unknown>;
}

export interface CoreApp {
  app: Hono;
  counters: Counters;
  registry: SocketRegistry;
  /** From now on /ws answers 503: the server is shutting down (for runtimes that cannot stop accepting alone). */
  drain(): void;
}

export const ROUTES = ["/scenario", "/ws", "/stats"] as const;

export function createApp(options: AppOptions): CoreApp {
  const { upgradeWebSocket, scenario, runtime, maxPayload } = options;
  const checkFirst = !options.upgradeChecksHandshake;
  const counters = new Counters();
  const registry = new SocketRegistry();
  const echo = createEcho({ counters, registry, maxPayload });
  const etag = `"${scenario.sha256}"`;
  const app = new Hono();

  app.get("/scenario", (c) => {
    c.header("ETag", etag);
    c.header("Cache-Control", "no-cache");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    c.header("Content-Type", "text/javascript; charset=utf-8");
    return c.body(scenario.code);
  });

  let draining = false;
  app.get(
    "/ws",
    (c, next) => {
      if (draining) {
        return c.text("503 Service Unavailable: the server is shutting down\n", 503, { Connection: "close" });
      }
      return (checkFirst ? refuseHandshake(c) : null) ?? next();
    },
    upgradeWebSocket(() => echo),
    // Not upgraded: why, in the same words on every runtime.
    (c) =>
      refuseHandshake(c) ??
        c.text("426 Upgrade Required: /ws speaks WebSocket only; connect with a WebSocket client\n", 426, {
          Upgrade: "websocket",
        }),
  );

  const totals = options.totals;
  app.get("/stats", async (c) => {
    if (!totals) return c.json(counters.snapshot(runtime));
    try {
      return c.json(await totals());
    } catch (err) {
      // The totals live elsewhere (the supervisor): say why they are missing, give our own.
      const error = `totals unavailable: ${(err as Error).message}`;
      return c.json({ error, worker: counters.snapshot(runtime) }, 503);
    }
  });

  app.notFound((c) => c.text(`404 Not Found: ${c.req.method} ${c.req.path}; routes: ${ROUTES.join(", ")}\n`, 404));

  app.onError((err, c) => {
    console.error(`c512k: ${c.req.method} ${c.req.path} failed:`, err);
    return c.text("500 Internal Server Error\n", 500);
  });

  return { app, counters, registry, drain: () => (draining = true) };
}
