/**
 * CPU per echoed message, server side and client side, at steady state: N sockets each sending
 * every `interval` s, measured from /proc over a window once the ramp is over. Compares the Hono
 * server (one worker) with the raw baseline on the same runtime.
 *
 *   node --import tsx bench/echo-cost.ts --runtime bun --layer raw --connections 15000 --interval 1
 *   (--client R and --websocket lean: the client side's figure for another load generator;
 *   --server-workers N --client-workers N: the same load over more processes, Hono layer only)
 */
import { parseArgs } from "node:util";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { cpuSeconds, processTree, rssBytes } from "../system/proc.ts";
import { freePort, start, waitFor } from "../system/child-process.ts";
import { CLIENT, runCommand, type RuntimeName } from "../system/runtimes.ts";
import { rawServerCommand } from "../tools/compare/raw-server.ts";
import { startServer } from "../tools/local-server.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "bun" },
    layer: { type: "string", default: "hono" },
    client: { type: "string", default: "bun" },
    websocket: { type: "string", default: "runtime" },
    connections: { type: "string", default: "15000" },
    interval: { type: "string", default: "1" },
    window: { type: "string", default: "10" },
    "server-workers": { type: "string", default: "1" },
    "client-workers": { type: "string", default: "1" },
  },
});
const runtime = values.runtime as RuntimeName;
const connections = Number(values.connections);
const interval = Number(values.interval);
const window = Number(values.window);

if (values.layer === "raw" && values["server-workers"] !== "1") {
  throw new Error("--server-workers: the raw baseline is one process; measure more processes with --layer hono");
}
let url: string;
let serverPids: () => Promise<number[]>;
let stop: () => Promise<unknown>;
if (values.layer === "raw") {
  const port = await freePort();
  const raw = start(rawServerCommand(runtime, port));
  await waitFor(raw, /listening on/);
  url = `http://127.0.0.1:${port}`;
  serverPids = () => Promise.resolve([raw.proc.pid!]);
  stop = () => (raw.proc.kill("SIGKILL"), raw.exited);
} else {
  const server = await startServer(runtime, ["--workers", values["server-workers"]!, "--host", "0.0.0.0"]);
  url = server.url;
  serverPids = async () => {
    const s = (await (await fetch(`${url}/stats`)).json()) as ClusterStatsSnapshot;
    return [s.pid, ...s.workers.map((w) => w.pid)];
  };
  stop = () => server.stop("SIGKILL");
}

// The client's scenario comes from a Hono server's /scenario; the raw servers serve only /ws,
// so the client fetches it from a small Hono server and is pointed at the raw one's --ports.
const scenarioHost = values.layer === "raw" ? await startServer("bun", ["--workers", "1"]) : null;
const rampSeconds = connections / 5000 + 5;
const rss = async () => (await serverPids()).reduce((t, p) => t + rssBytes(p), 0);
await new Promise((r) => setTimeout(r, 1_000));
const idleRss = await rss();
const client = start([
  ...runCommand(values.client as RuntimeName),
  CLIENT,
  scenarioHost?.url ?? url,
  ...(scenarioHost ? ["--ports", url.split(":")[2]] : []),
  ...["--connections", String(connections), "--rate", "5000", "--interval", String(interval)],
  ...["--workers", values["client-workers"]!, "--targets", "127.0.0.1-4"],
  ...["--duration", String(rampSeconds + window + 5), "--websocket", values.websocket!],
  "--json",
]);
await new Promise((r) => setTimeout(r, rampSeconds * 1000));
const fullRss = await rss();
const pids = await serverPids();
const clientPids = processTree(client.proc.pid!);
const sum = (ps: number[]) => ps.reduce((s, p) => s + cpuSeconds(p), 0);
const [s0, c0, t0] = [sum(pids), sum(clientPids), performance.now()];
await new Promise((r) => setTimeout(r, window * 1000));
const [s1, c1, t1] = [sum(pids), sum(clientPids), performance.now()];
await client.exited;
await stop();
await scenarioHost?.stop("SIGKILL");
const report = JSON.parse(client.stdout());
const seconds = (t1 - t0) / 1000;
const messages = (connections / interval) * seconds;
const us = (cpu: number) => ((cpu / messages) * 1e6).toFixed(0);
console.log(
  `| ${runtime} ${values.layer} | ${connections} | ${((fullRss - idleRss) / connections / 1024).toFixed(2)} KB | ${
    Math.round(connections / interval)
  } | ${us(s1 - s0)} | ${Math.round(((s1 - s0) / seconds) * 100)}% | ${
    us(c1 - c0)
  } (${values.client}, ${values.websocket}) | ${report.failed} | ${report.mismatched} | ${report.rttSteady.p99} |`,
);
