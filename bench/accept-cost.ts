/**
 * Server CPU per accepted WebSocket, Hono against raw on one runtime: N sockets ramped as fast as
 * one Bun client goes, the server's worker CPU (from /proc) read from the first connect to the
 * moment it holds N open files. Alternates the two layers `--runs` times, as one run cannot
 * judge a change of a few percent here (docs/topics/node-accept.md).
 *
 *   node --import tsx bench/accept-cost.ts --runtime node --connections 15000 --runs 3
 *
 * `--compiled`: each server takes one unmeasured ramp first (its sockets then closed), so the
 * measured one runs code the JIT has compiled: the first ramp's extra over this one is the
 * layer's warm-up, paid once per process.
 */
import { get } from "node:http";
import { parseArgs } from "node:util";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { cpuSeconds, openFileCount } from "../system/proc.ts";
import { freePort, start, waitFor } from "../system/child-process.ts";
import { CLIENT, runCommand, type RuntimeName } from "../system/runtimes.ts";
import { rawServerCommand } from "../tools/compare/raw-server.ts";
import { startServer, type TestServer } from "../tools/local-server.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "node" },
    connections: { type: "string", default: "15000" },
    runs: { type: "string", default: "3" },
    layers: { type: "string", default: "hono,raw" },
    compiled: { type: "boolean", default: false },
  },
});
const runtime = values.runtime as RuntimeName;
const connections = Number(values.connections);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ramp {
  cpuSeconds: number;
  seconds: number;
}

/** One ramp against `port`, the client fetching its scenario from `scenarioUrl`. */
async function ramp(workerPid: number, scenarioUrl: string, port: number | null): Promise<Ramp> {
  await sleep(1000);
  const baseFiles = openFileCount(workerPid);
  const cpu0 = cpuSeconds(workerPid);
  const client = start([
    ...runCommand("bun"),
    CLIENT,
    scenarioUrl,
    ...(port ? ["--ports", String(port)] : []),
    ...["--connections", String(connections), "--rate", "100000", "--max-pending", "1000", "--workers", "1"],
    // 5,000 sockets per loopback address: past ~14,000 per destination connect() slows itself.
    ...["--targets", `127.0.0.1-${Math.ceil(connections / 5000)}`, "--duration", "600", "--json"],
  ]);
  const t0 = performance.now();
  while (openFileCount(workerPid) - baseFiles < connections && client.proc.exitCode === null) await sleep(20);
  const result = { cpuSeconds: cpuSeconds(workerPid) - cpu0, seconds: (performance.now() - t0) / 1000 };
  const held = openFileCount(workerPid) - baseFiles;
  client.proc.kill("SIGKILL");
  await client.exited;
  if (held < connections) {
    throw new Error(`the client ended with the server at ${held} of ${connections}:\n${client.output()}`);
  }
  return result;
}

/** Waits until the sockets of a ramp the client dropped have closed at the server. */
async function settled(pid: number): Promise<void> {
  let last = openFileCount(pid);
  for (;;) {
    await sleep(500);
    const now = openFileCount(pid);
    if (now >= last) return;
    last = now;
  }
}

/** The measured ramp, after an unmeasured one with `--compiled`. */
async function measured(pid: number, scenarioUrl: string, port: number | null): Promise<Ramp> {
  if (values.compiled) {
    await ramp(pid, scenarioUrl, port);
    await settled(pid);
  }
  return ramp(pid, scenarioUrl, port);
}

async function honoRamp(): Promise<Ramp> {
  const server: TestServer = await startServer(runtime, ["--workers", "1", "--host", "0.0.0.0"]);
  try {
    // Not fetch: its kept-alive connection would count in the base of open files, then close.
    const stats = await new Promise<ClusterStatsSnapshot>((resolve, reject) =>
      get(`${server.url}/stats`, { agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk)).on("end", () => resolve(JSON.parse(body)));
      }).on("error", reject)
    );
    return await measured(stats.workers[0].pid, server.url, null);
  } finally {
    await server.stop("SIGKILL");
  }
}

async function rawRamp(scenarioHost: TestServer): Promise<Ramp> {
  const port = await freePort();
  const raw = start(rawServerCommand(runtime, port));
  try {
    await waitFor(raw, /listening on/);
    return await measured(raw.proc.pid!, scenarioHost.url, port);
  } finally {
    raw.proc.kill("SIGKILL");
    await raw.exited;
  }
}

// The raw servers serve only /ws: the client's scenario comes from a small Hono server.
const scenarioHost = await startServer("bun", ["--workers", "1"]);
const layers = values.layers!.split(",");
const results = new Map<string, Ramp[]>(layers.map((l) => [l, []]));
try {
  for (let run = 0; run < Number(values.runs); run++) {
    for (const layer of layers) {
      const r = layer === "raw" ? await rawRamp(scenarioHost) : await honoRamp();
      results.get(layer)!.push(r);
      console.error(`${runtime} ${layer}: ${r.cpuSeconds.toFixed(2)} s of CPU, ${r.seconds.toFixed(1)} s ramp`);
    }
  }
} finally {
  await scenarioHost.stop("SIGKILL");
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log("| server | worker CPU per run (s) | µs per accept (mean) | ramp (s) |\n| --- | --- | --- | --- |");
for (const [layer, rs] of results) {
  const cpu = rs.map((r) => r.cpuSeconds);
  const ramps = rs.map((r) => r.seconds);
  console.log(
    `| ${runtime} ${layer} | ${cpu.map((c) => c.toFixed(2)).join(", ")} | ${
      Math.round((mean(cpu) / connections) * 1e6)
    } | ${Math.min(...ramps).toFixed(1)}–${Math.max(...ramps).toFixed(1)} |`,
  );
}
process.exit(0);
