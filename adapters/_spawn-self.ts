/** Starts this server entry again under the same runtime binary, as a worker (Deno, Bun). */
import { spawn } from "node:child_process";
import process from "node:process";
import type { WorkerProcess } from "./_adapter.ts";

/** `runtimeArgs` go between the binary and the script: Deno needs `run -A`. */
export function spawnSelf(runtimeArgs: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [...runtimeArgs, process.argv[1], ...process.argv.slice(2)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    pid: child.pid!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code ?? 0))),
    kill: (signal) => child.kill(signal),
  };
}
