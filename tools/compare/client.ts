/**
 * One client of `npm run compare` (a runtime, with its own WebSocket or the lean one): it opens the sockets as
 * fast as it can against the lightest server (raw Bun); its RSS is fitted against the sockets
 * the server holds, sampled as they open.
 */
import { slope } from "../fit.ts";
import { openFileCount, processTree, rssBytes } from "../../system/proc.ts";
import { freePort, start, stopChild, waitFor } from "../../system/child-process.ts";
import { CLIENT, ROOT, runCommand, type RuntimeChoice } from "../../system/runtimes.ts";
import type { WebSocketKind } from "../../client/options.ts";
import type { ClientFigures } from "./report.ts";
import { CLIENT_STOP_MS, clientReportFrom } from "../client-stop.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureClient(
  runtime: RuntimeChoice,
  websocket: WebSocketKind,
  connections: number,
  scenarioHost: string,
): Promise<ClientFigures> {
  const port = await freePort();
  const server = start([...runCommand("bun"), `${ROOT}bench/raw/bun.ts`, String(port)]);
  await waitFor(server, /listening on/);
  try {
    const base = openFileCount(server.proc.pid!);
    const client = start([
      ...runCommand(runtime),
      CLIENT,
      scenarioHost,
      ...["--ports", String(port), "--connections", String(connections), "--rate", "100000", "--max-pending", "1000"],
      ...["--workers", "1", "--targets", `127.0.0.1-${Math.max(1, Math.ceil(connections / 5_000))}`],
      ...["--websocket", websocket, "--json"],
    ]);
    const points: [number, number][] = [];
    let first = 0;
    let last = 0;
    let lastOpen = -1;
    for (;;) {
      const open = openFileCount(server.proc.pid!) - base;
      const now = performance.now();
      const rss = processTree(client.proc.pid!).reduce((s, p) => s + rssBytes(p), 0);
      if (open > 0 && !first) first = now;
      if (open !== lastOpen) {
        lastOpen = open;
        last = now;
        points.push([open, rss]);
      }
      if (open >= connections || (first && now - last > 15_000) || client.proc.exitCode !== null) break;
      await sleep(100);
    }
    const version = (await waitFor(client, /on \w+ (\S+) with /))[1];
    const ended = await stopChild(client, "SIGINT", CLIENT_STOP_MS);
    const report = clientReportFrom(client.stdout(), ended, client.output());
    return {
      name: websocket === "lean" ? `${runtime} lean` : runtime,
      runtime,
      websocket: report.websocket ?? websocket,
      version,
      // The first point is the process before any socket: the fit is over the ramp.
      bytesPerSocket: Math.round(slope(points.filter(([open]) => open > 0))),
      connectRate: Math.round(lastOpen / ((last - first) / 1000)),
      errors: (report.failed ?? connections) + (report.mismatched ?? 0),
    };
  } finally {
    server.proc.kill("SIGKILL");
    await server.exited;
  }
}
