/** Runs this client again under another command line, passing on Ctrl-C (and a hold), and returns its exit code. */
import { spawn } from "node:child_process";
import process from "node:process";

export function relaunch(command: string[], args: string[]): Promise<number> {
  // Its own process group, so a Ctrl-C at the terminal reaches it once, through us: the client
  // reads a second SIGINT as "quit now".
  const child = spawn(command[0], [...command.slice(1), ...args], { stdio: "inherit", detached: true });
  for (const signal of ["SIGINT", "SIGTERM", "SIGUSR2"] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
