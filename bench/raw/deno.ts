/**
 * The seed's echo straight on `Deno.serve` and `Deno.upgradeWebSocket`, no Hono: the baseline
 * that shows what the Hono path costs on Deno. `deno run -A --unstable-net bench/raw/deno.ts [PORT]`;
 * processes share the port with reusePort, as the Hono server's workers do.
 */
import { collectGarbage } from "../../server/v8-gc.ts";
import { gcTimed } from "../../server/gc-timed.ts";

const port = Number(Deno.args[0] ?? 8080);
let open = 0;
Deno.serve({
  port,
  hostname: "0.0.0.0",
  reusePort: true,
  onListen: () => console.log(`listening on http://0.0.0.0:${port} (raw deno ${Deno.version.deno}, pid ${Deno.pid})`),
}, (req) => {
  if (new URL(req.url).pathname !== "/ws") return new Response("raw deno: /ws only\n", { status: 404 });
  // idleTimeout 0, as in the c512k adapter: no ping-based closing of the seed's quiet sockets.
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  socket.onopen = () => (open++, socket.send("Welcome!"));
  socket.onclose = () => open--;
  socket.onmessage = (e) => typeof e.data === "string" ? socket.send(e.data.toUpperCase()) : socket.close(4003);
  return response;
});
// As the c512k worker does: memory after GC on SIGUSR2, for `npm run compare`.
Deno.addSignalListener("SIGUSR2", () => {
  const gc = gcTimed(collectGarbage);
  const { rss, heapUsed } = Deno.memoryUsage();
  console.log(`@c512k-memory ${JSON.stringify({ open, rss, heapUsed, ...gc })}`);
});
