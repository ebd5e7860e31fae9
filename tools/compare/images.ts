/**
 * Saves the charts of a compare report as PNG files beside it, for BENCHMARKS.md:
 *
 *   node --import tsx tools/compare/images.ts results/compare-…   → chart-memory.png, chart-accept.png, …
 */
import { join, resolve } from "node:path";
import process from "node:process";
import { launchChromium } from "./browser.ts";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node --import tsx tools/compare/images.ts DIR   (DIR holds report.html)");
  process.exit(2);
}
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`file://${resolve(dir, "report.html")}`);
  for (const figure of await page.locator("figure").all()) {
    const id = await figure.getAttribute("id");
    await figure.screenshot({ path: join(dir, `${id}.png`) });
    console.log(join(dir, `${id}.png`));
  }
} finally {
  await browser.close();
}
