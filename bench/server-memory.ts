/**
 * Server memory per socket: starts the server under a runtime, ramps the client to N sockets
 * with the seed's traffic, samples /stats along the way, and fits RSS and heap against open
 * sockets (least squares), so one noisy sample does not make the figure.
 *
 *   node --import tsx bench/server-memory.ts --runtime bun --connections 15000 [--tls]
 *
 * --tls serves https:// and wss:// with a self-signed certificate made on the spot.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import type { ClientReport } from "../client/report.ts";
import type { StatsSnapshot } from "../src/stats.ts";
import { makeCertificate } from "../system/certificate.ts";
import { start } from "../system/child-process.ts";
import { CLIENT, runCommand, type RuntimeName } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";
import { slope } from "../tools/fit.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "node" },
    client: { type: "string", default: "bun" },
    connections: { type: "string", default: "15000" },
    rate: { type: "string", default: "2000" },
    hold: { type: "string", default: "30" },
    json: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
  },
});
const runtime = values.runtime as RuntimeName;
const connections = Number(values.connections);
const rate = Number(values.rate);
const hold = Number(values.hold);

const certificate = values.tls ? makeCertificate() : undefined;
// One worker: the figures are one process's, as in BENCHMARKS.md, "Server memory per socket at 15,000 sockets".
const server = await startServer(runtime, [
  "--workers",
  "1",
  ...(certificate ? ["--tls-cert", certificate.cert, "--tls-key", certificate.key] : []),
]);
// The bench reads /stats itself over https with the same self-signed certificate.
if (certificate) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
const stats = async () => (await (await fetch(`${server.url}/stats`)).json()) as StatsSnapshot;
await new Promise((r) => setTimeout(r, 1000));
const idle = await stats();

const duration = Math.ceil(connections / rate) + hold;
const client = start([
  ...runCommand(values.client as RuntimeName),
  CLIENT,
  server.url,
  ...["--connections", String(connections), "--rate", String(rate), "--duration", String(duration), "--json"],
  ...(certificate ? ["--insecure"] : []),
]);
const samples: StatsSnapshot[] = [];
let clientDone = false;
client.exited.then(() => (clientDone = true));
while (!clientDone) {
  samples.push(await stats());
  await new Promise((r) => setTimeout(r, 500));
}
await server.stop("SIGTERM");
const report = JSON.parse(client.stdout()) as ClientReport;

const ramp = samples.filter((s) => s.connections.open > 0);
const full = samples.filter((s) => s.connections.open === connections);
const atFull = full[full.length - 1] ?? samples[samples.length - 1];
const result = {
  runtime,
  tls: values.tls,
  version: idle.version,
  client: `${report.runtime.name} ${report.runtime.version}`,
  connections,
  peak: atFull.connections.peak,
  failed: report.failed,
  answered: report.answered,
  mismatched: report.mismatched,
  idleRss: idle.memory.rss,
  rssAtPeak: atFull.memory.rss,
  rssPerSocketSlope: Math.round(slope(ramp.map((s) => [s.connections.open, s.memory.rss]))),
  rssPerSocketEndpoint: Math.round((atFull.memory.rss - idle.memory.rss) / connections),
  heapPerSocketSlope: Math.round(slope(ramp.map((s) => [s.connections.open, s.memory.heapUsed]))),
  rttP99: report.rtt.p99,
  cpu: os.cpus()[0]?.model,
  date: new Date().toISOString().slice(0, 10),
};
if (process.env.SAMPLES) {
  for (const s of samples) {
    console.error(
      s.uptimeSeconds,
      s.connections.open,
      (s.memory.rss / 2 ** 20).toFixed(1),
      (s.memory.heapUsed / 2 ** 20).toFixed(1),
    );
  }
}
if (values.json) console.log(JSON.stringify(result));
else {
  const kb = (b: number) => (b / 1024).toFixed(2);
  console.log(
    `| ${runtime} ${result.version}${values.tls ? " TLS" : ""} | ${result.peak} | ${kb(result.rssPerSocketSlope)} | ${
      kb(result.rssPerSocketEndpoint)
    } | ` +
      `${kb(result.heapPerSocketSlope)} | ${(result.idleRss / 2 ** 20).toFixed(0)} → ${
        (result.rssAtPeak / 2 ** 20).toFixed(0)
      } | ` +
      `${result.failed} | ${result.answered} | ${result.mismatched} | ${result.rttP99} |`,
  );
}
