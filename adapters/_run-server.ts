/** Start-up shared by every adapter: flags, then the supervisor, or (in a worker process) the app. */
import process from "node:process";
import type { Adapter } from "./_adapter.ts";
import { parseServerOptions, SERVER_USAGE, UsageError } from "./_options.ts";
import { supervise } from "./_supervisor.ts";
import { runWorker } from "./_worker.ts";
import { WORKER_ENV } from "./_worker-link.ts";

export function fail(message: string, code: number): never {
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
  const workerId = process.env[WORKER_ENV];
  if (workerId === undefined) await supervise(adapter, options);
  else await runWorker(adapter, options, Number(workerId));
}
