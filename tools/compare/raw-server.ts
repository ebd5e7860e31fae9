/** How the benchmarks start a raw baseline (bench/raw/), on any runtime. */
import { type Child, start, stopChildren, waitFor } from "../../system/child-process.ts";
import { spawnSync } from "node:child_process";
import { family, ROOT, runCommand, RUNTIME_TABLE, runtimeBinary, type RuntimeChoice } from "../../system/runtimes.ts";
import { withYoungGeneration } from "../../adapters/_node/young-generation.ts";
import { reusesPort } from "../../adapters/_node/reuse-port.ts";

/**
 * The command line of `bench/raw/RUNTIME.ts` on `port`; on Node, `workers` sharing the port
 * (cluster workers, or from 22.12 as many such processes with reusePort: `clustered`).
 * Node 20 cannot run TypeScript: tsx loads it there, in the same process. Deno shares a port
 * with reusePort only under --unstable-net, as the Hono server's Deno workers do. Node's starts
 * with the young generation the Hono server's workers have, so the two differ in code, not flags.
 */
export function rawServerCommand(runtime: RuntimeChoice, port: number, workers = 1): string[] {
  if (family(runtime) === "node") {
    const node = [runtimeBinary(runtime), ...withYoungGeneration([], process.env.NODE_OPTIONS)];
    return [...node, "--import", "tsx", `${ROOT}bench/raw/node.ts`, String(port), String(workers)];
  }
  const command = [...runCommand(runtime), ...RUNTIME_TABLE[runtime].worker];
  return [...command, `${ROOT}bench/raw/${runtime}.ts`, String(port)];
}

/** Whether `runtime`'s raw servers share a port through cluster: Node before 22.12 (adapters/_node/reuse-port.ts). */
function clustered(runtime: RuntimeChoice): boolean {
  if (family(runtime) !== "node") return false;
  const version = spawnSync(runtimeBinary(runtime), ["--version"], { encoding: "utf8" }).stdout.trim().slice(1);
  return !reusesPort(version, process.env);
}

/** What each raw server prints once it listens. */
const LISTENING = /listening on \S+ \(raw \w+ ([^,]+), pid (\d+)\)/;

/**
 * How long `workers` processes may take to start: each loads its runtime and code on this
 * 2-core machine, one after another in effect. 33 Node cluster workers, loading TypeScript
 * through tsx, took just over 30 s (a 512,000 compare with Node, 2026-11-28), which
 * ended the whole compare.
 */
export const startupWaitMs = (workers: number) => Math.max(30_000, 3_000 * workers);

export interface RawServers {
  children: Child[];
  /** The processes that hold sockets, and the child whose output carries each one's lines. */
  members: { child: Child; pid: number }[];
  version: string;
}

/**
 * `workers` raw server processes sharing `port`, as the Hono server's workers share theirs: that
 * many processes with reusePort, or on Node before 22.12 one with that many cluster workers.
 */
export async function startRawServers(runtime: RuntimeChoice, port: number, workers: number): Promise<RawServers> {
  const cluster = clustered(runtime);
  const children = cluster
    ? [start(rawServerCommand(runtime, port, workers))]
    : Array.from({ length: workers }, () => start(rawServerCommand(runtime, port, workers)));
  const members: RawServers["members"] = [];
  let version = "";
  try {
    for (const child of children) {
      // Node's one child prints a line per cluster worker; waitFor bounds the wait.
      const each = cluster ? workers : 1;
      await waitFor(child, new RegExp(`(?:${LISTENING.source}[^]*?){${each}}`), startupWaitMs(workers));
      for (const [, v, pid] of child.output().matchAll(new RegExp(LISTENING, "g"))) {
        version = v;
        members.push({ child, pid: Number(pid) });
      }
    }
  } catch (err) {
    await stopChildren(children); // the ones that did start must not outlive the failure
    throw err;
  }
  return { children, members, version };
}
