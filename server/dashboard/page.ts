/**
 * The dashboard's script, in the browser: live from `/dashboard/events` (Server-Sent Events,
 * one frame a second), or, in the experiment's report, from the frames written into the page.
 */
import { Charts, columns } from "./charts.ts";
import type { Frame } from "./frame.ts";

declare global {
  /** Set by the experiment's report: the whole run, drawn once, no stream. */
  var C512K_FRAMES: Frame[] | undefined;
}

const charts = new Charts(document.getElementById("charts")!, globalThis.C512K_FRAMES ? Infinity : undefined);
const figure = (id: string, text: string) => (document.getElementById(id)!.textContent = text);
const n = (x: number | null) => (x === null ? "–" : Math.round(x).toLocaleString("en-US"));

/** The numbers, as text: what the charts show, for a screen reader or a glance. */
function show(): void {
  const frames = charts.frames;
  const f = frames[frames.length - 1];
  if (!f) return;
  const c = columns(frames.slice(-2));
  const last = <T>(xs: T[]) => xs[xs.length - 1];
  figure("open", n(f.open));
  figure("accepts", n(last(c.accepts)));
  figure("in", n(last(c.messagesIn)));
  figure("out", n(last(c.messagesOut)));
  figure("rss", `${n(f.rss / 1024 / 1024)} MB`);
  figure("per-socket", f.open > 0 ? `${(f.rss / f.open / 1024).toFixed(2)} KB` : "–");
  figure("workers", `${f.workers.filter((w) => w.alive).length} of ${f.workers.length}`);
  figure("restarts", n(f.restarts));
  figure("stale", `${(f.staleMs / 1000).toFixed(1)} s`);
  // For a test, or a script, to tell that frames arrive.
  document.body.dataset.frames = String(frames.length);
}

if (globalThis.C512K_FRAMES) {
  charts.push(...globalThis.C512K_FRAMES);
  show();
} else {
  const state = document.getElementById("state")!;
  const events = new EventSource("/dashboard/events");
  events.onopen = () => (state.textContent = "live");
  events.onerror = () => (state.textContent = "reconnecting…");
  events.onmessage = (e) => {
    charts.push(JSON.parse(e.data) as Frame);
    show();
  };
}
