/** One worker process: the core app on every port, sharing them with the other workers. */
import process from "node:process";
import { createApp } from "../src/app.ts";
import { GOING_AWAY } from "../src/close-codes.ts";
import type { Adapter } from "./_adapter.ts";
import type { ServerOptions } from "./_options.ts";
import { whenOrphaned } from "../system/orphan.ts";
import { bundleScenario } from "./_scenario-bundle.ts";
import { CONTROL_ENV, PORTS_ENV, STATS_EVERY_MS, STATS_PREFIX } from "./_worker-link.ts";

/** How long shutdown waits for close handshakes before exiting anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

export async function runWorker(adapter: Adapter, options: ServerOptions, id: number): Promise<void> {
  const control = process.env[CONTROL_ENV]!;
  const ports = process.env[PORTS_ENV]!.split(",").map(Number);
  const scenario = await bundleScenario(options.scenarioFile);
  const { app, counters, registry } = createApp({
    upgradeWebSocket: adapter.upgradeWebSocket,
    scenario,
    runtime: adapter.runtime,
    maxPayload: options.maxPayload,
    totals: async () => {
      const res = await fetch(`${control}/stats`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`supervisor answered ${res.status}`);
      return await res.json();
    },
  });

  const servers = await Promise.all(
    ports.map((port) =>
      adapter.serve(app, { hostname: options.hostname, port, maxPayload: options.maxPayload, reusePort: true })
    ),
  );
  const report = () => process.stdout.write(`${STATS_PREFIX}${JSON.stringify(counters.snapshot(adapter.runtime))}\n`);
  const reporter = setInterval(report, STATS_EVERY_MS);
  console.log(`listening on http://${options.hostname}:${servers.map((s) => s.port).join(",")} (worker ${id})`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(reporter);
    await Promise.race([Promise.all(servers.map((s) => s.close())), new Promise((r) => setTimeout(r, 100))]);
    registry.closeAll(GOING_AWAY, "server shutting down");
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (counters.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // The last report, so the supervisor's totals end exact.
    report();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  whenOrphaned(stop);
}
