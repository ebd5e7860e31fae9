/**
 * What watching costs: runs the experiment with `PAGES` dashboards open in headless Chromium for
 * the whole run (0: none), and with PAGES > 0 scrapes /metrics once a second as Prometheus would,
 * so two runs of the same command give the CPU and memory watching adds, and whether /metrics
 * answers all through a ramp.
 *   node --import tsx bench/dashboard-cost.ts PAGES -- EXPERIMENT_ARGS...
 * The experiment's report (its hold CPU, RSS per socket) is the figure; see BENCHMARKS.md.
 */
import process from "node:process";
import { start, waitFor } from "../system/child-process.ts";
import { ROOT } from "../system/runtimes.ts";
import { launchChromium } from "../tools/compare/browser.ts";

const [pagesArg, dashdash, ...args] = process.argv.slice(2);
const pages = Number(pagesArg);
if (!Number.isInteger(pages) || pages < 0 || dashdash !== "--") {
  console.error("usage: node --import tsx bench/dashboard-cost.ts PAGES -- EXPERIMENT_ARGS...");
  process.exit(2);
}
const experiment = start([process.execPath, `${ROOT}dist/experiment.js`, ...args]);
const browser = pages > 0 ? await launchChromium() : null;
if (browser) {
  const [, url] = await waitFor(experiment, /watch it live: (\S+)/, 120_000);
  for (let i = 0; i < pages; i++) await (await browser.newPage()).goto(url);
  console.error(`dashboard-cost: ${pages} page(s) open on ${url}`);
}
const scrapes: number[] = [];
let scrapeFailures = 0;
let running = true;
const scraper = (async () => {
  if (!browser) return;
  const [, url] = experiment.output().match(/watch it live: (\S+)\/dashboard/)!;
  // Until the experiment stops the server: then refusals are the end, not failures.
  while (running && !experiment.output().includes("stopping the client, then the server")) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      await res.text();
      if (res.ok) scrapes.push(performance.now() - t0);
      else scrapeFailures++;
    } catch {
      scrapeFailures++;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
})();
const code = await experiment.exited;
running = false;
await scraper;
if (scrapes.length) {
  scrapes.sort((a, b) => a - b);
  const at = (q: number) => scrapes[Math.min(scrapes.length - 1, Math.floor(q * scrapes.length))].toFixed(1);
  console.error(
    `dashboard-cost: /metrics scraped ${scrapes.length} times, ${scrapeFailures} failed; ` +
      `ms p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)}`,
  );
}
await browser?.close();
console.log(experiment.output().split("\n").filter((l) => !l.startsWith("[")).slice(-60).join("\n"));
process.exit(typeof code === "number" ? code : 1);
