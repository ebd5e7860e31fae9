/**
 * The dashboard's script and styles, bundled by esbuild from `server/dashboard/` (uPlot
 * included) once, the first time a page asks: a server nobody watches never pays for it.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** From here and from `dist/`, both one level under the project's root. */
const PAGE = fileURLToPath(new URL("../server/dashboard/page.ts", import.meta.url));
const UPLOT_CSS = fileURLToPath(new URL("../node_modules/uplot/dist/uPlot.min.css", import.meta.url));

export interface DashboardAssets {
  script: string;
  css: string;
}

let assets: Promise<DashboardAssets> | null = null;

export function dashboardAssets(): Promise<DashboardAssets> {
  assets ??= (async () => {
    const result = await build({
      entryPoints: [PAGE],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2020",
      minify: true,
      logLevel: "silent",
    });
    return { script: result.outputFiles[0].text, css: readFileSync(UPLOT_CSS, "utf8") };
  })();
  // A failed build is not cached: the next request tries again, and says why.
  assets.catch(() => (assets = null));
  return assets;
}
