/**
 * One server of `npm run compare`, measured from outside, the same way for the Hono server and
 * the raw baseline: sockets counted from /proc/PID/fd, CPU from /proc/PID/stat, memory after a
 * full GC on SIGUSR2 (both print an `@c512k-memory` line), round trip from the client's report.
 */
import type { ClientReport } from "../src/client-report.ts";
import type { ClusterStatsSnapshot } from "../src/cluster-stats.ts";
import { slope } from "../system/fit.ts";
import { cpuSeconds, openFileCount, processTree } from "../system/proc.ts";
import { type Child, freePort, start, waitFor } from "../test/_process.ts";
import { CLIENT, ROOT, runCommand, type RuntimeName, serverEntry } from "../test/_runtimes.ts";
import type { MemorySample, ServerFigures } from "./_compare-report.ts";

export interface ServerPlan {
  runtime: RuntimeName;
  layer: "hono" | "raw";
  tls?: { cert: string; key: string };
  connections: number;
  hold: number;
  /** The runtime that runs the client. */
  client: RuntimeName;
  /** Where the client fetches its scenario when the server has none (raw): a Hono server's URL. */
  scenarioHost: string;
}

const MEMORY_LINE = /@c512k-memory (\{.*\})/g;
/** The ramp ends when no new socket came for this long, even if short of the target. */
const STALL_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks `pid` for its memory after GC and waits for the answer line on `child`'s output. */
async function memorySample(child: Child, pid: number): Promise<MemorySample> {
  const seen = [...child.output().matchAll(MEMORY_LINE)].length;
  process.kill(pid, "SIGUSR2");
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
    const lines = [...child.output().matchAll(MEMORY_LINE)];
    if (lines.length > seen) return JSON.parse(lines[seen][1]) as MemorySample;
  }
  throw new Error(`no memory line from pid ${pid} within 30 s:\n${child.output().slice(-2000)}`);
}

export function serverName(runtime: RuntimeName, layer: string, tls: boolean): string {
  return `${runtime} ${layer}${tls ? " tls" : ""}`;
}

export async function measureServer(plan: ServerPlan): Promise<ServerFigures> {
  const { runtime, layer, tls, connections, hold } = plan;
  const t0 = performance.now();
  let server: Child;
  let url: string;
  let socketsPid: number;
  let version: string;
  const clientArgs: string[] = [];
  if (layer === "raw") {
    const port = await freePort();
    // Node 20 cannot run TypeScript: tsx loads the raw file there, in the same process.
    const command = runtime === "node" ? [process.execPath, "--import", "tsx"] : runCommand(runtime);
    server = start([...command, `${ROOT}bench/raw/${runtime}.ts`, String(port)]);
    [, version] = await waitFor(server, /listening on \S+ \(raw \w+ ([^)]+)\)/);
    socketsPid = server.proc.pid!;
    url = plan.scenarioHost;
    clientArgs.push("--ports", String(port));
  } else {
    const tlsArgs = tls ? ["--tls-cert", tls.cert, "--tls-key", tls.key] : [];
    server = start([
      ...runCommand(runtime),
      serverEntry(runtime),
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--workers",
      "1",
      ...tlsArgs,
    ]);
    const [, scheme, port] = await waitFor(server, /listening on (https?):\/\/[\d.]+:(\d+) \(/);
    url = `${scheme}://127.0.0.1:${port}`;
    if (tls) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // our own /stats, same certificate
    const stats = await (await fetch(`${url}/stats`)).json() as ClusterStatsSnapshot;
    socketsPid = stats.workers[0].pid;
    version = stats.version;
    if (tls) clientArgs.push("--insecure");
  }
  const startupMs = performance.now() - t0;
  const serverPids = () => processTree(server.proc.pid!);
  const cpu = () => serverPids().reduce((s, p) => s + cpuSeconds(p), 0);

  try {
    await sleep(500);
    const baseFds = openFileCount(socketsPid);
    const samples = [await memorySample(server, socketsPid)];
    // Spread over 5,000 sockets per loopback address: past ~14,000 per destination, connect()
    // itself slows (BENCHMARKS.md, "Ephemeral ports"), which would be measured as the server's.
    const addresses = Math.max(1, Math.ceil(connections / 5_000));
    const client = start([
      ...runCommand(plan.client),
      CLIENT,
      url,
      ...clientArgs,
      ...["--connections", String(connections), "--rate", "100000", "--max-pending", "1000", "--workers", "1"],
      ...["--targets", `127.0.0.1-${addresses}`, "--json"],
    ]);
    // Ramp: as fast as the client goes; GC samples at each quarter (up to 5 points in all).
    let first = 0;
    let full = 0;
    let cpuFirst = 0;
    let cpuFull = 0;
    let lastOpen = 0;
    let lastChange = performance.now();
    let quarter = 1;
    for (;;) {
      const open = openFileCount(socketsPid) - baseFds;
      const now = performance.now();
      if (open > 0 && !first) [first, cpuFirst] = [now, cpu()];
      if (open !== lastOpen) [lastOpen, lastChange] = [open, now];
      // A quarter passed (or several, on a fast ramp: then one sample for them all).
      if (quarter < 4 && open >= (connections * quarter) / 4 && open < connections) {
        while (quarter < 4 && open >= (connections * quarter) / 4) quarter++;
        samples.push(await memorySample(server, socketsPid));
      }
      if (open >= connections || (first && now - lastChange > STALL_MS) || client.proc.exitCode !== null) {
        [full, cpuFull] = [lastChange, cpu()];
        break;
      }
      await sleep(50);
    }
    // The kernel has the connections before the app has opened them all: wait for the app.
    let last = await memorySample(server, socketsPid);
    for (const until = Date.now() + 10_000; last.open < Math.min(lastOpen, connections) && Date.now() < until;) {
      await sleep(200);
      last = await memorySample(server, socketsPid);
    }
    samples.push(last);
    const peak = last.open;

    // Hold: the seed's traffic, every socket once per ~25 s.
    const [cpuHold0, hold0] = [cpu(), performance.now()];
    await sleep(hold * 1000);
    const cpuPercentSteady = ((cpu() - cpuHold0) / ((performance.now() - hold0) / 1000)) * 100;
    client.proc.kill("SIGINT");
    const timer = setTimeout(() => client.proc.kill("SIGKILL"), 60_000);
    await client.exited;
    clearTimeout(timer);
    const report = JSON.parse(client.stdout().trim().split("\n").pop() ?? "{}") as ClientReport;
    if (report.rttSteady === undefined) throw new Error(`the client printed no report:\n${client.output()}`);

    const accepted = peak - samples[0].open;
    return {
      name: serverName(runtime, layer, Boolean(tls)),
      runtime,
      version,
      layer,
      tls: Boolean(tls),
      bytesPerSocket: Math.round(slope(samples.map((s) => [s.open, s.rss]))),
      heapBytesPerSocket: Math.round(slope(samples.map((s) => [s.open, s.heapUsed]))),
      acceptRate: Math.round(accepted / ((full - first) / 1000)),
      cpuSecondsPer10kAccepts: Math.round(((cpuFull - cpuFirst) / accepted) * 10_000 * 1000) / 1000,
      cpuPercentSteady: Math.round(cpuPercentSteady * 10) / 10,
      rtt: { p50: report.rttSteady.p50, p99: report.rttSteady.p99, p999: report.rttSteady.p999 },
      startupMs: Math.round(startupMs),
      errors: report.failed + report.mismatched + report.unanswered,
      peak,
      samples,
    };
  } finally {
    // SIGTERM first: the Hono supervisor then stops its worker itself.
    server.proc.kill("SIGTERM");
    const timer = setTimeout(() => server.proc.kill("SIGKILL"), 20_000);
    await server.exited;
    clearTimeout(timer);
  }
}
