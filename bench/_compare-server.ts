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
import { CLIENT, runCommand, type RuntimeName, serverEntry } from "../test/_runtimes.ts";
import { startRawServers } from "./_raw-server.ts";
import type { MemorySample, ServerFigures } from "./_compare-report.ts";

export interface ServerPlan {
  runtime: RuntimeName;
  layer: "hono" | "raw";
  tls?: { cert: string; key: string };
  connections: number;
  hold: number;
  /** Server processes: the Hono server's --workers, or that many raw servers sharing one port. */
  serverWorkers: number;
  /** Client processes (the client's --workers). */
  clientWorkers: number;
  /** The runtime that runs the client. */
  client: RuntimeName;
  /** Where the client fetches its scenario when the server has none (raw): a Hono server's URL. */
  scenarioHost: string;
}

const MEMORY_LINE = /@c512k-memory (\{.*\})/g;
/** The ramp ends when no new socket came for this long, even if short of the target. */
const STALL_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process that holds sockets, and the child whose output carries its memory lines. */
interface Member {
  child: Child;
  pid: number;
}

/**
 * Asks every member for its memory after GC (SIGUSR2) and sums the answers: a Hono server's
 * workers all answer on the supervisor's output, each raw server on its own.
 */
async function memorySample(members: Member[]): Promise<MemorySample> {
  const byChild = new Map<Child, number[]>();
  for (const m of members) byChild.set(m.child, [...(byChild.get(m.child) ?? []), m.pid]);
  const answers = await Promise.all([...byChild].map(async ([child, pids]) => {
    const seen = [...child.output().matchAll(MEMORY_LINE)].length;
    for (const pid of pids) process.kill(pid, "SIGUSR2");
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
      const lines = [...child.output().matchAll(MEMORY_LINE)];
      if (lines.length >= seen + pids.length) {
        return lines.slice(seen, seen + pids.length).map((l) => JSON.parse(l[1]) as MemorySample);
      }
    }
    throw new Error(`no memory line from pids ${pids.join(", ")} within 30 s:\n${child.output().slice(-2000)}`);
  }));
  return answers.flat().reduce((a, b) => ({
    open: a.open + b.open,
    rss: a.rss + b.rss,
    heapUsed: a.heapUsed + b.heapUsed,
    gcSeconds: a.gcSeconds + b.gcSeconds,
  }));
}

export function serverName(runtime: RuntimeName, layer: string, tls: boolean): string {
  return `${runtime} ${layer}${tls ? " tls" : ""}`;
}

export async function measureServer(plan: ServerPlan): Promise<ServerFigures> {
  const { runtime, layer, tls, connections, hold } = plan;
  const t0 = performance.now();
  const children: Child[] = [];
  let members: Member[];
  let url: string;
  let version = "";
  const clientArgs: string[] = [];
  if (layer === "raw") {
    // As many raw processes as Hono workers, sharing one port the same way.
    const port = await freePort();
    const raw = await startRawServers(runtime, port, plan.serverWorkers);
    children.push(...raw.children);
    members = raw.members;
    version = raw.version;
    url = plan.scenarioHost;
    clientArgs.push("--ports", String(port));
  } else {
    const tlsArgs = tls ? ["--tls-cert", tls.cert, "--tls-key", tls.key] : [];
    const server = start([
      ...runCommand(runtime),
      serverEntry(runtime),
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--workers",
      String(plan.serverWorkers),
      ...tlsArgs,
    ]);
    children.push(server);
    const [, scheme, port] = await waitFor(server, /listening on (https?):\/\/[\d.]+:(\d+) \(/);
    url = `${scheme}://127.0.0.1:${port}`;
    if (tls) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // our own /stats, same certificate
    let stats = await (await fetch(`${url}/stats`)).json() as ClusterStatsSnapshot;
    for (const until = Date.now() + 10_000; stats.workers.length < plan.serverWorkers && Date.now() < until;) {
      await sleep(200);
      stats = await (await fetch(`${url}/stats`)).json() as ClusterStatsSnapshot;
    }
    members = stats.workers.map((w) => ({ child: server, pid: w.pid }));
    version = stats.version;
    if (tls) clientArgs.push("--insecure");
  }
  const startupMs = performance.now() - t0;
  const serverPids = () => children.flatMap((c) => processTree(c.proc.pid!));
  const cpu = () => serverPids().reduce((s, p) => s + cpuSeconds(p), 0);
  const openFiles = () => members.reduce((s, m) => s + openFileCount(m.pid), 0);

  try {
    await sleep(500);
    const baseFds = openFiles();
    const samples = [await memorySample(members)];
    // Spread over 5,000 sockets per loopback address: past ~14,000 per destination, connect()
    // itself slows (BENCHMARKS.md, "Ephemeral ports"), which would be measured as the server's.
    const addresses = Math.max(1, Math.ceil(connections / 5_000));
    const client = start([
      ...runCommand(plan.client),
      CLIENT,
      url,
      ...clientArgs,
      ...["--connections", String(connections), "--rate", "100000", "--max-pending", "1000"],
      ...["--workers", String(plan.clientWorkers)],
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
    /** CPU of the GCs asked for during the ramp: taken out of the ramp's CPU (gcTimed). */
    let gcDuringRamp = 0;
    for (;;) {
      const open = openFiles() - baseFds;
      const now = performance.now();
      if (open > 0 && !first) [first, cpuFirst] = [now, cpu()];
      if (open !== lastOpen) [lastOpen, lastChange] = [open, now];
      // A quarter passed (or several, on a fast ramp: then one sample for them all).
      if (quarter < 4 && open >= (connections * quarter) / 4 && open < connections) {
        while (quarter < 4 && open >= (connections * quarter) / 4) quarter++;
        const sample = await memorySample(members);
        samples.push(sample);
        gcDuringRamp += sample.gcSeconds;
      }
      if (open >= connections || (first && now - lastChange > STALL_MS) || client.proc.exitCode !== null) {
        [full, cpuFull] = [lastChange, cpu()];
        break;
      }
      await sleep(50);
    }
    // The kernel has the connections before the app has opened them all: wait for the app.
    let last = await memorySample(members);
    for (const until = Date.now() + 10_000; last.open < Math.min(lastOpen, connections) && Date.now() < until;) {
      await sleep(200);
      last = await memorySample(members);
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
      cpuSecondsPer10kAccepts: Math.round(((cpuFull - cpuFirst - gcDuringRamp) / accepted) * 10_000 * 1000) / 1000,
      gcSecondsDuringRamp: Math.round(gcDuringRamp * 1000) / 1000,
      cpuPercentSteady: Math.round(cpuPercentSteady * 10) / 10,
      rtt: { p50: report.rttSteady.p50, p99: report.rttSteady.p99, p999: report.rttSteady.p999 },
      startupMs: Math.round(startupMs),
      errors: report.failed + report.mismatched + report.unanswered,
      errorKinds: Object.fromEntries(
        Object.entries({ ...report.failures, mismatched: report.mismatched, unanswered: report.unanswered })
          .filter(([, n]) => n > 0),
      ),
      peak,
      samples,
    };
  } finally {
    // SIGTERM first: the Hono supervisor then stops its workers itself.
    await Promise.all(children.map(async (child) => {
      child.proc.kill("SIGTERM");
      const timer = setTimeout(() => child.proc.kill("SIGKILL"), 20_000);
      await child.exited;
      clearTimeout(timer);
    }));
  }
}
