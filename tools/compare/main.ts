/**
 * `npm run compare`: the same scenario at the same count against the server under each runtime
 * in turn, the Hono server and the raw baseline (bench/raw/) side by side, then each client
 * runtime; one report in three forms (DIR/report.json, report.md, report.html).
 *
 *   npm run compare -- --runtimes node,deno,bun --connections 15000 --hold 30 --out results/compare
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { WEBSOCKET_KINDS } from "../../client/options.ts";
import { openFileLimit, socketsPerWorker } from "../../system/limits.ts";
import { makeCertificate } from "../../system/certificate.ts";
import { start, stopChildren, waitFor } from "../../system/child-process.ts";
import { runCommand, RUNTIME_CHOICES, type RuntimeChoice, RUNTIMES, serverEntry } from "../../system/runtimes.ts";
import { spawnSync } from "node:child_process";
import { bunEnvSetting, describeSetting, schedSetting, type Setting, websocketSetting } from "../best-settings.ts";
import { measureClient } from "./client.ts";
import { formatHtml } from "./html.ts";
import { combineRuns, type CompareReport, formatMarkdown, type Unmeasured } from "./report.ts";
import { measureServer, serverName } from "./server.ts";
import { measureInTurns } from "./turns.ts";

/**
 * A load generator's memory is fitted over samples 100 ms apart while its sockets open. A few
 * thousand sockets may all open between two samples, which leaves one point to fit: at 1,000 the
 * figure was NaN.
 */
const MIN_CLIENT_CONNECTIONS = Math.min(5_000, socketsPerWorker());
const WHY_MIN_CLIENT = " (the client's memory is fitted over samples 100 ms apart as its sockets open)";

const USAGE = `usage: npm run compare -- [options]
  --runtimes LIST     server runtimes: node (the first on PATH), node26, node24, deno, bun
                      (default node,deno,bun)
  --layers LIST       hono, raw or both (default hono,raw)
  --tls               also the Hono server over TLS (wss://, self-signed certificate made here)
  --clients LIST      client runtimes to measure as load generators, the same choices (default
                      node,deno,bun; "none" skips)
  --client-connections N  sockets for each load generator's own measurement (default
                      ${socketsPerWorker()}, what one process may hold; at least ${MIN_CLIENT_CONNECTIONS})
  --client-websockets LIST  the load generators' WebSocket clients: runtime, lean or both
                      (default runtime,lean)
  --client R          the client runtime that loads every server (default bun: the lightest)
  --client-websocket KIND  its WebSocket client: lean or runtime (default lean: a third of the
                      memory per socket or less, so the load costs the machine least)
  --sched POLICY      auto (SCHED_BATCH for everything it starts, where chrt is found), batch or
                      normal (default auto; docs/topics/scheduling.md)
  --bun-env tuned|plain  tuned: Bun's processes get BUN_JSC_useWarmUpMarkedBlocks=false and
                      MIMALLOC_PURGE_DELAY=-1, unless the environment sets them (default tuned)
  --connections N     sockets per server (default 15000; at most ${socketsPerWorker()} per process here,
                      so past that give both of the flags below)
  --server-workers N  server processes: the Hono server's --workers, or N raw servers sharing a port
                      (default 1)
  --client-workers N  client processes (default 1); the load generators are still measured
                      one process each, at ${socketsPerWorker()} sockets at most
  --hold S            seconds to hold them with the seed's traffic (default 30)
  --runs N            measure every server N times, in turns (hono, raw, hono, raw…), and report
                      each figure's median with every run's value (default 1); at 100,000 sockets
                      one run's accept rate moves ±20%
  --out DIR           where report.json, report.md and report.html go (default results/compare-DATE)`;

function fail(message: string): never {
  console.error(`c512k compare: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      runtimes: { type: "string", default: RUNTIMES.join(",") },
      layers: { type: "string", default: "hono,raw" },
      tls: { type: "boolean", default: false },
      clients: { type: "string", default: RUNTIMES.join(",") },
      client: { type: "string", default: "bun" },
      "client-websocket": { type: "string", default: "lean" },
      sched: { type: "string", default: "auto" },
      "bun-env": { type: "string", default: "tuned" },
      "client-websockets": { type: "string", default: "runtime,lean" },
      "client-connections": { type: "string" },
      connections: { type: "string", default: "15000" },
      "server-workers": { type: "string", default: "1" },
      "client-workers": { type: "string", default: "1" },
      hold: { type: "string", default: "30" },
      runs: { type: "string", default: "1" },
      out: { type: "string" },
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
const list = <T extends string>(flag: string, text: string, allowed: readonly T[]): T[] => {
  const items = text === "none" ? [] : text.split(",").map((s) => s.trim()) as T[];
  const bad = items.find((i) => !allowed.includes(i));
  if (bad !== undefined) fail(`--${flag}: "${bad}" is not one of ${allowed.join(", ")}`);
  return items;
};
const runtimes = list("runtimes", values.runtimes, RUNTIME_CHOICES);
const layers = list("layers", values.layers, ["hono", "raw"] as const);
const clients = list("clients", values.clients, RUNTIME_CHOICES);
const [clientRuntime] = list("client", values.client, RUNTIME_CHOICES);
const [clientWebsocket] = list("client-websocket", values["client-websocket"], WEBSOCKET_KINDS);
const clientWebsockets = list("client-websockets", values["client-websockets"], WEBSOCKET_KINDS);
/** A whole number from `min` to `max`, or exit 2 saying so (`why` explains the bound). */
const whole = (flag: string, text: string | undefined, min: number, max: number, why = "") => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    fail(`--${flag} must be a whole number from ${min} to ${max}${why}, got "${text}"`);
  }
  return n;
};
const serverWorkers = whole("server-workers", values["server-workers"], 1, 256);
const clientWorkers = whole("client-workers", values["client-workers"], 1, 256);
const most = socketsPerWorker() * Math.min(serverWorkers, clientWorkers);
const connections = whole(
  "connections",
  values.connections,
  10,
  most,
  ` (${socketsPerWorker()} per process, one process's share of its ${openFileLimit()} open files, ` +
    "times the fewer of --server-workers and --client-workers)",
);
const hold = Number(values.hold);
const runs = whole("runs", values.runs, 1, 100);
/** The load generators are measured one process each. */
const clientConnections = values["client-connections"] === undefined ? socketsPerWorker() : whole(
  "client-connections",
  values["client-connections"],
  MIN_CLIENT_CONNECTIONS,
  socketsPerWorker(),
  WHY_MIN_CLIENT,
);
if (!Number.isFinite(hold) || hold < 1) fail(`--hold must be a number of seconds from 1, got "${values.hold}"`);
if (runtimes.length === 0 || layers.length === 0) fail("nothing to compare");
const date = new Date().toISOString();
const out = values.out ?? join("results", `compare-${date.slice(0, 19).replaceAll(":", "")}`);
const log = (line: string) => console.error(`c512k compare: ${line}`);

// The settings apply to everything it starts: the policy through its own (children inherit
// it), the variables through its environment (child-process.ts passes it on).
const [sched] = list("sched", values.sched, ["auto", "batch", "normal"] as const);
const [bunEnvAsked] = list("bun-env", values["bun-env"], ["tuned", "plain"] as const);
const schedChoice = schedSetting(sched);
if (sched === "batch" && schedChoice.without) fail(`--sched batch needs ${schedChoice.without}`);
if (schedChoice.value === "batch") {
  const chrt = spawnSync("chrt", ["--all-tasks", "--batch", "--pid", "0", String(process.pid)], { encoding: "utf8" });
  if (chrt.status !== 0) fail(`chrt could not set SCHED_BATCH: ${chrt.stderr.trim()}`);
}
const bunEnv = bunEnvSetting(bunEnvAsked, [...runtimes, ...clients, clientRuntime, "bun"]);
Object.assign(process.env, bunEnv.env);
const settings: Setting[] = [websocketSetting(clientWebsocket, "--client-websocket"), schedChoice, bunEnv.setting];
for (const setting of settings) log(describeSetting(setting));

/** A Hono server for the client's scenario when the measured server (raw) serves none. */
const host = start([...runCommand("bun"), serverEntry("bun"), "--host", "127.0.0.1", "--port", "0", "--workers", "1"]);
const [, hostPort] = await waitFor(host, /listening on http:\/\/[\d.]+:(\d+) \(/);
const scenarioHost = `http://127.0.0.1:${hostPort}`;
process.on("exit", () => host.proc.kill("SIGKILL"));
process.on("SIGINT", () => process.exit(130));

const plans = runtimes.flatMap((runtime) => [
  ...layers.map((layer) => ({ runtime, layer, tls: false })),
  ...(values.tls && layers.includes("hono") ? [{ runtime, layer: "hono" as const, tls: true }] : []),
]);
const certificate = values.tls ? makeCertificate() : undefined;
const nameOf = (plan: typeof plans[number]) => serverName(plan.runtime, plan.layer, plan.tls);
const turns = await measureInTurns(plans, runs, (plan, run) => {
  log(
    `${nameOf(plan)}: ${connections} sockets, then ${hold} s of the seed's traffic` +
      (runs > 1 ? ` (turn ${run} of ${runs})` : ""),
  );
  return measureServer({
    runtime: plan.runtime as RuntimeChoice,
    layer: plan.layer,
    tls: plan.tls ? certificate : undefined,
    connections,
    hold,
    serverWorkers,
    clientWorkers,
    client: clientRuntime,
    websocket: clientWebsocket,
    scenarioHost,
  });
}, { nameOf, log });
const servers = turns.measured.map((m) => combineRuns(m.runs));
const unmeasured: Unmeasured[] = turns.failed.map(({ plan, reason }) => ({
  name: nameOf(plan),
  runtime: plan.runtime,
  layer: plan.layer,
  tls: plan.tls,
  reason,
}));
const clientFigures = [];
for (const runtime of clients) {
  for (const websocket of clientWebsockets) {
    log(`client on ${runtime} (${websocket} WebSocket): ${clientConnections} sockets against raw bun`);
    clientFigures.push(await measureClient(runtime, websocket, clientConnections, scenarioHost));
  }
}

const versions: Record<string, string> = { node: process.versions.node };
for (const s of servers) versions[s.runtime] = s.version;
for (const c of clientFigures) versions[c.runtime] = c.version;
const report: CompareReport = {
  meta: {
    date,
    command: `npm run compare -- ${process.argv.slice(2).join(" ")}`.trim(),
    connections,
    hold,
    runs,
    serverWorkers,
    clientWorkers,
    clientConnections,
    clientRuntime: `${clientRuntime} ${versions[clientRuntime] ?? ""}`.trim(),
    clientWebsocket: servers[0]?.clientWebsocket ?? clientWebsocket,
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.availableParallelism?.() ?? os.cpus().length,
      memoryBytes: os.totalmem(),
      kernel: os.release(),
      openFiles: openFileLimit(),
    },
    versions,
    settings,
  },
  servers,
  unmeasured,
  clients: clientFigures,
};
mkdirSync(out, { recursive: true });
const markdown = formatMarkdown(report);
writeFileSync(join(out, "report.json"), JSON.stringify(report, null, 2) + "\n");
writeFileSync(join(out, "report.md"), markdown);
writeFileSync(join(out, "report.html"), formatHtml(report));
console.log(markdown);
log(`wrote ${join(out, "report.json")}, report.md and report.html`);
if (unmeasured.length) log(`not measured: ${unmeasured.map((u) => u.name).join(", ")} (the report says why)`);
// SIGTERM, waited for: the host's supervisor then stops its worker (the exit hook's SIGKILL,
// there for an interrupted run, leaves the worker to notice on its own).
await stopChildren([host]);
process.exit(unmeasured.length ? 1 : 0);
