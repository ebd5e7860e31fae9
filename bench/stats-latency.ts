/**
 * How long `GET /stats` takes, sequential requests against a running server:
 *   node --import tsx bench/stats-latency.ts URL [N]
 * Each answer comes from a worker that asks the supervisor for the totals (server/totals.ts).
 */
import process from "node:process";

const [url, n = "1000"] = process.argv.slice(2);
if (!url) {
  console.error("usage: node --import tsx bench/stats-latency.ts URL [N]");
  process.exit(2);
}
const times: number[] = [];
for (let i = 0; i < Number(n); i++) {
  const start = performance.now();
  await (await fetch(`${url}/stats`)).json();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
console.log(JSON.stringify({ requests: times.length, p50: at(0.5), p99: at(0.99), max: times.at(-1)!.toFixed(2) }));
