/**
 * The supervisor: starts the workers, restarts one that dies, keeps the totals for /stats, and
 * on SIGINT/SIGTERM stops them all. It holds no client socket itself, so its own open-file limit
 * never bounds the count.
 */
import { Hono } from "hono";
import process from "node:process";
import { createInterface } from "node:readline";
import type { Adapter, WorkerProcess } from "./adapter.ts";
import type { ServerOptions } from "./options.ts";
import { fail } from "./fail.ts";
import { freePort } from "./free-port.ts";
import { whenOrphaned } from "../system/orphan.ts";
import { bundleScenario } from "./scenario-bundle.ts";
import { Totals } from "./totals.ts";
import { pushTotals } from "./totals-push.ts";
import { createMetrics, METRICS_CONTENT_TYPE } from "./metrics.ts";
import { cpuSeconds } from "../system/proc.ts";
import { toFrame } from "./dashboard/frame.ts";
import { RUN_TIMINGS, RunRegistry } from "../src/runs/run-registry.ts";
import { runsRoutes } from "../src/runs/runs-routes.ts";
import { dashboardPage } from "./dashboard/page-html.ts";
import { dashboardAssets } from "./dashboard-bundle.ts";
import { CONTROL_ENV, PORTS_ENV, SCENARIO_ENV, SCENARIO_ENV_MAX, WORKER_ENV } from "./worker-link.ts";

/** A worker that dies this often within CRASH_WINDOW_MS is not restarted again. */
const CRASH_LIMIT = 5;
const CRASH_WINDOW_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
/** Workers get --shutdown-timeout to close their sockets after SIGTERM, then this much more, then SIGKILL. */
const STOP_MARGIN_MS = 5_000;

interface Slot {
  id: number;
  /** The slot's current process; a restart replaces it. */
  proc: WorkerProcess;
  restarts: number;
  deaths: number[];
  listening: boolean;
}

/** Port 0 means "any free port": pick one here, so that every worker binds the same one. */
function resolvePort(hostname: string, port: number): Promise<number> {
  return port !== 0 ? Promise.resolve(port) : freePort(hostname);
}

export async function supervise(adapter: Adapter, options: ServerOptions): Promise<void> {
  const startedAt = Date.now();
  // Bundle once, here: a scenario that does not build is refused before any worker starts.
  const scenario = await bundleScenario(options.scenarioFile).catch((err) => fail(err.message, 1));
  const scenarioEnv: Record<string, string> = new TextEncoder().encode(scenario.code).length <= SCENARIO_ENV_MAX
    ? { [SCENARIO_ENV]: scenario.code }
    : {};
  const ports = await Promise.all(options.ports.map((p) => resolvePort(options.hostname, p)))
    .catch((err) => fail(`cannot listen on ${options.hostname}:${options.ports.join(",")}: ${err.message}`, 1));

  const slots: Slot[] = [];
  let stopping = false;
  const counts = new Totals(() => ({
    runtime: adapter.runtime.name,
    version: adapter.runtime.version,
    pid: adapter.runtime.pid,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
  }));
  const totals = () => counts.snapshot(slots.map((s) => ({ id: s.id, pid: s.proc.pid, restarts: s.restarts })));

  const metrics = createMetrics({ totals, cpuSeconds }, adapter.runtime.name);
  const runs = new RunRegistry(Date.now, { ...RUN_TIMINGS, lostAfterMs: options.runLostAfter * 1000 });
  const title = `c512k: ${adapter.runtime.name} ${adapter.runtime.version}, ${options.workers} workers`;
  const controlApp = new Hono()
    .route("/runs", runsRoutes(runs, options.runToken))
    .get("/stats", (c) => c.json(totals()))
    .get("/metrics", async (c) => c.body(await metrics.metrics(), 200, { "Content-Type": METRICS_CONTENT_TYPE }))
    .get("/frame", (c) => c.json(toFrame(totals(), Date.now(), runs.frames())))
    .get("/dashboard", async (c) => c.html(dashboardPage({ title, css: (await dashboardAssets()).css, script: null })))
    .get(
      "/dashboard.js",
      async (c) => c.body((await dashboardAssets()).script, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
    );
  const control = await adapter.serve(controlApp, {
    hostname: "127.0.0.1",
    port: 0,
    maxPayload: 1024,
    reusePort: false,
    workers: 1,
    handshakeTimeout: 10,
    idleTimeout: 0,
  });
  const controlUrl = `http://127.0.0.1:${control.port}`;

  const spawnWorker = (id: number) =>
    adapter.startWorker({
      [WORKER_ENV]: String(id),
      [CONTROL_ENV]: controlUrl,
      [PORTS_ENV]: ports.join(","),
      ...scenarioEnv,
    });

  /** Reads slot `s`'s current process (its stats lines, its log) and restarts it when it dies. */
  const watch = (s: Slot): Slot => {
    const proc = s.proc;
    // A dead worker's stdin is a broken pipe: its death is handled below, not as an error here.
    proc.stdin.on("error", () => {});
    createInterface({ input: proc.stdout }).on("line", (line) => {
      if (counts.take(s.id, line)) return;
      if (line.startsWith("listening on ")) s.listening = true;
      else console.log(`[worker ${s.id}] ${line}`);
    });
    createInterface({ input: proc.stderr }).on("line", (line) => console.error(`[worker ${s.id}] ${line}`));
    proc.exited.then((how) => {
      if (stopping) return;
      counts.died(s.id);
      const now = Date.now();
      s.deaths = [...s.deaths.filter((t) => now - t < CRASH_WINDOW_MS), now];
      if (s.deaths.length >= CRASH_LIMIT) {
        console.error(
          `c512k: worker ${s.id} died ${CRASH_LIMIT} times in ${CRASH_WINDOW_MS / 1000} s; not restarting it`,
        );
        return;
      }
      console.error(`c512k: worker ${s.id} (pid ${proc.pid}) died (${how}); restarting it`);
      s.restarts++;
      s.proc = spawnWorker(s.id);
      s.listening = false;
      watch(s);
    });
    return s;
  };

  for (let id = 0; id < options.workers; id++) {
    slots.push(watch({ id, proc: spawnWorker(id), restarts: 0, deaths: [], listening: false }));
  }
  pushTotals(totals, () => slots.map((s) => s.proc.stdin));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!slots.every((s) => s.listening)) {
    if (Date.now() > deadline) fail(`workers did not start within ${START_TIMEOUT_MS / 1000} s`, 1);
    if (slots.some((s) => s.deaths.length >= CRASH_LIMIT)) fail("workers keep dying at start-up (see above)", 1);
    await new Promise((r) => setTimeout(r, 20));
  }

  const { name, version } = adapter.runtime;
  const where = ports.length === 1 ? `${ports[0]}` : `${ports[0]}-${ports[ports.length - 1]}`;
  const scheme = options.tls ? "https" : "http";
  console.log(`listening on ${scheme}://${options.hostname}:${where} (${name} ${version})`);
  console.log(`${options.workers} worker${options.workers === 1 ? "" : "s"} (${options.workersWhy}); totals at /stats`);
  // For tools on this machine: the supervisor's own port answers even when every worker's accept
  // queue is full (docs/server.md, "Reading the totals under load").
  console.log(`control on ${controlUrl}/stats`);
  const shown = options.hostname === "0.0.0.0" || options.hostname === "::" ? "127.0.0.1" : options.hostname;
  console.log(`dashboard at ${scheme}://${shown}:${ports[0]}/dashboard; Prometheus metrics at /metrics`);

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const since = Date.now();
    console.log(
      `${signal}: no new connections; closing ${totals().connections.open} sockets with 1001, ` +
        `${options.closeRate}/s at most, within ${options.shutdownTimeout} s`,
    );
    for (const s of slots) s.proc.kill("SIGTERM");
    const killer = setTimeout(
      () => slots.forEach((s) => s.proc.kill("SIGKILL")),
      options.shutdownTimeout * 1000 + STOP_MARGIN_MS,
    );
    await Promise.all(slots.map((s) => s.proc.exited));
    clearTimeout(killer);
    const end = totals();
    const took = ((Date.now() - since) / 1000).toFixed(1);
    console.log(`stopped in ${took} s: ${end.connections.accepted} accepted, ${end.connections.open} still open`);
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  whenOrphaned(() => stop("parent gone"));
}
