/**
 * How long a public `GET /stats` takes while an experiment saturates the machine, polled every
 * 2 s from the server's start to the stop, as a person watching would:
 *   node --import tsx bench/stats-under-load.ts -- EXPERIMENT OPTIONS
 * e.g. the slow-day scale test's command (test/scale/slow-day.test.ts):
 *   node --import tsx bench/stats-under-load.ts -- --runtime node --connections 100000 --interval 1 \
 *     --hold 10 --cpu-quota 0.5 --server-workers 3 --client-workers 3 --rate 2000 --max-pending 1000
 * Prints one JSON line: polls, answered, not answered (by why), p50 / p99 / max ms.
 */
import process from "node:process";
import { start, waitFor } from "../system/child-process.ts";
import { ROOT } from "../system/runtimes.ts";

const POLL_EVERY_MS = 2_000;
/** A person gives up on a page after this long; the experiment's own samples wait as long. */
const TIMEOUT_MS = 10_000;

const args = process.argv.slice(2).filter((a) => a !== "--");
const child = start([process.execPath, `${ROOT}dist/experiment.js`, ...args]);
const [, url] = await waitFor(child, /server on \w+ at (http:\/\/127\.0\.0\.1:\d+)/, 120_000);
const times: number[] = [];
const missed: Record<string, number> = {};
let ended = false;
child.exited.then(() => (ended = true));
while (!ended && !child.output().includes("stopping the client, then the server")) {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.ok) times.push(performance.now() - started);
    else missed[`HTTP ${res.status}`] = (missed[`HTTP ${res.status}`] ?? 0) + 1;
  } catch (err) {
    const why = (err as Error).name === "TimeoutError" ? "timed out" : "refused";
    missed[why] = (missed[why] ?? 0) + 1;
  }
  await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
}
await child.exited;
times.sort((a, b) => a - b);
const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN);
console.log(JSON.stringify({
  polls: times.length + Object.values(missed).reduce((a, b) => a + b, 0),
  answered: times.length,
  missed,
  p50: at(0.5),
  p99: at(0.99),
  max: Math.round(times.at(-1) ?? NaN),
}));
