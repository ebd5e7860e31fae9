/**
 * The dashboard's pictures, in the browser: three time charts (uPlot: small, fast, no
 * dependencies) and the workers as bars, from frames. The live page and the experiment's report
 * draw with the same code, so they show the same thing.
 */
import uPlot from "uplot";
import type { Frame } from "./frame.ts";

/** The live page keeps this many seconds; the report keeps its whole run. */
export const LIVE_SECONDS = 600;

const MB = 1024 * 1024;

interface Columns {
  t: number[];
  open: number[];
  accepts: (number | null)[];
  messagesIn: (number | null)[];
  messagesOut: (number | null)[];
  rssMB: number[];
  perSocketKB: (number | null)[];
}

/** Per-second rates from consecutive frames (null for the first: no rate yet). */
export function columns(frames: Frame[]): Columns {
  const c: Columns = { t: [], open: [], accepts: [], messagesIn: [], messagesOut: [], rssMB: [], perSocketKB: [] };
  frames.forEach((f, i) => {
    const prev = frames[i - 1];
    const dt = prev ? (f.at - prev.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined) =>
      prev && dt > 0 && before !== undefined ? Math.max(0, (now - before) / dt) : null;
    c.t.push(f.at / 1000);
    c.open.push(f.open);
    c.accepts.push(rate(f.accepted, prev?.accepted));
    c.messagesIn.push(rate(f.messagesIn, prev?.messagesIn));
    c.messagesOut.push(rate(f.messagesOut, prev?.messagesOut));
    c.rssMB.push(f.rss / MB);
    c.perSocketKB.push(f.open > 0 ? f.rss / f.open / 1024 : null);
  });
  return c;
}

/** The scheme's colours, from the page's CSS custom properties (light and dark). */
function palette(): Record<"fg" | "grid" | "a" | "b" | "c", string> {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return { fg: v("--fg"), grid: v("--grid"), a: v("--a"), b: v("--b"), c: v("--c") };
}

function chart(
  into: HTMLElement,
  title: string,
  series: { label: string; color: "a" | "b" | "c"; scale?: string; value: (v: number | null) => string }[],
  scales: { key: string; label: string; side?: number }[],
): uPlot {
  const colors = palette();
  const axis = { stroke: colors.fg, grid: { stroke: colors.grid }, ticks: { stroke: colors.grid } };
  return new uPlot(
    {
      title,
      width: into.clientWidth || 600,
      height: 220,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: colors[s.color],
          width: 2,
          scale: s.scale ?? scales[0].key,
          value: (_u: uPlot, v: number | null) => s.value(v),
          spanGaps: true,
        })),
      ],
      axes: [
        axis,
        ...scales.map((s) => ({ ...axis, scale: s.key, label: s.label, side: s.side ?? 3, size: 70 })),
      ],
      scales: Object.fromEntries(
        scales.map((s) => [s.key, {
          auto: true,
          range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.05 : 1] as uPlot.Range.MinMax,
        }]),
      ),
      legend: { live: true },
    },
    [[]],
    into,
  );
}

const whole = (v: number | null) => (v === null ? "–" : Math.round(v).toLocaleString("en-US"));
const fixed = (digits: number) => (v: number | null) => (v === null ? "–" : v.toFixed(digits));

export class Charts {
  #frames: Frame[] = [];
  #plots: { plot: uPlot; data: (c: Columns) => uPlot.AlignedData }[];
  #bars: HTMLElement;
  #keep: number;

  /** `keep`: frames kept (the live page's window); Infinity for a report. */
  constructor(root: HTMLElement, keep = LIVE_SECONDS) {
    this.#keep = keep;
    const box = (label: string) => {
      const el = document.createElement("figure");
      el.className = "chart";
      el.setAttribute("aria-label", label);
      root.appendChild(el);
      return el;
    };
    const open = box("open sockets over time");
    const rates = box("accepts and messages per second over time");
    const memory = box("server memory over time");
    this.#bars = document.createElement("div");
    this.#bars.className = "bars";
    root.appendChild(this.#bars);
    this.#plots = [
      {
        plot: chart(open, "Open sockets", [{ label: "open", color: "a", value: whole }], [{
          key: "n",
          label: "sockets",
        }]),
        data: (c) => [c.t, c.open],
      },
      {
        plot: chart(rates, "Per second", [
          { label: "accepts/s", color: "a", value: whole },
          { label: "messages in/s", color: "b", value: whole },
          { label: "messages out/s", color: "c", value: whole },
        ], [{ key: "r", label: "per second" }]),
        data: (c) => [c.t, c.accepts, c.messagesIn, c.messagesOut],
      },
      {
        plot: chart(memory, "Server memory", [
          { label: "RSS, MB", color: "a", value: whole },
          { label: "RSS per socket, KB", color: "b", scale: "kb", value: fixed(2) },
        ], [{ key: "mb", label: "MB" }, { key: "kb", label: "KB per socket", side: 1 }]),
        data: (c) => [c.t, c.rssMB, c.perSocketKB],
      },
    ];
    const fit = () => {
      for (const { plot } of this.#plots) plot.setSize({ width: plot.root.parentElement!.clientWidth, height: 220 });
    };
    addEventListener("resize", fit);
  }

  get frames(): readonly Frame[] {
    return this.#frames;
  }

  push(...frames: Frame[]): void {
    this.#frames.push(...frames);
    if (this.#frames.length > this.#keep) this.#frames.splice(0, this.#frames.length - this.#keep);
    const c = columns(this.#frames);
    for (const { plot, data } of this.#plots) plot.setData(data(c));
    const last = this.#frames[this.#frames.length - 1];
    if (last) this.#drawBars(last);
  }

  /** Each worker's open sockets as a bar, its memory beside it: a table, read as one. */
  #drawBars(f: Frame): void {
    const most = Math.max(1, ...f.workers.map((w) => w.open));
    const rows = f.workers.map((w) =>
      `<tr${w.alive ? "" : ' class="dead"'}><th scope="row">${w.id}</th>` +
      `<td><span class="track"><span class="bar" style="width:${((w.open / most) * 100).toFixed(1)}%"></span></span>${
        whole(w.open)
      }</td>` +
      `<td>${whole(w.rss / MB)} MB</td><td>${w.restarts}${w.alive ? "" : " (down)"}</td></tr>`
    ).join("");
    this.#bars.innerHTML = `<table><caption>Workers</caption><thead><tr><th scope="col">worker</th>` +
      `<th scope="col">open sockets</th><th scope="col">RSS</th><th scope="col">restarts</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>`;
  }
}
