/**
 * What Deno does with a message over --max-payload, since it has no setting to refuse one early:
 * sends one message of each size to a Deno server started with --max-payload 65536 and reports
 * the close code, the time to it, and the server's peak RSS (VmHWM from /proc) after each.
 *
 *   node --import tsx bench/deno-message-size.ts [--runtime deno] [--sizes 1,16,64,128]
 */
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import type { RuntimeName } from "../system/runtimes.ts";
import { startServer } from "../tools/local-server.ts";

const { values } = parseArgs({
  options: { runtime: { type: "string", default: "deno" }, sizes: { type: "string", default: "1,16,64,65,128,129" } },
});
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) * 1024;
}

console.log(`| ${values.runtime}: message MiB | close code | ms to close | server peak RSS MiB |`);
console.log("| --- | --- | --- | --- |");
for (const size of values.sizes!.split(",").map(Number)) {
  // A fresh server per size, so each peak is that message's alone.
  const server = await startServer(values.runtime as RuntimeName, ["--max-payload", "65536"]);
  const pid = server.child.proc.pid!;
  const ws = new WebSocket(server.wsUrl, { perMessageDeflate: false, maxPayload: 2 ** 31 });
  ws.on("error", () => {});
  await once(ws, "message");
  const before = peakRss(pid);
  const t0 = performance.now();
  ws.send("x".repeat(size * 2 ** 20));
  const [code] = await Promise.race([
    once(ws, "close"),
    new Promise<number[]>((r) => setTimeout(() => r([-1]), 60_000)),
  ]);
  const ms = Math.round(performance.now() - t0);
  const after = peakRss(pid);
  console.log(`| ${size} | ${code === -1 ? "none in 60 s" : code} | ${ms} | ${mib(before)} → ${mib(after)} |`);
  ws.terminate();
  await server.stop("SIGKILL");
}
