/** The core Hono app: routes and echo, no runtime. Adapters hand it their `upgrade`. */
import { type Context, Hono } from "hono";
import { DashboardStreams } from "./dashboard-stream.ts";
import type { WSEvents } from "hono/ws";
import { createEcho } from "./echo.ts";
import { refuseHandshake } from "./handshake.ts";
import type { ScenarioSource } from "./scenario-source.ts";
import { SocketRegistry } from "./socket-registry.ts";
import { Counters, type RuntimeInfo } from "./stats.ts";
import { bodyLimit } from "hono/body-limit";
import { MAX_BODY_BYTES } from "./runs/run-shapes.ts";
import { tooLarge } from "./runs/runs-routes.ts";

/**
 * A runtime's WebSocket upgrade: hands the request's socket to `events` and returns what the
 * route answers (the runtime may send nothing of it), or undefined when it did not upgrade.
 * Synchronous, unlike hono/ws's helpers, so that /ws is one plain handler: Hono then answers
 * without composing middleware or awaiting anything, a fifth of an accept's CPU on Bun
 * (docs/packages.md, "What the helpers save").
 */
// deno-lint-ignore no-explicit-any -- each runtime has its own raw socket type
export type WebSocketUpgrade = (c: Context, events: WSEvents<any>) => Response | undefined;

export interface AppOptions {
  upgrade: WebSocketUpgrade;
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
  /** Where several processes share the load: what this process alone does not know. */
  supervisor?: SupervisorLink;
  /** The address of a request's peer (the adapter knows how to read it). */
  peerAddress?: (c: Context) => string | undefined;
}

/** What the supervisor knows for all workers (server/supervisor-link.ts fetches it). */
export interface SupervisorLink {
  /** The totals of /stats. */
  totals(): Promise<unknown>;
  /** /metrics, in Prometheus's text format. */
  metrics(): Promise<{ body: string; contentType: string }>;
  /** The dashboard's page, or its script. */
  dashboard(file: "page" | "script"): Promise<string>;
  /** The dashboard's frame of the moment, as JSON. */
  frame(): Promise<string>;
  /** A `/runs` request, answered by the supervisor, which keeps the runs; `peer` is who sent it. */
  runs(request: Request, peer: string): Promise<Response>;
}

export interface CoreApp {
  app: Hono;
  counters: Counters;
  registry: SocketRegistry;
  /**
   * From now on /ws answers 503 (for runtimes that cannot stop accepting alone) and dashboard
   * streams end: the server is shutting down.
   */
  drain(): void;
}

export const ROUTES = ["/scenario", "/ws", "/stats", "/metrics", "/dashboard", "/dashboard/events", "/runs"] as const;

export function createApp(options: AppOptions): CoreApp {
  const { upgrade, scenario, runtime, maxPayload } = options;
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
  app.get("/ws", (c) => {
    if (draining) {
      counters.refuse(503);
      return c.text("503 Service Unavailable: the server is shutting down\n", 503, { Connection: "close" });
    }
    const refused = checkFirst ? refuseHandshake(c) : null;
    if (refused) return counted(refused);
    return upgrade(c, echo) ??
      // Not upgraded: why, in the same words on every runtime (checked above already, if first).
      counted(
        (checkFirst ? null : refuseHandshake(c)) ??
          c.text("426 Upgrade Required: /ws speaks WebSocket only; connect with a WebSocket client\n", 426, {
            Upgrade: "websocket",
          }),
      );
  });

  const supervisor = options.supervisor;
  app.get("/stats", async (c) => {
    if (!supervisor) return c.json(counters.snapshot(runtime));
    try {
      return c.json(await supervisor.totals());
    } catch (err) {
      // The totals live elsewhere (the supervisor): say why they are missing, give our own.
      const error = `totals unavailable: ${(err as Error).message}`;
      return c.json({ error, worker: counters.snapshot(runtime) }, 503);
    }
  });

  // Metrics and the dashboard are the supervisor's: without one, say so.
  const fromSupervisor = async (c: Context, what: string, answer: (s: SupervisorLink) => Promise<Response>) => {
    if (!supervisor) return c.text(`503 Service Unavailable: no supervisor here to give ${what}\n`, 503);
    try {
      return await answer(supervisor);
    } catch (err) {
      return c.text(`503 Service Unavailable: ${what} unavailable: ${(err as Error).message}\n`, 503);
    }
  };
  app.get("/metrics", (c) =>
    fromSupervisor(c, "metrics", async (s) => {
      const { body, contentType } = await s.metrics();
      return c.body(body, 200, { "Content-Type": contentType });
    }));
  app.get("/dashboard", (c) => fromSupervisor(c, "the dashboard", async (s) => c.html(await s.dashboard("page"))));
  app.get(
    "/dashboard.js",
    (c) =>
      fromSupervisor(c, "the dashboard", async (s) =>
        c.body(await s.dashboard("script"), 200, {
          "Content-Type": "text/javascript; charset=utf-8",
          "Cache-Control": "no-cache",
        })),
  );
  const streams = supervisor ? new DashboardStreams(() => supervisor.frame(), counters) : null;
  app.get("/dashboard/events", (c) => {
    if (!streams) return c.text("503 Service Unavailable: no supervisor here to give the dashboard\n", 503);
    if (draining) return c.text("503 Service Unavailable: the server is shutting down\n", 503);
    return streams.handle(c);
  });

  // Runs live in the supervisor: bounded here before the body is read, then passed on whole.
  app.on(
    ["GET", "POST"],
    ["/runs", "/runs/*"],
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge }),
    (c) => fromSupervisor(c, "runs", (s) => s.runs(c.req.raw, options.peerAddress?.(c) ?? "unknown")),
  );

  app.notFound((c) => c.text(`404 Not Found: ${c.req.method} ${c.req.path}; routes: ${ROUTES.join(", ")}\n`, 404));

  app.onError((err, c) => {
    console.error(`c512k: ${c.req.method} ${c.req.path} failed:`, err);
    return c.text("500 Internal Server Error\n", 500);
  });

  /** A refusal, counted by its status on its way out. */
  function counted<R extends Response | null>(res: R): R {
    if (res) counters.refuse(res.status);
    return res;
  }

  return {
    app,
    counters,
    registry,
    drain: () => {
      draining = true;
      streams?.closeAll();
    },
  };
}
