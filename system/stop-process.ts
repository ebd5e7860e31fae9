/**
 * Stopping a child process the way every harness here does: a signal it can act on (SIGINT for
 * a client, which then reports; SIGTERM for a server, whose supervisor then stops its workers),
 * and SIGKILL only if that has not ended it within a bound. Shared by the experiment and, through
 * system/child-process.ts, the tests and benchmarks.
 */
import type { ChildProcess } from "node:child_process";

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}
