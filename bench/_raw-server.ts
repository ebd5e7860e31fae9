/** How the benchmarks start a raw baseline (bench/raw/), on any runtime. */
import { ROOT, runCommand, type RuntimeName } from "../test/_runtimes.ts";

/** The command line of `bench/raw/RUNTIME.ts` on `port`. Node 20 cannot run TypeScript: tsx loads it there, in the same process. */
export function rawServerCommand(runtime: RuntimeName, port: number): string[] {
  const command = runtime === "node" ? [process.execPath, "--import", "tsx"] : runCommand(runtime);
  return [...command, `${ROOT}bench/raw/${runtime}.ts`, String(port)];
}
