/**
 * `npm run fleet`: the seed's set-up on one machine. A server host and N client hosts (network
 * namespaces on a bridge made for the run, system/sim-hosts.ts); each client joins one run at the
 * server (`client --run NAME --hosts N`), which merges them (GET /runs/NAME). It ramps, holds,
 * stops the clients, prints the merged run, and removes every host, link and process it made:
 * at the end, on Ctrl-C and on failure.
 *
 * It runs twice: here, in the host's namespace, it makes the network and starts itself again on
 * the server's host, where the server's loopback (its control port) and 198.18.0.1 are both near.
 */
import { spawn } from "node:child_process";
import { type Child, start, stopChild, waitFor } from "../../system/child-process.ts";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import type { RunView } from "../../src/runs/run-shapes.ts";
import { formatRun } from "../../client/run-summary.ts";
import { useColor } from "../../system/color.ts";
import { ROOT } from "../../system/runtimes.ts";
import { cpuSeconds, machineCpu, processTree, ticksToSeconds } from "../../system/proc.ts";
import {
  createSimNetwork,
  leftOf,
  onHost,
  removeLeftovers,
  removeSimNetwork,
  SERVER_ADDRESS,
  simHostsUnavailable,
  type SimNetwork,
} from "../../system/sim-hosts.ts";
import { bunEnvSetting, describeSetting, fleetEhashSetting, websocketSetting } from "../best-settings.ts";
import { CHILD_EHASH, EHASH_MAX } from "../../system/netns.ts";
import { FLEET_USAGE, type FleetOptions, parseFleetOptions, UsageError } from "./options.ts";
import { portCap } from "./port-cap.ts";
import { RampEnd } from "./ramp-end.ts";
import { forwardTcpToUnix, forwardUnixToTcp } from "./forward.ts";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fleetClientCommand } from "./client-command.ts";

/** Set in the fleet started on the server's host: the network, as JSON. */
const INSIDE = "C512K_FLEET_NETWORK";
/** And the Unix socket that leads from the host to the server (forward.ts). */
const SOCKET = "C512K_FLEET_SOCKET";
const POLL_MS = 2_000;
const LOG_EVERY_MS = 10_000;
/** After SIGINT, clients close their sockets and report; past this they are killed. */
const STOP_MS = 180_000;

const log = (line: string) => console.error(`fleet: ${line}`);
function fail(message: string, code: number): never {
  console.error(`fleet: ${message}`);
  process.exit(code);
}

let options: FleetOptions | null;
try {
  options = parseFleetOptions(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) fail(`${err.message}\n${FLEET_USAGE}`, 2);
  throw err;
}
if (!options) {
  console.log(FLEET_USAGE);
  process.exit(0);
}
const o = options;

if (process.env[INSIDE] === undefined) process.exit(await outside(o));
else process.exit(await inside(o, JSON.parse(process.env[INSIDE]!) as SimNetwork));

/** In the host's namespace: make the hosts, run the fleet on the server's, remove everything. */
async function outside(o: FleetOptions): Promise<number> {
  const missing = simHostsUnavailable();
  if (missing) fail(missing, 1);
  const stale = removeLeftovers();
  if (stale.length) log(`removed what an earlier run left: ${stale.join(", ")}`);
  const ehash = fleetEhashSetting(
    o.ehash,
    o.hosts * o.connections,
    o.connections,
    existsSync(CHILD_EHASH) ? null : `needs Linux 6.1 or later (no ${CHILD_EHASH})`,
    EHASH_MAX,
  );
  log(describeSetting(ehash.setting));
  let net: SimNetwork;
  try {
    net = createSimNetwork(o.hosts, o.portRange, ehash.buckets ?? undefined);
  } catch (err) {
    fail(`cannot make the simulated hosts: ${(err as Error).message}`, 1);
  }
  log(
    `${o.hosts} client hosts (${net.clients[0].address}–${net.clients.at(-1)!.address}) and the server's ` +
      `(${net.server.address}) on bridge ${net.bridge}`,
  );
  const cleanup = () => {
    removeSimNetwork(net);
    const left = leftOf(net);
    if (left.length) log(`could not remove ${left.join(", ")}: remove them with ip netns del / ip link del`);
  };
  const socket = join(tmpdir(), `c5k-${process.pid}.sock`);
  const forward = await forwardTcpToUnix(socket);
  const child = spawn(onHost(net.server.netns, [process.execPath])[0], [
    ...onHost(net.server.netns, [process.execPath]).slice(1),
    ...process.execArgv,
    ...process.argv.slice(1),
  ], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      [INSIDE]: JSON.stringify(net),
      [SOCKET]: socket,
      C512K_FLEET_HOST_PORT: String(forward.port),
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => {
    child.once("exit", (c, s) => resolve(c ?? (s ? 130 : 1)));
    child.once("error", () => resolve(1));
  });
  forward.server.close();
  rmSync(socket, { force: true });
  cleanup();
  return code;
}

/** On the server's host: the server, the clients, the run. */
async function inside(o: FleetOptions, net: SimNetwork): Promise<number> {
  const runName = `fleet-${process.pid}`;
  const children: Child[] = [];
  const bunEnv = bunEnvSetting(o.bunEnv, [o.runtime, o.clientRuntime]);
  for (const s of [websocketSetting(undefined), bunEnv.setting]) log(describeSetting(s));
  const [lo, hi] = o.ports;
  const serverPorts = hi - lo + 1;
  const range = o.portRange ?? (readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)
    .map(Number) as [number, number]);
  const cap = portCap(o.hosts, range, serverPorts);
  const target = o.hosts * o.connections;
  log(
    `the doctor's arithmetic: at most ${cap.total.toLocaleString("en-US")} sockets (${cap.why})` +
      (cap.perHost < o.connections ? `: fewer than the ${o.connections} asked of each host` : ""),
  );

  const launch = (command: string[], name: string, quiet = false) => {
    const child = start(command, { env: bunEnv.env });
    createInterface({ input: child.proc.stderr! }).on("line", (line) => {
      if (!quiet || /fail|error|cannot|could not|died|holds/i.test(line)) console.error(`[${name}] ${line}`);
    });
    children.push(child);
    return child;
  };
  const running = (c: Child) => c.proc.exitCode === null && c.proc.signalCode === null;
  let stopping = false;
  const clientProcs: Child[] = [];
  // Once each: a client takes a second SIGINT as "quit now", without its result.
  const stopClients = () => {
    for (const c of clientProcs.splice(0)) if (running(c)) c.proc.kill("SIGINT");
  };
  const stopAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (running(c)) c.proc.kill(signal);
  };
  // The first Ctrl-C ends the run early: the clients stop and report, the result is printed.
  const interrupt = (signal: NodeJS.Signals) => {
    if (stopping) {
      stopAll("SIGKILL");
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: stopping the clients, then the server (again to quit at once)`);
    stopClients();
  };
  process.on("SIGINT", () => interrupt("SIGINT"));
  process.on("SIGTERM", () => interrupt("SIGTERM"));

  const bin = ["sh", `${ROOT}bin/c512k`];
  const portArgs = serverPorts === 1 ? ["--port", String(lo)] : ["--ports", `${lo}-${hi}`];
  const server = launch([
    ...bin,
    ...["serve", "--runtime", o.runtime, "--host", "0.0.0.0", ...portArgs, "--capacity", String(target)],
  ], "server");
  const control = await waitFor(server, /control on (http:\/\/127\.0\.0\.1:\d+)\/stats/, 60_000).catch((err) => {
    stopAll("SIGKILL");
    fail(`the server did not start: ${(err as Error).message}`, 1);
  });
  const controlUrl = control[1];
  const url = `http://${SERVER_ADDRESS}:${lo}`;
  log(`server on ${o.runtime} at ${url} (${server.output().match(/^(\d+ workers?)/m)?.[1] ?? "?"})`);
  log(`run ${runName}: ${o.hosts} × ${o.connections} = ${target} sockets`);
  // The hosts' addresses live only in their namespaces: from this host, through forward.ts.
  forwardUnixToTcp(process.env[SOCKET]!, lo);
  const here = `http://127.0.0.1:${process.env.C512K_FLEET_HOST_PORT}`;
  log(`watch it live: ${here}/dashboard (the run's clients and round trip too); the run: ${here}/runs/${runName}`);

  const clients = net.clients.map((h) =>
    launch(onHost(h.netns, [...bin, ...fleetClientCommand(o, url, runName, h.name), "--json"]), h.name, true)
  );
  clientProcs.push(...clients);
  // The CPU of every process the run started on the hosts: the server's and the clients' trees.
  const oursCpu = () =>
    [server, ...clients].flatMap((c) => (c.proc.pid ? processTree(c.proc.pid) : [])).reduce(
      (s, pid) => s + cpuSeconds(pid),
      0,
    );
  const allExited = Promise.all(clients.map((c) => c.exited));
  let clientsGone = false;
  allExited.then(() => (clientsGone = true));

  const view = async (): Promise<RunView | null> => {
    try {
      const res = await fetch(`${controlUrl}/runs/${runName}`, { signal: AbortSignal.timeout(10_000) });
      return res.ok ? await res.json() as RunView : null;
    } catch {
      return null;
    }
  };

  // The clients each see only their own queues: the fleet tells them all to stop ramping.
  const holdRun = async (why: string) => {
    try {
      const res = await fetch(`${controlUrl}/runs/${runName}/hold`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ why: `the fleet's ramp is over: ${why}` }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) log(`could not hold the clients' ramps: ${res.status} ${await res.text()}`);
    } catch (err) {
      log(`could not hold the clients' ramps: ${(err as Error).message}`);
    }
  };

  // Ramp: until every socket opened or failed, the count stops growing or creeps, or the clients end.
  const started = performance.now();
  const rampEnd = new RampEnd(target, o.stall);
  let last: RunView | null = null;
  let loggedAt = 0;
  let why = "";
  while (!stopping) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    last = (await view()) ?? last;
    const t = last?.total;
    const now = performance.now();
    if (t && now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      log(
        `${((now - started) / 1000).toFixed(0)} s: ${t.open} open of ${target}, ${t.failed} failed, ` +
          `${last!.joined}/${o.hosts} joined, rtt p99 ${t.rtt?.p99 ?? "-"} ms`,
      );
    }
    if (clientsGone) {
      why = "the clients ended";
      break;
    }
    const over = last?.state === "running" && t
      ? rampEnd.observe({ at: now, open: t.open, opened: t.opened, failed: t.failed })
      : null;
    if (over) {
      why = `${over}, at ${((now - started) / 1000).toFixed(1)} s`;
      if (!rampEnd.complete) await holdRun(why);
      break;
    }
  }
  let hold: HoldCpu | null = null;
  if (!stopping && !clientsGone) {
    log(`ramp over: ${why}; holding ${o.hold} s`);
    const holdUntil = performance.now() + o.hold * 1000;
    const before = {
      at: performance.now(),
      machine: machineCpu(),
      ours: oursCpu(),
      answered: last?.total.answered ?? 0,
    };
    while (!stopping && !clientsGone && performance.now() < holdUntil) {
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const after = (await view()) ?? last;
    hold = holdCpu(before, {
      at: performance.now(),
      machine: machineCpu(),
      ours: oursCpu(),
      answered: after?.total.answered ?? 0,
    });
    if (hold) {
      log(
        `hold: ${hold.seconds} s, ${hold.messagesPerSecond} messages/s answered; CPU a message: ` +
          `${hold.processUs} µs in the server and client processes, ${hold.machineUs} µs machine-wide ` +
          `(${hold.softirqPercent}% of it softirq); machine ${hold.machineBusyPercent}% busy`,
      );
    }
  }
  log("stopping the clients (each closes its sockets and sends its result)");
  stopClients();
  const killer = setTimeout(() => clients.forEach((c) => c.proc.kill("SIGKILL")), STOP_MS);
  await allExited;
  clearTimeout(killer);
  let end = await view();
  for (let i = 0; i < 20 && end && end.state !== "done"; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    end = await view();
  }
  await stopChild(server, "SIGTERM", 70_000);
  if (!end) fail(`no run ${runName} at the server; its output:\n${server.output()}`, 1);

  if (o.json) {
    console.log(JSON.stringify({
      ...end,
      hosts: net.clients.map((h) => ({ name: h.name, address: h.address })),
      serverAddress: SERVER_ADDRESS,
      portRange: range,
      ports: o.ports,
      portCap: cap,
      hold,
    }));
  } else {
    console.log(formatRun(end, { color: useColor() }));
    console.log(`the doctor's arithmetic: at most ${cap.total.toLocaleString("en-US")} (${cap.why})`);
  }
  const t = end.total;
  const clean = t.failed === 0 && t.mismatched === 0 && t.unanswered === 0 &&
    end.clients.every((c) => c.state === "done") && end.joined === o.hosts;
  return clean ? (t.peakOpen >= target ? 0 : 3) : 1;
}

interface HoldCpu {
  seconds: number;
  messagesPerSecond: number;
  /** CPU a message answered: the server's and clients' processes, and the whole machine (µs). */
  processUs: number;
  machineUs: number;
  /** Of the machine's busy time, the share spent in softirq (the network stack, bridge included). */
  softirqPercent: number;
  machineBusyPercent: number;
}

type HoldReading = { at: number; machine: ReturnType<typeof machineCpu>; ours: number; answered: number };

/** What the hold cost: CPU per message answered, from two readings. */
function holdCpu(a: HoldReading, b: HoldReading): HoldCpu | null {
  const messages = b.answered - a.answered;
  const seconds = (b.at - a.at) / 1000;
  if (messages <= 0 || seconds <= 0) return null;
  const busy = b.machine.busy - a.machine.busy;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    seconds: round(seconds),
    messagesPerSecond: Math.round(messages / seconds),
    processUs: round(((b.ours - a.ours) * 1e6) / messages),
    machineUs: round((ticksToSeconds(busy) * 1e6) / messages),
    softirqPercent: busy > 0 ? round((100 * (b.machine.softirq - a.machine.softirq)) / busy) : 0,
    machineBusyPercent: round((100 * busy) / Math.max(1, b.machine.total - a.machine.total)),
  };
}
