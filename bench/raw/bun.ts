/**
 * The seed's echo straight on Bun's own API, no Hono: the baseline that shows what the Hono
 * path costs. `bun bench/raw/bun.ts [PORT]`; workers share the port with reusePort.
 */
import { gcTimed } from "../../server/gc-timed.ts";

const port = Number(process.argv[2] ?? 8080);
let open = 0;
const server = Bun.serve({
  port,
  hostname: "0.0.0.0",
  reusePort: true,
  fetch(req, srv) {
    return new URL(req.url).pathname === "/ws" && srv.upgrade(req, { data: undefined })
      ? undefined as unknown as Response
      : new Response("raw bun: /ws only\n", { status: 404 });
  },
  websocket: {
    open: (ws: { send(s: string): void }) => (open++, ws.send("Welcome!")),
    message: (ws: { send(s: string): void }, m: string) => ws.send(String(m).toUpperCase()),
    close: () => open--,
    maxPayloadLength: 65536,
    perMessageDeflate: false,
  },
});
console.log(`listening on http://0.0.0.0:${server.port} (raw bun ${Bun.version}, pid ${process.pid})`);
// As the c512k worker does: memory after GC on SIGUSR2, for `npm run compare`.
process.on("SIGUSR2", () => {
  const gc = gcTimed(() => Bun.gc(true));
  const { rss, heapUsed } = process.memoryUsage();
  console.log(`@c512k-memory ${JSON.stringify({ open, rss, heapUsed, ...gc })}`);
});
