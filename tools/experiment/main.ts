/**
 * `npm run experiment`: the seed's experiment on this one machine. Starts the server workers
 * under a runtime and the client workers, ramps at a bounded rate, holds the seed's traffic,
 * checks every answer, and reports (table on stdout, JSON file; `--json` for one object).
 * Everything it starts, it stops by PID, also when interrupted.
 */
import { useColor } from "../../system/color.ts";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ClientReport } from "../../client/report.ts";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import { type ExperimentReport, findLimit, formatExperiment, heldLimit, perSocket, type Sample } from "./report.ts";
import {
  cpuSeconds,
  machineCpu,
  processTree,
  readSystem,
  rssBytes,
  runQueueWait,
  schedPolicy,
  schedStats,
} from "../../system/proc.ts";
import { HELD_LINE } from "../../client/ramp-log.ts";
import { HOLD_SIGNAL } from "../../client/worker-link.ts";
import { framesOf, reportPage } from "./report-page.ts";
import { stop as stopEsbuild } from "esbuild";
import { toFrame } from "../../server/dashboard/frame.ts";
import { cpuQuota, limitCpu } from "../../system/cpu-quota.ts";
import {
  copyHostSysctls,
  EHASH_MAX,
  EHASH_MIN,
  ehashEntries,
  ehashUnavailable,
  insideOwnNetns,
  ownNetnsWhy,
  rerunInOwnNetns,
} from "../../system/netns.ts";
import { isRuntime, RUNTIME_CHOICES } from "../../system/runtimes.ts";
import {
  bunEnvSetting,
  describeSetting,
  ehashSetting,
  schedSetting,
  type Setting,
  websocketSetting,
} from "../best-settings.ts";
import { stopProcess } from "../../system/stop-process.ts";
import { readTcpCounters, tcpCountersSince } from "../../system/tcp-counters.ts";
import { RampCreep } from "../ramp-creep.ts";
import { CLIENT_STOP_MS } from "../client-stop.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const USAGE = `usage: npm run experiment -- [options]
Every default is the best measured setting on a 2-core machine; the run prints each one it
picks, why, and the flag that turns it off (docs/experiment.md).
  --runtime R           server runtime: node (the first on PATH), node26, node24, deno or bun
                        (default bun)
  --client-runtime R    client runtime, the same choices (default bun)
  --websocket KIND      the client's WebSocket: lean (ours: on Bun's own sockets on Bun,
                        node:net elsewhere) or runtime (its own) (default lean)
  --connections N       sockets to hold (default 512000)
  --hold S              seconds to hold them with the seed's traffic (default 60)
  --rate N              connections opened per second at most, all client workers together; the
                        client slows and pauses by itself when handshakes climb (default 20000)
  --max-pending N       handshakes in flight at most, all client workers together (default 2000)
  --interval S          seconds between one socket's messages (default 25, the seed's)
  --targets SPEC        loopback addresses to spread over (default 127.0.0.1-K, 5,000 sockets each)
  --server-workers N    (default auto: enough for --connections)
  --client-workers N    (default auto)
  --sched POLICY        the Linux scheduling policy of every process it starts: auto (batch where
                        chrt is found), batch (SCHED_BATCH: a woken process does not preempt the
                        running one, so fewer task switches per message; docs/topics/scheduling.md)
                        or normal (default auto)
  --ehash N|auto|host   run in a network namespace of its own whose TCP connection hash has N
                        buckets (Linux ≥ 6.1, root). On loopback both ends of every connection
                        sit in it: a million connections are ~7.6 sockets a bucket of the
                        262,144 a 24 GiB machine boots with, and every packet walks the chain
                        (docs/topics/tcp-hash.md). auto: a table of its own when the host's would
                        hold more than 2 socket ends a bucket, where root and the kernel allow;
                        host: the host's (default auto)
  --bun-env tuned|plain tuned: Bun's processes get BUN_JSC_useWarmUpMarkedBlocks=false and
                        MIMALLOC_PURGE_DELAY=-1 (~16% less CPU), unless the environment sets them
                        (default tuned)
  --cpu-quota CORES     run everything in a cgroup that may use this many CPUs (e.g. 0.5), as a
                        container's CPU limit would: a slow machine on purpose (root)
  --stall S             give up the ramp after S seconds without a new socket (default 60; the
                        client itself holds after 30 s paused, docs/experiment.md)
  --out FILE            the JSON report (default results/experiment-RUNTIME-N-TIME.json); the
                        server's log goes beside it, FILE less .json plus .server.log
  --json                print the report as one JSON object instead of the table`;

/** Environment variables that tune a runtime: the report names them, as they change the figures. */
const TUNING_ENV = /^(BUN_|MIMALLOC_|UV_|DENO_V8|NODE_OPTIONS$|NODE_CLUSTER_SCHED_POLICY$)/;

function fail(message: string): never {
  console.error(`c512k experiment: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      runtime: { type: "string", default: "bun" },
      "client-runtime": { type: "string", default: "bun" },
      websocket: { type: "string" },
      connections: { type: "string", default: "512000" },
      hold: { type: "string", default: "60" },
      rate: { type: "string", default: "20000" },
      "max-pending": { type: "string", default: "2000" },
      interval: { type: "string", default: "25" },
      targets: { type: "string" },
      "server-workers": { type: "string", default: "auto" },
      "client-workers": { type: "string", default: "auto" },
      stall: { type: "string", default: "60" },
      sched: { type: "string", default: "auto" },
      ehash: { type: "string", default: "auto" },
      "bun-env": { type: "string", default: "tuned" },
      "cpu-quota": { type: "string" },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const flag of ["runtime", "client-runtime"] as const) {
  if (!isRuntime(values[flag])) {
    fail(`--${flag} must be ${RUNTIME_CHOICES.join(", ")}, got "${values[flag]}"`);
  }
}
if (values.websocket !== undefined && !["lean", "runtime"].includes(values.websocket)) {
  fail(`--websocket must be lean or runtime, got "${values.websocket}"`);
}
if (!["auto", "normal", "batch"].includes(values.sched)) {
  fail(`--sched must be auto, normal or batch, got "${values.sched}"`);
}
if (!["tuned", "plain"].includes(values["bun-env"])) {
  fail(`--bun-env must be tuned or plain, got "${values["bun-env"]}"`);
}
const schedChoice = schedSetting(values.sched);
if (values.sched === "batch" && schedChoice.without) fail(`--sched batch needs ${schedChoice.without}`);
// SCHED_BATCH through util-linux's chrt: the policy is inherited by every process and thread the
// server and client start, and no runtime has an API to set it (Node none; Bun and Deno only by FFI).
const SCHED_PREFIX = schedChoice.value === "batch" ? ["chrt", "--batch", "0"] : [];
const websocket = websocketSetting(values.websocket);
const bunEnv = bunEnvSetting(values["bun-env"], [values.runtime, values["client-runtime"]]);
const whole = (flag: "connections" | "hold" | "rate" | "stall" | "max-pending") => {
  const x = Number(values[flag]);
  if (!Number.isInteger(x) || x < 1) fail(`--${flag} must be a whole number from 1, got "${values[flag]}"`);
  return x;
};
const connections = whole("connections");
const hold = whole("hold");
const rate = whole("rate");
const stallSeconds = whole("stall");
const maxPending = whole("max-pending");
if (!["auto", "host"].includes(values.ehash)) {
  const n = Number(values.ehash);
  if (!(Number.isInteger(n) && n >= EHASH_MIN && n <= EHASH_MAX)) {
    fail(`--ehash must be auto, host or a whole number from ${EHASH_MIN} to ${EHASH_MAX}, got "${values.ehash}"`);
  }
}
/** This run is the one started again in a namespace of its own (--ehash): read before the copy clears it. */
const ownNetns = insideOwnNetns();
let tcpHashChoice: Setting;
let ehashAsked: number | null = null;
if (ownNetns) {
  ehashAsked = ehashEntries();
  tcpHashChoice = {
    name: "TCP connection hash",
    value: `${ehashAsked?.toLocaleString("en-US")} buckets`,
    why: `${ownNetnsWhy() || "asked for"}; in a network namespace of this run's own`,
    off: "--ehash host",
  };
  copyHostSysctls();
} else {
  const kernel = values.ehash === "host" ? null : ehashUnavailable();
  // auto goes on without a table of its own; an asked size fails (at the write, without root).
  const unavailable = kernel ?? (process.getuid?.() === 0 ? null : "a table of its own needs root");
  const { setting, buckets } = ehashSetting(values.ehash, connections, ehashEntries(), unavailable, EHASH_MAX);
  tcpHashChoice = setting;
  if (buckets !== null) {
    if (kernel) fail(kernel);
    try {
      process.exit(await rerunInOwnNetns(buckets, setting.why));
    } catch (err) {
      fail((err as Error).message);
    }
  }
}
const quotaAsked = values["cpu-quota"] === undefined ? null : Number(values["cpu-quota"]);
if (quotaAsked !== null && !(quotaAsked >= 0.05 && quotaAsked <= os.cpus().length)) {
  fail(`--cpu-quota must be a number of CPUs from 0.05 to ${os.cpus().length}, got "${values["cpu-quota"]}"`);
}
let cgroup: ReturnType<typeof limitCpu> | null = null;
if (quotaAsked !== null) {
  try {
    cgroup = limitCpu(quotaAsked);
  } catch (err) {
    fail((err as Error).message);
  }
}
// 5,000 sockets per destination: past about half of its ~28K ephemeral ports, connect() slows
// sharply (BENCHMARKS.md, "Ephemeral ports"), and the ramp with it.
const targets = values.targets ?? `127.0.0.1-${Math.min(255, Math.max(2, Math.ceil(connections / 5_000)))}`;
const log = (line: string) => console.error(`c512k experiment: ${line}`);
const settings: Setting[] = [
  websocket,
  {
    name: "ramp",
    value: `${rate.toLocaleString("en-US")}/s, ${maxPending.toLocaleString("en-US")} handshakes in flight at most`,
    why: "a ceiling: the client slows and pauses by itself when handshakes or round trips climb (client/ramp-gate.ts)",
    off: "--rate N --max-pending N",
  },
  {
    name: "workers",
    value: `server ${values["server-workers"]}, client ${values["client-workers"]}`,
    why: values["server-workers"] === "auto" && values["client-workers"] === "auto"
      ? "auto: enough processes for the count under the open-file limit, never fewer than the cores"
      : "asked for",
    off: "--server-workers N --client-workers N",
  },
  schedChoice,
  tcpHashChoice,
  bunEnv.setting,
];
for (const s of settings) log(describeSetting(s));
if (cgroup) log(`everything runs in ${cgroup.where}, which may use ${quotaAsked} CPUs (--cpu-quota)`);
/** Progress, when stderr is a log file and not a terminal: one line every this many samples (~s). */
const LOG_EVERY = 10;

const children: ChildProcess[] = [];
function launch(args: string[]): ChildProcess & { output: () => string } {
  // Own process group: a Ctrl-C here reaches only us, and we stop them in order.
  const [command, ...rest] = [...SCHED_PREFIX, "sh", `${ROOT}bin/c512k`, ...args];
  const child = spawn(command, rest, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...bunEnv.env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  children.push(child);
  return Object.assign(child, { output: () => out });
}
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) {
    for (const c of children) c.kill("SIGKILL");
    process.exit(130);
  }
  interrupted = true;
  log("SIGINT: ending the run, stopping what it started (Ctrl-C again to kill them at once)");
});
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  cgroup?.release();
});

// 1. The server, its workers sized for the count.
const serverWorkers = values["server-workers"] === "auto" ? [] : ["--workers", values["server-workers"]];
const server = launch([
  ...["serve", "--runtime", values.runtime, "--host", "0.0.0.0", "--port", "0", "--capacity", String(connections)],
  ...serverWorkers,
]);
const [port, control] = await new Promise<[number, string]>((resolve, reject) => {
  const timer = setInterval(() => {
    const listening = server.output().match(/listening on http:\/\/[\d.]+:(\d+) \(/);
    const controlLine = server.output().match(/control on (http:\/\/127\.0\.0\.1:\d+)\/stats/);
    if (listening && controlLine) (clearInterval(timer), resolve([Number(listening[1]), controlLine[1]]));
    if (server.exitCode !== null) (clearInterval(timer), reject(new Error(`the server exited:\n${server.output()}`)));
  }, 50);
}).catch((err) => fail(err.message));
const url = `http://127.0.0.1:${port}`;
/** The last /stats answer, and why /stats gave out, if it did (the report then uses the last). */
let lastStats: ClusterStatsSnapshot | null = null;
let statsGaveOut: string | null = null;

/**
 * The totals, from the supervisor's control port: a request to the public port waits in a
 * worker's accept queue behind the ramp's handshakes, and on a saturated machine it timed out
 * ten times running (docs/server.md, "Reading the totals under load"). Retried all the same: the
 * run must not die of one lost answer.
 */
async function stats(): Promise<ClusterStatsSnapshot> {
  for (let attempt = 1;; attempt++) {
    try {
      const res = await fetch(`${control}/stats`, { signal: AbortSignal.timeout(10_000) });
      const body = await res.json();
      if (res.ok) return (lastStats = body as ClusterStatsSnapshot);
      throw new Error(`${res.status}: ${body.error ?? JSON.stringify(body).slice(0, 200)}`);
    } catch (err) {
      if (attempt >= 10) throw new Error(`GET ${control}/stats failed 10 times; last: ${(err as Error).message}`);
      log(`GET /stats failed (${(err as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
/**
 * After start-up, a /stats that will not answer ten times running ends the run with a report
 * from the last answer, not a crash: on a machine this loaded that is a result too.
 */
async function statsOrLast(): Promise<ClusterStatsSnapshot> {
  if (statsGaveOut === null) {
    try {
      return await stats();
    } catch (err) {
      statsGaveOut = (err as Error).message;
      log(`${statsGaveOut}: ending the run with the figures of the last answer`);
    }
  }
  return lastStats!;
}
log(`server on ${values.runtime} at ${url}: ${server.output().match(/^(\d+) workers?/m)?.[1]} workers`);
log(
  `watch it live: ${url}/dashboard (Prometheus metrics: ${url}/metrics)` +
    // 127.0.0.1 here is the run's own namespace, not the host's loopback.
    (ownNetns ? `; from the host: nsenter --net=/proc/${process.pid}/ns/net curl ${url}/stats` : ""),
);
await new Promise((r) => setTimeout(r, 2_000));
const idle = await stats();

// 2. The client, ramping at a bounded rate over the targets.
const clientWorkers = values["client-workers"] === "auto" ? [] : ["--workers", values["client-workers"]];
const client = launch([
  ...["client", "--runtime", values["client-runtime"], url, "--connections", String(connections)],
  ...["--rate", String(rate), "--max-pending", String(maxPending), "--interval", values.interval],
  ...["--targets", targets, ...clientWorkers, "--websocket", websocket.value, "--json"],
]);
const startedAt = performance.now();
const tcpAtStart = readTcpCounters();
const quotaAtStart = cpuQuota(server.pid!);
const clientRss = () => processTree(client.pid!).reduce((s, pid) => s + rssBytes(pid), 0);
const clientCpu = () => processTree(client.pid!).reduce((s, pid) => s + cpuSeconds(pid), 0);
const serverCpu = (s: ClusterStatsSnapshot) =>
  [s.pid, ...s.workers.map((w) => w.pid)].reduce((t, pid) => t + cpuSeconds(pid), 0);

const samples: Sample[] = [];
let cpuBefore = { machine: machineCpu(), server: 0, client: 0, at: performance.now() };
const sample = async () => {
  const s = await statsOrLast();
  const sys = readSystem();
  const cpuNow = { machine: machineCpu(), server: serverCpu(s), client: clientCpu(), at: performance.now() };
  const wall = Math.max(0.001, (cpuNow.at - cpuBefore.at) / 1000);
  const ticks = cpuNow.machine.total - cpuBefore.machine.total;
  const busy = ticks > 0 ? (cpuNow.machine.busy - cpuBefore.machine.busy) / ticks : 0;
  // The first sample has no server figure before it: its CPU since start-up is not the ramp's.
  const first = samples.length === 0;
  samples.push({
    t: (performance.now() - startedAt) / 1000,
    open: s.connections.open,
    accepted: s.connections.accepted,
    serverRss: s.memory.rss,
    serverHeap: s.memory.heapUsed,
    clientRss: clientRss(),
    slabBytes: sys.slabBytes,
    memAvailable: sys.memAvailable,
    staleMs: s.staleMs,
    messagesIn: s.messages.in,
    messagesOut: s.messages.out,
    restarts: s.workers.reduce((n, w) => n + w.restarts, 0),
    machineBusy: Math.round(busy * 1000) / 1000,
    serverCores: first ? 0 : Math.round(((cpuNow.server - cpuBefore.server) / wall) * 1000) / 1000,
    clientCores: first ? 0 : Math.round(((cpuNow.client - cpuBefore.client) / wall) * 1000) / 1000,
  });
  cpuBefore = cpuNow;
  const line = `${s.connections.open}/${connections} open, ${s.connections.accepted} accepted`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
  else if (samples.length % LOG_EVERY === 1) log(`${Math.round(samples[samples.length - 1].t)} s: ${line}`);
  return s;
};

// 3. Ramp until every socket is open, the count stalls, or the client ends.
let lastGrowth = performance.now();
let rampEnd = 0;
let stalled = false;
const creep = new RampCreep();
/** The client's word that the machine holds no more (client/ramp-log.ts): the ramp is over. */
let held: { open: number; why: string } | null = null;
/** Set when the experiment, not the client, called the ramp over: it crept. */
let crept: string | null = null;
for (;;) {
  const s = await sample();
  const previous = samples[samples.length - 2];
  if (!previous || s.connections.accepted > previous.accepted) lastGrowth = performance.now();
  if (s.connections.open >= connections || statsGaveOut) break;
  const heldLine = client.output().match(HELD_LINE);
  if (heldLine) {
    held = { open: s.connections.open, why: heldLine[2] };
    log(`the client holds its ramp: ${heldLine[2]}`);
    break;
  }
  if (interrupted || client.exitCode !== null || client.signalCode !== null) break;
  // Creeping, the machine holds what it has: the ramp is over as if the client held it.
  crept = creep.observe(performance.now(), s.connections.open);
  if (crept) {
    held = { open: s.connections.open, why: crept };
    log(`the ramp is over: ${crept}`);
    break;
  }
  if (performance.now() - lastGrowth > stallSeconds * 1000) {
    log(`no new socket for ${stallSeconds} s at ${s.connections.open} open: the ramp stalled`);
    stalled = true;
    break;
  }
  await new Promise((r) => setTimeout(r, 1_000));
}
if (client.exitCode !== null && client.exitCode !== 0 && !interrupted) {
  // Nothing to report: say why, in the client's words, rather than a table of zeros.
  await stopProcess(server, "SIGTERM", 60_000);
  console.error(`c512k experiment: the client exited with code ${client.exitCode}:\n${client.output().trim()}`);
  process.exit(1);
}
if ((crept || stalled) && client.exitCode === null && client.signalCode === null) {
  // The client still ramps at its own slow pace: tell it to hold what it has (client/worker-link.ts).
  client.kill(HOLD_SIGNAL);
}
rampEnd = samples[samples.length - 1].t;
const quotaAtRampEnd = cpuQuota(server.pid!);
const rampStart = samples.find((s) => s.accepted > 0)?.t ?? 0;
log(`ramp over after ${rampEnd.toFixed(1)} s at ${samples[samples.length - 1].open} open; holding ${hold} s`);

// 4. Hold with the seed's traffic, measuring CPU over it.
const atHold = await statsOrLast();
const serverPids = [atHold.pid, ...atHold.workers.map((w) => w.pid)];
// The coordinator alone, or the coordinator and its workers.
const clientPids = processTree(client.pid!);
const holdCpu = { server: serverCpu(atHold), client: clientCpu(), at: performance.now() };
// Every process of the run, for how long their turns on the CPU waited over the hold.
const holdPids = [...serverPids, ...clientPids];
const schedAtHold = schedStats(holdPids);
const policies = (pids: number[]) => [...new Set(pids.map(schedPolicy).filter((p) => p !== null))].sort();
const sched = { asked: schedChoice.value, server: policies(serverPids), client: policies(clientPids) };
const holdUntil = performance.now() + hold * 1000;
while (performance.now() < holdUntil && !interrupted && client.exitCode === null && !statsGaveOut) {
  await sample();
  await new Promise((r) => setTimeout(r, 1_000));
}
const holdEnd = await statsOrLast();
const holdWall = (performance.now() - holdCpu.at) / 1000;
// Under a few seconds of hold (interrupted), a CPU figure would be noise: none is given.
const cpu = holdWall < 5 ? { server: null, client: null } : {
  server: Math.round(((serverCpu(holdEnd) - holdCpu.server) / holdWall) * 100),
  client: Math.round(((clientCpu() - holdCpu.client) / holdWall) * 100),
};
const runQueue = cpu.server === null ? null : runQueueWait(schedAtHold, schedStats(holdPids), holdWall);
const holdMessages = cpu.server === null ? null : {
  perSecond: Math.round((holdEnd.messages.in - atHold.messages.in) / holdWall),
  askedRate: Math.round(atHold.connections.open / Number(values.interval)),
};
const peakSample = samples.reduce((a, s) => (s.open > a.open ? s : a), samples[0]);

// Before anything stops: the closing handshakes are not the run's.
const tcp = tcpCountersSince(tcpAtStart);

// 5. Stop: the client first (it reports), then the server.
if (process.stderr.isTTY) process.stderr.write("\n");
log("stopping the client, then the server");
await stopProcess(client, "SIGINT", CLIENT_STOP_MS);
let report: ClientReport | null = null;
try {
  report = JSON.parse(client.output().split("\n").find((l) => l.startsWith("{")) ?? "null");
} catch {
  report = null;
}
const final = await statsOrLast();
await stopProcess(server, "SIGTERM", 60_000);

const peak = final.connections.peak;
const result: ExperimentReport = {
  date: new Date().toISOString(),
  command: `npm run experiment -- ${process.argv.slice(2).join(" ")}`.trim(),
  machine: {
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    cpuQuota: quotaAtStart.cores,
    memTotal: os.totalmem(),
    kernel: os.release(),
  },
  runtime: values.runtime,
  serverVersion: idle.version,
  clientRuntime: values["client-runtime"],
  clientVersion: report?.runtime.version ?? "?",
  websocket: report?.websocket ?? websocket.value,
  settings,
  env: Object.fromEntries(
    Object.entries({ ...process.env, ...bunEnv.env }).filter(([k]) => TUNING_ENV.test(k)) as [string, string][],
  ),
  sched,
  tcpHash: { asked: ehashAsked, buckets: ehashEntries() },
  workers: { server: idle.workers.length, client: clientPids.length === 1 ? 1 : clientPids.length - 1 },
  workerSockets: atHold.workers.map((w) => w.connections.open),
  targets,
  target: connections,
  peak,
  failed: report?.failed ?? connections,
  failures: report?.failures ?? {},
  failedAfter: report?.failedAfter ?? {},
  sent: report?.sent ?? 0,
  answered: report?.answered ?? 0,
  mismatched: report?.mismatched ?? 0,
  unanswered: report?.unanswered ?? 0,
  rampSeconds: Math.round((rampEnd - rampStart) * 10) / 10,
  acceptRate: Math.round(peakSample.accepted / Math.max(0.001, rampEnd - rampStart)),
  serverBytesPerSocket: perSocket(samples, (s) => s.serverRss),
  heapBytesPerSocket: perSocket(samples, (s) => s.serverHeap),
  clientBytesPerSocket: perSocket(samples, (s) => s.clientRss),
  kernelBytesPerSocket: Math.round(perSocket(samples, (s) => s.slabBytes) / 2),
  cpu,
  runQueue,
  holdMessages,
  rtt: { p50: report?.rttSteady.p50 ?? 0, p99: report?.rttSteady.p99 ?? 0, p999: report?.rttSteady.p999 ?? 0 },
  rttWholeRun: report?.rtt ?? { p50: 0, p99: 0, p999: 0, max: 0 },
  connect: { p50: report?.connect.p50 ?? 0, p99: report?.connect.p99 ?? 0, max: report?.connect.max ?? 0 },
  holdSeconds: Math.round(holdWall),
  tcp,
  // A ramp the experiment ended for creeping is held, whatever the client's gate last said.
  ramp: report?.ramp && crept ? { ...report.ramp, state: "held", why: crept } : report?.ramp ?? null,
  limit: statsGaveOut
    ? `/stats stopped answering at ${peak} sockets (${statsGaveOut}); figures from its last answer`
    : interrupted && peak < connections
    ? `interrupted (Ctrl-C) at ${peak} sockets`
    : held && peak < connections
    ? heldLimit(
      { ...held, open: peak },
      samples.filter((s) => s.t <= rampEnd),
      os.totalmem(),
      os.cpus().length,
      quotaAtRampEnd.cores === null ? null : {
        cores: quotaAtRampEnd.cores,
        where: quotaAtRampEnd.where!,
        throttledPeriods: quotaAtRampEnd.throttledPeriods - quotaAtStart.throttledPeriods,
      },
    )
    : findLimit(connections, peak, report, server.output(), stalled ? stallSeconds : null),
};

const out = values.out ??
  `${ROOT}results/experiment-${values.runtime}-${connections}-${result.date.replace(/[:.]/g, "-")}.json`;
mkdirSync(out.replace(/\/[^/]*$/, "") || ".", { recursive: true });
writeFileSync(out, JSON.stringify({ ...result, samples }, null, 2));
// The same charts as the live dashboard, over the whole run.
const page = `${out.replace(/\.json$/, "")}.html`;
try {
  const title = `c512k experiment: ${values.runtime} ${idle.version}, ${
    connections.toLocaleString("en-US")
  } asked, ${result.date}`;
  writeFileSync(
    page,
    await reportPage(title, framesOf(samples, Date.now() - performance.now() + startedAt, toFrame(final).workers)),
  );
} catch (err) {
  log(`no charts page: ${(err as Error).message}`);
}
// esbuild's service (a child process) lives until stopped: in a --cpu-quota cgroup it would keep
// the cgroup busy, so that it could not be removed at exit.
await stopEsbuild();
// The server's own words (workers that died and why, refusals) beside the report, not only in memory.
const serverLog = `${out.replace(/\.json$/, "")}.server.log`;
writeFileSync(serverLog, server.output());
const color = useColor();
console.log(
  values.json
    ? JSON.stringify(result)
    : `${formatExperiment(result, { color })}\nreport: ${out}\ncharts: ${page}\nserver log: ${serverLog}`,
);
// 0: the target held, clean; 3: clean, but the machine held fewer (the limit says why); 1: a failure.
const clean = result.failed === 0 && result.mismatched === 0 && result.unanswered === 0;
process.exit(!clean ? 1 : result.limit === null ? 0 : held ? 3 : 1);
