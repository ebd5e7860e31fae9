/** Starts this server entry again under the same runtime binary, as a worker. */
import { spawn } from "node:child_process";
import process from "node:process";
import type { RuntimeName } from "../src/stats.ts";
import { RUNTIME_TABLE } from "../system/runtimes.ts";
import type { WorkerProcess } from "./adapter.ts";

/**
 * The runtime's script and worker arguments (system/runtimes.ts), then `runtimeArgs` (a Node
 * worker's V8 flags), go between the binary and the script.
 */
export function spawnSelf(
  runtime: RuntimeName,
  env: Record<string, string>,
  runtimeArgs: string[] = [],
): WorkerProcess {
  const { script, worker } = RUNTIME_TABLE[runtime];
  const args = [...script, ...worker, ...runtimeArgs, process.argv[1], ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return {
    pid: child.pid!,
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code ?? 0))),
    kill: (signal) => child.kill(signal),
  };
}
