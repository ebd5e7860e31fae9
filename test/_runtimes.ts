/** How each runtime is invoked in tests: the same commands the README gives. */
import { fileURLToPath } from "node:url";

export type RuntimeName = "node" | "deno" | "bun";
export const RUNTIMES: RuntimeName[] = ["node", "deno", "bun"];

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => `${ROOT}node_modules/.bin/${name}`;

/** The command that runs a JavaScript or TypeScript file under `runtime`. */
export function runCommand(runtime: RuntimeName): string[] {
  if (runtime === "deno") return [bin("deno"), "run", "-A"];
  if (runtime === "bun") return [bin("bun")];
  return [process.execPath];
}

/** The server entry for `runtime`: Node runs the esbuild bundle (`npm test` builds it first). */
export function serverEntry(runtime: RuntimeName): string {
  return runtime === "node" ? `${ROOT}dist/server.js` : `${ROOT}adapters/main.ts`;
}

export const CLIENT = `${ROOT}dist/client.js`;
