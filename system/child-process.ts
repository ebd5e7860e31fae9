/** Child processes for tests: started by us, bounded in time, stopped by their PID. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { ROOT } from "./runtimes.ts";
import { stopProcess } from "./stop-process.ts";

export interface Child {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stdout(): string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
}

export function start(
  command: string[],
  options: { env?: Record<string, string>; cwd?: string; detached?: boolean } = {},
): Child {
  const proc = spawn(command[0], command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let out = "";
  let stdout = "";
  proc.stdout!.on("data", (d) => {
    out += d;
    stdout += d;
  });
  proc.stderr!.on("data", (d) => (out += d));
  const exited = once(proc, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  return { proc, output: () => out, stdout: () => stdout, exited };
}

/**
 * Waits until `pattern` appears in the output; fails with the output if time runs out, or if the
 * process ends first (unless `afterExit`: a wrapper such as npm may exit before its child's last line).
 */
export async function waitFor(
  child: Child,
  pattern: RegExp,
  ms = 30_000,
  afterExit = false,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  let ended = false;
  child.exited.then(() => (ended = true));
  while (Date.now() < deadline) {
    const m = child.output().match(pattern);
    if (m) return m;
    if (ended && !afterExit) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no ${pattern} within ${ms} ms${ended ? " (process exited)" : ""}; output:\n${child.output()}`);
}

/** Runs a command to its end, with a time limit, and returns its exit code and output. */
export async function run(
  command: string[],
  options: { env?: Record<string, string>; cwd?: string; ms?: number } = {},
) {
  const child = start(command, options);
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), options.ms ?? 60_000);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output(), stdout: child.stdout() };
}

/**
 * Sends `signal` (if the child still runs), SIGKILL after `ms` if that did not end it; resolves
 * with the exit code, or the signal's name.
 */
export async function stopChild(child: Child, signal: NodeJS.Signals, ms: number): Promise<number | string> {
  await stopProcess(child.proc, signal, ms);
  return child.exited;
}

/**
 * Stops children and resolves once all have exited: SIGTERM first (a supervisor then stops its
 * own workers; a killed one would leave them running), SIGKILL after `ms`.
 */
export async function stopChildren(children: Child[], ms = 20_000): Promise<void> {
  await Promise.all(children.map((child) => stopChild(child, "SIGTERM", ms)));
}

/** A loopback port that was free a moment ago (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}
