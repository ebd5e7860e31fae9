/**
 * The one table of runtimes: where each one's binary is, how to run a script with it, and what
 * else a server worker needs. The tools, the benchmarks, the tests and the server's supervisor
 * read it; bin/c512k (POSIX sh, which cannot read it) is held to it by test/launcher.test.ts.
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { RuntimeName } from "../src/stats.ts";

export type { RuntimeName };

/**
 * What a user may ask for: a runtime family, or one of Node's current lines by name. `node` is
 * the Node running the tools (the first on PATH); `node26` and `node24` come pinned with `npm ci`.
 */
export type RuntimeChoice = RuntimeName | "node26" | "node24";

export interface Runtime {
  /** The family: what the server reports, and what decides its adapter and its quirks. */
  family: RuntimeName;
  /** Where `npm ci` puts it, from the project's root; none for `node`, which is the one running. */
  installed?: string;
  /** Arguments between the binary and a script. */
  script: string[];
  /** Arguments a server worker needs besides: Deno's SO_REUSEPORT is still behind --unstable-net (2.9). */
  worker: string[];
  /**
   * Environment the tools give this runtime's processes unless told not to (--bun-env plain) or
   * the caller set its own. Bun's: JSC warms up marked blocks in a helper thread, and mimalloc
   * returns freed pages in another, ~15% of the machine in a profile of 56 Bun processes; off,
   * 16% less CPU for +0.35 KB of server memory a socket (docs/topics/scheduling.md).
   */
  tuning?: Readonly<Record<string, string>>;
}

export const RUNTIME_TABLE: Record<RuntimeChoice, Runtime> = {
  node: { family: "node", script: [], worker: [] },
  // In a package of their own (runtimes/package.json), so that their `node` bins stay out of
  // node_modules/.bin, where npm scripts would take one for the machine's node.
  node26: { family: "node", installed: "runtimes/node_modules/node26/bin/node", script: [], worker: [] },
  node24: { family: "node", installed: "runtimes/node_modules/node24/bin/node", script: [], worker: [] },
  deno: { family: "deno", installed: "node_modules/.bin/deno", script: ["run", "-A"], worker: ["--unstable-net"] },
  bun: {
    family: "bun",
    installed: "node_modules/.bin/bun",
    script: [],
    worker: [],
    tuning: { BUN_JSC_useWarmUpMarkedBlocks: "false", MIMALLOC_PURGE_DELAY: "-1" },
  },
};

/** Every choice a selector (--runtime, --runtimes, bin/c512k) accepts. */
export const RUNTIME_CHOICES = Object.keys(RUNTIME_TABLE) as RuntimeChoice[];
/** One of each family: the default set of the tools that compare runtimes. */
export const RUNTIMES: RuntimeName[] = ["node", "deno", "bun"];
/** What the suites run on: each family, and Node's current LTS line beside the machine's Node. */
export const TESTED_RUNTIMES: RuntimeChoice[] = ["node", "node26", "deno", "bun"];

export function isRuntime(name: string): name is RuntimeChoice {
  return Object.hasOwn(RUNTIME_TABLE, name);
}

export function family(runtime: RuntimeChoice): RuntimeName {
  return RUNTIME_TABLE[runtime].family;
}

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The binary: `node` is the one running this; the others come with `npm ci`. */
export function runtimeBinary(runtime: RuntimeChoice): string {
  const { installed } = RUNTIME_TABLE[runtime];
  if (!installed) return process.execPath;
  const path = `${ROOT}${installed}`;
  if (!existsSync(path)) throw new Error(`${runtime} is not installed at ${path}: run npm ci`);
  return path;
}

/** The command that runs a JavaScript or TypeScript file under `runtime`. */
export function runCommand(runtime: RuntimeChoice): string[] {
  return [runtimeBinary(runtime), ...RUNTIME_TABLE[runtime].script];
}

/** The server entry for `runtime`: every Node runs the esbuild bundle (20 cannot strip types). */
export function serverEntry(runtime: RuntimeChoice): string {
  return family(runtime) === "node" ? `${ROOT}dist/server.js` : `${ROOT}adapters/main.ts`;
}

export const CLIENT = `${ROOT}dist/client.js`;
