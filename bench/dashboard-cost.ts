/**
 * What watching costs: runs the experiment with `PAGES` dashboards open in headless Chromium for
 * the whole run (0: none), so two runs of the same command give the CPU and memory the page adds.
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
const code = await experiment.exited;
await browser?.close();
console.log(experiment.output().split("\n").filter((l) => !l.startsWith("[")).slice(-60).join("\n"));
process.exit(typeof code === "number" ? code : 1);
