/**
 * Client memory per socket: one client process under a runtime ramps to N sockets against a Bun
 * server (2 workers) with the seed's traffic; its RSS (from /proc) is fitted against its open
 * sockets, as the server's is in server-memory.ts.
 *
 *   node --import tsx bench/client-memory.ts --runtime node --connections 15000 [--websocket lean]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { start } from "../system/child-process.ts";
import { CLIENT, runCommand, type RuntimeName } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";
import { slope } from "../tools/fit.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "bun" },
    connections: { type: "string", default: "15000" },
    rate: { type: "string", default: "2000" },
    hold: { type: "string", default: "15" },
    websocket: { type: "string", default: "runtime" },
  },
});
const runtime = values.runtime as RuntimeName;
const connections = Number(values.connections);

const rss = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;

const server = await startServer("bun", ["--workers", "2", "--host", "0.0.0.0"]);
const duration = Math.ceil(connections / Number(values.rate)) + Number(values.hold);
const client = start([
  ...runCommand(runtime),
  CLIENT,
  server.url,
  ...["--connections", String(connections), "--rate", values.rate!, "--duration", String(duration)],
  ...["--workers", "1", "--targets", "127.0.0.1-2", "--websocket", values.websocket!, "--json"],
]);
const pid = client.proc.pid!;
const samples: [number, number][] = [];
let idle = 0;
let done = false;
client.exited.then(() => (done = true));
while (!done) {
  try {
    const s = await (await fetch(`${server.url}/stats`)).json() as ClusterStatsSnapshot;
    const r = rss(pid);
    if (s.connections.open === 0 && idle === 0) idle = r;
    if (s.connections.open > 0) samples.push([s.connections.open, r]);
  } catch {
    break; // The client exited between the two reads.
  }
  await new Promise((r) => setTimeout(r, 500));
}
await server.stop("SIGKILL");
const report = JSON.parse(client.stdout());
const peakRss = Math.max(...samples.map(([, r]) => r));
const kb = (b: number) => (b / 1024).toFixed(2);
console.log(
  `| ${runtime} ${report.runtime.version}, ${values.websocket} | ${report.peakOpen} | ${kb(slope(samples))} | ${
    kb((peakRss - idle) / connections)
  } | ` +
    `${(idle / 2 ** 20).toFixed(0)} → ${
      (peakRss / 2 ** 20).toFixed(0)
    } | ${report.failed} | ${report.answered} | ${report.mismatched} |`,
);
