/**
 * The seed's echo straight on `ws` over node:http, no Hono: the baseline that shows what the
 * Hono path costs on Node. `node --import tsx bench/raw/node.ts [PORT] [WORKERS]`: with more than
 * one worker, cluster workers that accept for themselves from the shared port, as the Hono
 * server's do (adapters/node.ts), so both pay the same for sharing a port. From Node 22.12 the
 * Hono server's workers each listen with reusePort instead: there this process never forks, and
 * tools/compare/raw-server.ts starts WORKERS of it, each on a socket of its own.
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { collectGarbage } from "../../server/v8-gc.ts";
import { gcTimed } from "../../server/gc-timed.ts";
import { processAcceptBounds } from "../../server/accept-bounds.ts";
import { AcceptGuard, NODE_BACKLOG, sharedBacklog } from "../../adapters/_node/accept-guard.ts";
import { reusesPort } from "../../adapters/_node/reuse-port.ts";

const port = Number(process.argv[2] ?? 8080);
const workers = Number(process.argv[3] ?? 1);
const own = workers > 1 && reusesPort(process.versions.node, process.env);
if (workers > 1 && cluster.isPrimary && !own) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  // A cluster worker outlives a primary killed with SIGKILL (as the benchmarks stop it) unless
  // it leaves when the IPC channel to the primary closes.
  if (cluster.isWorker) process.on("disconnect", () => process.exit(0));
  serve();
}

function serve(): void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 65536,
    perMessageDeflate: false,
    clientTracking: false,
  });
  let open = 0;
  wss.on("connection", (ws) => {
    open++;
    ws.once("close", () => open--);
    ws.send("Welcome!");
    ws.on("message", (data, isBinary) => (isBinary ? ws.close(4003) : ws.send(data.toString().toUpperCase())));
  });
  const server = createServer((_req, res) => res.writeHead(404).end("raw node: /ws only\n"));
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/ws") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  // The same accept queue as the Hono server's workers ask for on their shared port, and the same
  // guard at the open-file limit: without it a worker that took a burst past its limit dropped
  // what it accepted (3,948 of 200,000 at 14 workers), which is no cost of Hono's.
  const at = own
    ? { port, host: "0.0.0.0", backlog: NODE_BACKLOG, reusePort: true }
    : { port, host: "0.0.0.0", backlog: sharedBacklog(workers) };
  server.listen(at, () => {
    if (cluster.isWorker || own) new AcceptGuard(processAcceptBounds()).watch(server, at);
    console.log(`listening on http://0.0.0.0:${port} (raw node ${process.versions.node}, pid ${process.pid})`);
  });
  // As the c512k worker does: memory after GC on SIGUSR2, for `npm run compare`.
  process.on("SIGUSR2", () => {
    const gc = gcTimed(collectGarbage);
    const { rss, heapUsed } = process.memoryUsage();
    console.log(`@c512k-memory ${JSON.stringify({ open, rss, heapUsed, ...gc })}`);
  });
}
