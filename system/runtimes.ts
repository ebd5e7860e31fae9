/**
 * The one table of runtimes: where each one's binary is, how to run a script with it, and what
 * else a server worker needs. The tools, the benchmarks, the tests and the server's supervisor
 * read it; bin/c512k (POSIX sh, which cannot read it) is held to it by test/launcher.test.ts.
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { RuntimeName } from "../src/stats.ts";

export type { RuntimeName };

export interface Runtime {
  /** Arguments between the binary and a script. */
  script: string[];
  /** Arguments a server worker needs besides: Deno's SO_REUSEPORT is still behind --unstable-net (2.9). */
  worker: string[];
}

export const RUNTIME_TABLE: Record<RuntimeName, Runtime> = {
  node: { script: [], worker: [] },
  deno: { script: ["run", "-A"], worker: ["--unstable-net"] },
  bun: { script: [], worker: [] },
};

export const RUNTIMES = Object.keys(RUNTIME_TABLE) as RuntimeName[];

export function isRuntime(name: string): name is RuntimeName {
  return Object.hasOwn(RUNTIME_TABLE, name);
}

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The binary: Node is the one running this; Deno and Bun come with `npm ci`. */
function runtimeBinary(runtime: RuntimeName): string {
  if (runtime === "node") return process.execPath;
  return `${ROOT}node_modules/.bin/${runtime}`;
}

/** The command that runs a JavaScript or TypeScript file under `runtime`. */
export function runCommand(runtime: RuntimeName): string[] {
  return [runtimeBinary(runtime), ...RUNTIME_TABLE[runtime].script];
}

/** The server entry for `runtime`: Node runs the esbuild bundle (it cannot strip types on 20). */
export function serverEntry(runtime: RuntimeName): string {
  return runtime === "node" ? `${ROOT}dist/server.js` : `${ROOT}adapters/main.ts`;
}

export const CLIENT = `${ROOT}dist/client.js`;
