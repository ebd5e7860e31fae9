/**
 * One server of `npm run compare`, measured from outside, the same way for the Hono server and
 * the raw baseline: sockets counted from /proc/PID/fd, CPU from /proc/PID/stat, memory after a
 * full GC on SIGUSR2 (both print an `@c512k-memory` line), round trip from the client's report.
 *
 * Two ramps, each on a fresh server: one for speed (accept rate, CPU per accept) that nothing
 * interrupts, and one for memory, with a full GC at each quarter, then the hold. A forced full
 * GC mid-ramp costs a V8 server far more CPU afterwards than the GC itself (docs/compare.md), so one ramp could not measure both honestly.
 */
import type { ClientReport } from "../../client/report.ts";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import type { WebSocketKind } from "../../client/options.ts";
import { slope } from "../fit.ts";
import { cpuSeconds, openFileCount, processTree, socketCount } from "../../system/proc.ts";
import { type Child, freePort, start, stopChild, stopChildren, waitFor } from "../../system/child-process.ts";
import { CLIENT, runCommand, type RuntimeChoice, serverEntry } from "../../system/runtimes.ts";
import { startRawServers, startupWaitMs } from "./raw-server.ts";
import { CLIENT_STOP_MS, clientReportFrom } from "../client-stop.ts";
import type { MemorySample, ServerFigures } from "./report.ts";

export interface ServerPlan {
  runtime: RuntimeChoice;
  layer: "hono" | "raw";
  tls?: { cert: string; key: string };
  connections: number;
  hold: number;
  /** Server processes: the Hono server's --workers, or that many raw servers sharing one port. */
  serverWorkers: number;
  /** Client processes (the client's --workers). */
  clientWorkers: number;
  /** The runtime that runs the client. */
  client: RuntimeChoice;
  /** The client's WebSocket: the runtime's own, or the lean one. */
  websocket: WebSocketKind;
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
 * How long a process may take to answer. Deno's workers, accepting at 384,000 of 512,000, let
 * 30 s pass without answering (their open sockets wait unread as long: "512,000 on Deno"), which
 * ended a whole compare; each answer carries its own open count, so a late one is a point at
 * the count it was taken, not a wrong one.
 */
const MEMORY_WAIT_MS = 180_000;

/**
 * Throws if a measured server's process has ended: its sockets are gone, and waiting on it (a ramp
 * that never fills, a memory line that never comes) would hang the compare.
 */
function stillRunning(children: Child[]): void {
  for (const child of children) {
    const ended = child.proc.exitCode ?? child.proc.signalCode;
    if (ended !== null) {
      throw new Error(
        `the server (pid ${child.proc.pid}) ended (${ended}) while measured:\n${child.output().slice(-2000)}`,
      );
    }
  }
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
    const asked = Date.now();
    for (const deadline = asked + MEMORY_WAIT_MS; Date.now() < deadline; await sleep(20)) {
      stillRunning([child]);
      const lines = [...child.output().matchAll(MEMORY_LINE)];
      if (lines.length >= seen + pids.length) {
        const ms = Date.now() - asked;
        if (ms > 30_000) {
          console.error(`c512k compare: pids ${pids.join(", ")} answered for their memory after ${ms / 1000} s`);
        }
        return lines.slice(seen, seen + pids.length).map((l) => JSON.parse(l[1]) as MemorySample);
      }
    }
    throw new Error(
      `no memory line from pids ${pids.join(", ")} within ${MEMORY_WAIT_MS / 1000} s:\n${child.output().slice(-2000)}`,
    );
  }));
  return answers.flat().reduce((a, b) => ({
    open: a.open + b.open,
    rss: a.rss + b.rss,
    heapUsed: a.heapUsed + b.heapUsed,
    gcSeconds: a.gcSeconds + b.gcSeconds,
  }));
}

export function serverName(runtime: RuntimeChoice, layer: string, tls: boolean): string {
  return `${runtime} ${layer}${tls ? " tls" : ""}`;
}

/** A measured server, running: its processes and how the client reaches it. */
interface Running {
  children: Child[];
  members: Member[];
  /** Where the client fetches its scenario. */
  url: string;
  clientArgs: string[];
  version: string;
  startupMs: number;
}

async function startMeasured(plan: ServerPlan): Promise<Running> {
  const { runtime, tls } = plan;
  const t0 = performance.now();
  if (plan.layer === "raw") {
    // As many raw processes as Hono workers, sharing one port the same way.
    const port = await freePort();
    const raw = await startRawServers(runtime, port, plan.serverWorkers);
    return {
      ...raw,
      url: plan.scenarioHost,
      clientArgs: ["--ports", String(port)],
      startupMs: performance.now() - t0,
    };
  }
  const tlsArgs = tls ? ["--tls-cert", tls.cert, "--tls-key", tls.key] : [];
  const server = start([
    ...runCommand(runtime),
    serverEntry(runtime),
    ...["--host", "0.0.0.0", "--port", "0", "--workers", String(plan.serverWorkers)],
    ...tlsArgs,
  ]);
  try {
    const [, scheme, port] = await waitFor(server, /listening on (https?):\/\/[\d.]+:(\d+) \(/);
    const startupMs = performance.now() - t0;
    const url = `${scheme}://127.0.0.1:${port}`;
    // The supervisor's own port: plain http on loopback even with TLS, and never behind the load.
    const [, control] = await waitFor(server, /control on (http:\/\/127\.0\.0\.1:\d+)\/stats/);
    let stats = await (await fetch(`${control}/stats`)).json() as ClusterStatsSnapshot;
    const until = Date.now() + startupWaitMs(plan.serverWorkers);
    for (; stats.workers.length < plan.serverWorkers && Date.now() < until;) {
      await sleep(200);
      stats = await (await fetch(`${control}/stats`)).json() as ClusterStatsSnapshot;
    }
    // Memory is the sum of the workers' answers: one missing would be measured as bytes saved.
    if (stats.workers.length < plan.serverWorkers) {
      throw new Error(
        `only ${stats.workers.length} of ${plan.serverWorkers} workers started:\n${server.output().slice(-2000)}`,
      );
    }
    return {
      children: [server],
      members: stats.workers.map((w) => ({ child: server, pid: w.pid })),
      url,
      clientArgs: tls ? ["--insecure"] : [],
      version: stats.version,
      startupMs,
    };
  } catch (err) {
    await stopChildren([server]); // a server that failed to start must not hold the next one's sockets
    throw err;
  }
}

function startClient(plan: ServerPlan, server: Running): Child {
  // Spread over 5,000 sockets per loopback address: past ~14,000 per destination, connect()
  // itself slows (BENCHMARKS.md, "Ephemeral ports"), which would be measured as the server's.
  const addresses = Math.max(1, Math.ceil(plan.connections / 5_000));
  return start([
    ...runCommand(plan.client),
    CLIENT,
    server.url,
    ...server.clientArgs,
    ...["--connections", String(plan.connections), "--rate", "100000", "--max-pending", "1000"],
    ...["--workers", String(plan.clientWorkers), "--websocket", plan.websocket],
    ...["--targets", `127.0.0.1-${addresses}`, "--json"],
  ]);
}

/** Stops the client the way a user does (SIGINT: it closes its sockets, then reports), if it runs. */
const stopClient = (client: Child) => stopChild(client, "SIGINT", CLIENT_STOP_MS);

async function clientReport(client: Child): Promise<ClientReport> {
  const ended = await stopClient(client);
  const report = clientReportFrom(client.stdout(), ended, client.output());
  if (report.rttSteady === undefined) throw new Error(`the client's report has no round trips:\n${client.output()}`);
  return report;
}

/**
 * What a ramp saw: when the first and the last socket opened, how many did, and the reading of
 * `read` (if given) at those two moments.
 */
interface Ramp {
  first: number;
  full: number;
  open: number;
  readFirst: number;
  readFull: number;
}

/**
 * Watches the server's sockets (its open files) as the client ramps as fast as it goes, until
 * all are open, none came for STALL_MS, or the client is gone. `each(open)` runs at every poll;
 * `read` at the first socket and at every new one.
 */
async function watchRamp(
  server: Running,
  connections: number,
  client: Child,
  { each = () => {}, read = () => 0 }: {
    each?: (open: number) => Promise<void> | void;
    read?: () => number;
  } = {},
): Promise<Ramp> {
  const openFiles = () => server.members.reduce((s, m) => s + openFileCount(m.pid), 0);
  // Polled: open files, cheap. Said at the end: sockets, exact, since a file the runtime opens or
  // closes of its own shifts the file count (raw Deno's fell 2 below its start once, Node's over
  // TLS rose 1).
  const sockets = () => server.members.reduce((s, m) => s + socketCount(m.pid), 0);
  const baseFds = openFiles();
  const baseSockets = sockets();
  const exact = (ramp: Ramp): Ramp => ({ ...ramp, open: sockets() - baseSockets });
  let first = 0;
  let readFirst = 0;
  let lastOpen = 0;
  let lastChange = performance.now();
  let readFull = 0;
  for (;;) {
    stillRunning(server.children);
    const open = openFiles() - baseFds;
    const now = performance.now();
    if (open !== lastOpen) [lastOpen, lastChange, readFull] = [open, now, read()];
    if (open > 0 && !first) [first, readFirst] = [now, readFull];
    await each(open);
    const full = open >= connections - 2 && sockets() - baseSockets >= connections;
    if (full || (first && now - lastChange > STALL_MS) || client.proc.exitCode !== null) {
      return exact({ first, full: lastChange, open: lastOpen, readFirst, readFull });
    }
    await sleep(50);
  }
}

const cpuOf = (server: Running) =>
  server.children.flatMap((c) => processTree(c.proc.pid!)).reduce((s, p) => s + cpuSeconds(p), 0);

const errorsOf = (r: ClientReport) => ({
  count: r.failed + r.mismatched + r.unanswered,
  kinds: { ...r.failures, mismatched: r.mismatched, unanswered: r.unanswered },
});

/** Accept rate and CPU per accept, on a ramp with nothing else asked of the server. */
async function speedRamp(plan: ServerPlan) {
  const server = await startMeasured(plan);
  let client: Child | undefined;
  try {
    await sleep(500);
    client = startClient(plan, server);
    // CPU from the first socket to the last new one, not after a stall: an idle wait is not accept work.
    const ramp = await watchRamp(server, plan.connections, client, { read: () => cpuOf(server) });
    const cpuSeconds = ramp.readFull - ramp.readFirst;
    const seconds = (ramp.full - ramp.first) / 1000;
    return {
      server,
      // Sockets less those before the ramp (watchRamp). The client's own count cannot stand in:
      // at this moment some of its handshakes are still on their way back.
      measured: { accepted: Math.min(ramp.open, plan.connections), seconds, cpuSeconds },
      report: await clientReport(client),
    };
  } finally {
    // A failed measurement leaves its client loading: it must not load the next server too.
    if (client) await stopClient(client);
    await stopChildren(server.children);
  }
}

/** Memory after GC at 0, ¼, ½, ¾ and all of the ramp, then the hold at the seed's traffic. */
async function memoryRampAndHold(plan: ServerPlan) {
  const server = await startMeasured(plan);
  let client: Child | undefined;
  try {
    await sleep(500);
    const samples = [await memorySample(server.members)];
    client = startClient(plan, server);
    let quarter = 1;
    const ramp = await watchRamp(server, plan.connections, client, {
      async each(open) {
        // A quarter passed (or several, on a fast ramp: then one sample for them all).
        if (quarter < 4 && open >= (plan.connections * quarter) / 4 && open < plan.connections) {
          while (quarter < 4 && open >= (plan.connections * quarter) / 4) quarter++;
          samples.push(await memorySample(server.members));
        }
      },
    });
    // The kernel has the connections before the app has opened them all: wait for the app.
    let last = await memorySample(server.members);
    for (const until = Date.now() + 10_000; last.open < Math.min(ramp.open, plan.connections) && Date.now() < until;) {
      await sleep(200);
      last = await memorySample(server.members);
    }
    samples.push(last);

    // Hold: the seed's traffic, every socket once per ~25 s.
    const [cpuHold0, hold0] = [cpuOf(server), performance.now()];
    await sleep(plan.hold * 1000);
    stillRunning(server.children);
    const cpuPercentSteady = ((cpuOf(server) - cpuHold0) / ((performance.now() - hold0) / 1000)) * 100;
    return { samples, peak: last.open, cpuPercentSteady, report: await clientReport(client) };
  } finally {
    if (client) await stopClient(client);
    await stopChildren(server.children);
  }
}

export async function measureServer(plan: ServerPlan): Promise<ServerFigures> {
  const speed = await speedRamp(plan);
  const memory = await memoryRampAndHold(plan);
  const errors = [errorsOf(speed.report), errorsOf(memory.report)];
  const errorKinds: Record<string, number> = {};
  for (const { kinds } of errors) for (const [k, n] of Object.entries(kinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  const { samples } = memory;
  const { accepted, seconds, cpuSeconds } = speed.measured;
  const rtt = memory.report.rttSteady;
  return {
    name: serverName(plan.runtime, plan.layer, Boolean(plan.tls)),
    clientWebsocket: memory.report.websocket,
    runtime: plan.runtime,
    version: speed.server.version,
    layer: plan.layer,
    tls: Boolean(plan.tls),
    bytesPerSocket: Math.round(slope(samples.map((s) => [s.open, s.rss]))),
    heapBytesPerSocket: Math.round(slope(samples.map((s) => [s.open, s.heapUsed]))),
    acceptRate: Math.round(accepted / seconds),
    cpuSecondsPer10kAccepts: Math.round((cpuSeconds / accepted) * 10_000 * 1000) / 1000,
    speedRamp: speed.measured,
    cpuPercentSteady: Math.round(memory.cpuPercentSteady * 10) / 10,
    rtt: { p50: rtt.p50, p99: rtt.p99, p999: rtt.p999 },
    startupMs: Math.round(speed.server.startupMs),
    errors: errors.reduce((n, e) => n + e.count, 0),
    errorKinds: Object.fromEntries(Object.entries(errorKinds).filter(([, n]) => n > 0)),
    peak: memory.peak,
    samples,
  };
}
