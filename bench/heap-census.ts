/**
 * Where a Node server's per-socket heap lives: holds N sockets on the Hono app (the Node
 * adapter, in this process) or on the raw `ws` baseline, takes a V8 heap snapshot after GC, and
 * lists the kinds of object that come about once per socket or more, with their bytes per socket.
 *
 *   npm run build && node --import tsx bench/heap-census.ts --layer hono --connections 2000
 *   (--retainers "array: (array)": what holds that kind's objects, by holder and edge name)
 */
import { readFileSync, unlinkSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { WebSocketServer } from "ws";
import { adapter } from "../adapters/node.ts";
import { collectGarbage } from "../server/v8-gc.ts";
import { createApp } from "../src/app.ts";
import { scenarioSource } from "../src/scenario-source.ts";
import { start } from "../system/child-process.ts";
import { CLIENT, runCommand } from "../system/runtimes.ts";

const { values } = parseArgs({
  options: {
    layer: { type: "string", default: "hono" },
    connections: { type: "string", default: "2000" },
    top: { type: "string", default: "25" },
    // A kind from the table (e.g. "array: (array)"): also list what holds its objects.
    retainers: { type: "string" },
  },
});
const connections = Number(values.connections);

let open: () => number;
let port: number;
if (values.layer === "raw") {
  let count = 0;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 65536,
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on("connection", (ws) => {
    count++;
    ws.send("Welcome!");
    ws.on("message", (d) => ws.send(d.toString().toUpperCase()));
  });
  const server = createServer();
  server.on(
    "upgrade",
    (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
  );
  await new Promise<void>((r) => server.listen(0, "0.0.0.0", r));
  port = (server.address() as { port: number }).port;
  open = () => count;
} else {
  const { app, counters } = createApp({
    upgrade: adapter.upgrade,
    upgradeChecksHandshake: adapter.upgradeChecksHandshake,
    scenario: await scenarioSource("export default async () => {}"),
    runtime: adapter.runtime,
    maxPayload: 65536,
  });
  const running = await adapter.serve(app, {
    hostname: "0.0.0.0",
    port: 0,
    maxPayload: 65536,
    reusePort: false,
    workers: 1,
    handshakeTimeout: 10,
    idleTimeout: 0,
  });
  port = running.port;
  open = () => counters.open;
}

// The scenario comes from a Hono server: for raw, a throwaway one in a child (bun).
const host = start([...runCommand("bun"), "adapters/main.ts", "--host", "127.0.0.1", "--port", "0", "--workers", "1"]);
const hostPort = await new Promise<string>((resolve) => {
  const t = setInterval(() => {
    const m = host.output().match(/listening on http:\/\/[\d.]+:(\d+) \(/);
    if (m) (clearInterval(t), resolve(m[1]));
  }, 50);
});
const client = start([
  ...runCommand("bun"),
  CLIENT,
  `http://127.0.0.1:${hostPort}`,
  ...["--ports", String(port), "--connections", String(connections), "--rate", "5000", "--workers", "1", "--json"],
]);
while (open() < connections) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 1000));
collectGarbage();
const file = v8.writeHeapSnapshot(join(tmpdir(), `c512k-census-${process.pid}.heapsnapshot`));
client.proc.kill("SIGKILL");
host.proc.kill("SIGKILL");

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
unlinkSync(file);
const fields = snap.snapshot.meta.node_fields;
const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
const types = snap.snapshot.meta.node_types[0];
const kinds = new Map<string, { count: number; bytes: number }>();
let total = 0;
function kindOf(i: number): string {
  const type = types[snap.nodes[i + typeAt]];
  const name = type === "object" || type === "closure" || type === "native"
    ? snap.strings[snap.nodes[i + nameAt]]
    : `(${type})`;
  return `${type}: ${name}`.slice(0, 80);
}
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const key = kindOf(i);
  const k = kinds.get(key) ?? { count: 0, bytes: 0 };
  k.count++;
  k.bytes += snap.nodes[i + sizeAt];
  total += snap.nodes[i + sizeAt];
  kinds.set(key, k);
}
console.log(`${values.layer}: ${connections} sockets, heap ${(total / 2 ** 20).toFixed(1)} MiB in the snapshot`);
console.log("| kind | count | per socket | bytes per socket |\n| --- | --- | --- | --- |");
const perSocket = [...kinds].filter(([, k]) => k.count >= connections * 0.9).sort((a, b) => b[1].bytes - a[1].bytes);
let sum = 0;
for (const [key, k] of perSocket.slice(0, Number(values.top))) {
  sum += k.bytes;
  console.log(`| ${key} | ${k.count} | ${(k.count / connections).toFixed(1)} | ${Math.round(k.bytes / connections)} |`);
}
console.log(
  `top ${Math.min(perSocket.length, Number(values.top))} kinds: ${Math.round(sum / connections)} bytes per socket`,
);
if (values.retainers) {
  // Every edge into an object of that kind, grouped by the holder's kind and the edge's name.
  const edgeFields = snap.snapshot.meta.edge_fields;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const [edgeTypeAt, edgeNameAt, toAt] = ["type", "name_or_index", "to_node"].map((f) => edgeFields.indexOf(f));
  const edgeCountAt = fields.indexOf("edge_count");
  const holders = new Map<string, { count: number; bytes: number }>();
  let e = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    for (let n = snap.nodes[i + edgeCountAt]; n > 0; n--, e += edgeFields.length) {
      const to = snap.edges[e + toAt];
      if (kindOf(to) !== values.retainers) continue;
      const edgeType = edgeTypes[snap.edges[e + edgeTypeAt]];
      if (edgeType === "weak") continue;
      const edgeName = edgeType === "element" || edgeType === "hidden"
        ? `[${edgeType}]`
        : snap.strings[snap.edges[e + edgeNameAt]];
      const key = `${kindOf(i)} .${edgeName}`.slice(0, 100);
      const h = holders.get(key) ?? { count: 0, bytes: 0 };
      h.count++;
      h.bytes += snap.nodes[to + sizeAt];
      holders.set(key, h);
    }
  }
  console.log(`\nwhat holds ${values.retainers} (an object held twice counts twice):`);
  console.log("| holder .edge | count | bytes per socket |\n| --- | --- | --- |");
  for (const [key, h] of [...holders].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(values.top))) {
    console.log(`| ${key} | ${h.count} | ${Math.round(h.bytes / connections)} |`);
  }
}
process.exit(0);
