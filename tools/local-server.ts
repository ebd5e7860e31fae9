/** Starts the real server under a runtime on a free loopback port, as a user would. */
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { type Child, start, stopChild, waitFor } from "../system/child-process.ts";
import { runCommand, type RuntimeChoice, serverEntry } from "../system/runtimes.ts";

export interface TestServer {
  runtime: RuntimeChoice;
  child: Child;
  /** http://127.0.0.1:PORT, or https:// with --tls-cert */
  url: string;
  wsUrl: string;
  /** The supervisor's control port (http://127.0.0.1:PORT): /stats that never waits behind the load. */
  controlUrl: string;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Binds 127.0.0.1 unless `args` says another `--host`; the URL is always 127.0.0.1's. `prefix`
 * is a command that runs the server in its place (such as `prlimit --nofile=N`, which execs it).
 */
export async function startServer(
  runtime: RuntimeChoice,
  args: string[] = [],
  prefix: string[] = [],
): Promise<TestServer> {
  const child = start([
    ...prefix,
    ...runCommand(runtime),
    serverEntry(runtime),
    ...["--host", "127.0.0.1", "--port", "0", ...args],
  ]);
  const [, scheme, port] = await waitFor(child, /listening on (https?):\/\/[\d.]+:(\d+) \(/);
  const url = `${scheme}://127.0.0.1:${port}`;
  const [, controlUrl] = await waitFor(child, /control on (http:\/\/127\.0\.0\.1:\d+)\/stats/);
  return {
    controlUrl,
    runtime,
    child,
    url,
    wsUrl: `${scheme === "https" ? "wss" : "ws"}://127.0.0.1:${port}/ws`,
    stop: (signal = "SIGTERM") => stopChild(child, signal, 10_000),
  };
}

/**
 * `url`'s /stats once `ready` holds (workers report every second or less, so totals lag), polled;
 * after `ms`, the last answer. A connection refused meanwhile (every worker paused or restarting)
 * is no answer yet, not a failure.
 */
export async function statsUntil(
  url: string,
  ready: (s: ClusterStatsSnapshot) => boolean,
  ms = 10_000,
): Promise<ClusterStatsSnapshot> {
  let last: ClusterStatsSnapshot | undefined;
  let error: unknown;
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    try {
      last = await (await fetch(`${url}/stats`)).json() as ClusterStatsSnapshot;
      if (ready(last)) return last;
    } catch (err) {
      error = err;
    }
  }
  if (!last) throw new Error(`no answer from ${url}/stats within ${ms} ms: ${error}`);
  return last;
}
