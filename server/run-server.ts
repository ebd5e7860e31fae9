/** Start-up shared by every adapter: flags, then the supervisor, or (in a worker process) the app. */
import process from "node:process";
import type { Adapter } from "./adapter.ts";
import { parseServerOptions, SERVER_USAGE, UsageError } from "./options.ts";
import { fail } from "./fail.ts";
import { supervise } from "./supervisor.ts";
import { runWorker } from "./worker.ts";
import { WORKER_ENV } from "./worker-link.ts";

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
