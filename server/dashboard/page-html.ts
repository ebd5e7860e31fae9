/**
 * The dashboard's HTML, one self-contained page: no CDN, styles inline, a light and a dark
 * scheme (the reader's preference), readable from a phone's width up. The live page loads its
 * script from `/dashboard.js`; the experiment's report carries it inline with its frames.
 */
import type { Frame } from "./frame.ts";

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d1f21; --muted: #5c6166; --grid: #e3e5e8;
  --a: #1f6feb; --b: #c2410c; --c: #15803d; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1115; --fg: #e6e8eb; --muted: #a0a6ad; --grid: #2a2f36; --a: #58a6ff; --b: #f0883e; --c: #3fb950; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; background: var(--bg); color: var(--fg);
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1rem; }
h1 { font-size: 1.2rem; margin: 0; }
#state { color: var(--muted); }
dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .5rem; margin: 1rem 0; }
dl div { border: 1px solid var(--grid); border-radius: 6px; padding: .4rem .6rem; }
dt { color: var(--muted); font-size: .8rem; }
dd { margin: 0; font-size: 1.3rem; font-variant-numeric: tabular-nums; }
#charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); gap: 1rem; }
figure { margin: 0; min-width: 0; }
.u-title { font-size: .95rem !important; font-weight: 600; }
.u-legend { font-size: .8rem; color: var(--fg); }
.bars table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
.bars caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
.bars th, .bars td { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid var(--grid); white-space: nowrap; }
.bars td:nth-child(2) { width: 60%; }
.track { display: inline-block; width: calc(100% - 5.5rem); margin-right: .4rem; vertical-align: middle; }
.bar { display: block; height: .8rem; background: var(--a); min-width: 1px; }
.dead { color: var(--b); }
.runs th, .runs td { white-space: normal; }
.runs td:nth-child(2) { width: auto; }
.runs td:nth-child(3) { width: 40%; }
`;

const FIGURES: [string, string][] = [
  ["open", "open sockets"],
  ["accepts", "accepts/s"],
  ["in", "messages in/s"],
  ["out", "messages out/s"],
  ["rss", "server RSS"],
  ["per-socket", "RSS ÷ open sockets"],
  ["workers", "workers alive"],
  ["restarts", "worker restarts"],
  ["stale", "figures' age"],
];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `script`: inline JavaScript, or null to load `/dashboard.js`. `frames`: a finished run's, for
 * the report (drawn once, no stream).
 */
export function dashboardPage(
  { title, css, script, frames }: { title: string; css: string; script: string | null; frames?: Frame[] },
): string {
  const figures = FIGURES.map(([id, label]) => `<div><dt>${label}</dt><dd id="${id}">–</dd></div>`).join("");
  // "</script" inside the data would end the element: escaped as JSON allows.
  const data = frames ? `<script>var C512K_FRAMES = ${JSON.stringify(frames).replaceAll("</", "<\\/")};</script>` : "";
  const code = script === null ? `<script src="/dashboard.js" defer></script>` : `<script>${script}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escape(title)}</title>
<style>${css}${STYLE}</style>
</head>
<body>
<header><h1>${escape(title)}</h1><span id="state" role="status">${
    frames ? "the whole run" : "connecting…"
  }</span></header>
<dl aria-label="the latest figures">${figures}</dl>
<main id="charts"></main>
${data}${code}
</body>
</html>
`;
}
