/** One worker process: the core app on every port, sharing them with the other workers. */
import process from "node:process";
import { createApp } from "../src/app.ts";
import { GOING_AWAY } from "../src/close-codes.ts";
import type { Adapter } from "./adapter.ts";
import type { ServerOptions } from "./options.ts";
import { whenOrphaned } from "../system/orphan.ts";
import { gcTimed } from "./gc-timed.ts";
import { bundleScenario } from "./scenario-bundle.ts";
import { scenarioSource } from "../src/scenario-source.ts";
import { reportCounters } from "./totals.ts";
import { supervisorLink } from "./supervisor-link.ts";
import { pushedTotals } from "./totals-push.ts";
import { CONTROL_ENV, MEMORY_PREFIX, PORTS_ENV, SCENARIO_ENV } from "./worker-link.ts";

/** Shutdown closes a batch of sockets per tick: fine enough to pace, coarse enough to be cheap. */
const CLOSE_TICK_MS = 20;

export async function runWorker(adapter: Adapter, options: ServerOptions, id: number): Promise<void> {
  const control = process.env[CONTROL_ENV]!;
  const ports = process.env[PORTS_ENV]!.split(",").map(Number);
  const bundled = process.env[SCENARIO_ENV];
  const scenario = bundled === undefined ? await bundleScenario(options.scenarioFile) : await scenarioSource(bundled);
  const { app, counters, registry, drain } = createApp({
    upgrade: adapter.upgrade,
    upgradeChecksHandshake: adapter.upgradeChecksHandshake,
    scenario,
    runtime: adapter.runtime,
    maxPayload: options.maxPayload,
    supervisor: supervisorLink(control, pushedTotals()),
    peerAddress: adapter.peerAddress,
  });

  const servers = await Promise.all(
    ports.map((port) =>
      adapter.serve(app, {
        hostname: options.hostname,
        port,
        maxPayload: options.maxPayload,
        reusePort: true,
        workers: options.workers,
        handshakeTimeout: options.handshakeTimeout,
        idleTimeout: options.idleTimeout,
        tls: options.tls,
      })
    ),
  );
  const reporter = reportCounters(counters, adapter.runtime);
  console.log(
    `listening on ${options.tls ? "https" : "http"}://${options.hostname}:${
      servers.map((s) => s.port).join(",")
    } (worker ${id})`,
  );

  // Memory after GC on request: a local signal, so no peer can make the server collect.
  process.on("SIGUSR2", () => {
    const gc = gcTimed(adapter.runtime.collectGarbage);
    const memory = adapter.runtime.memory();
    process.stdout.write(`${MEMORY_PREFIX}${JSON.stringify({ open: counters.open, ...memory, ...gc })}\n`);
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    reporter.stop();
    const deadline = Date.now() + options.shutdownTimeout * 1000;
    drain();
    await Promise.race([Promise.all(servers.map((s) => s.close())), new Promise((r) => setTimeout(r, 100))]);
    // Paced: each worker takes its share of --close-rate, a batch every tick.
    const closeSome = registry.closer(GOING_AWAY, "server shutting down");
    const perTick = (options.closeRate / options.workers) * (CLOSE_TICK_MS / 1000);
    let allowance = 0;
    let asked = 0;
    for (let more = true; more && Date.now() < deadline;) {
      allowance += perTick;
      const n = Math.floor(allowance);
      allowance -= n;
      const done = closeSome(n);
      asked += done;
      more = n === 0 || done === n;
      if (more) await new Promise((r) => setTimeout(r, CLOSE_TICK_MS));
    }
    while (counters.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, CLOSE_TICK_MS));
    if (counters.open > 0) {
      console.error(
        `${counters.open} sockets still open after ${options.shutdownTimeout} s (${asked} asked to close); exiting`,
      );
    }
    // The last report, so the supervisor's totals end exact.
    reporter.report();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  whenOrphaned(stop);
}
