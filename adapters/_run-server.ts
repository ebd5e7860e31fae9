/** Start-up shared by every adapter: flags, scenario, app, listen, and shutdown on a signal. */
import process from "node:process";
import { GOING_AWAY } from "../src/close-codes.ts";
import { createApp } from "../src/app.ts";
import type { Adapter } from "./_adapter.ts";
import { parseServerOptions, SERVER_USAGE, UsageError } from "./_options.ts";
import { bundleScenario } from "./_scenario-bundle.ts";

/** How long shutdown waits for close handshakes before exiting anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

function fail(message: string, code: number): never {
  console.error(`c512k: ${message}`);
  process.exit(code);
}

export async function runServer(adapter: Adapter, args: string[]): Promise<void> {
  let options;
  try {
    options = parseServerOptions(args);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n${SERVER_USAGE}`, 2);
    throw err;
  }
  if (!options) {
    console.log(SERVER_USAGE);
    return;
  }

  const scenario = await bundleScenario(options.scenarioFile).catch((err) => fail(err.message, 1));
  const { app, counters, registry } = createApp({
    upgradeWebSocket: adapter.upgradeWebSocket,
    scenario,
    runtime: adapter.runtime,
    maxPayload: options.maxPayload,
  });

  const server = await adapter
    .serve(app, { hostname: options.hostname, port: options.port, maxPayload: options.maxPayload })
    .catch((err) => fail(`cannot listen on ${options.hostname}:${options.port}: ${err.message}`, 1));
  const { name, version } = adapter.runtime;
  console.log(`listening on http://${options.hostname}:${server.port} (${name} ${version})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${registry.size} sockets with ${GOING_AWAY}`);
    const closing = server.close();
    registry.closeAll(GOING_AWAY, "server shutting down");
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (counters.open > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // Deno's shutdown waits for upgraded connections too; never let it hold the exit.
    await Promise.race([closing, new Promise((r) => setTimeout(r, 100))]);
    console.log(`stopped: ${counters.accepted} accepted, ${counters.open} still open`);
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
