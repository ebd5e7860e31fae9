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
  /** The newest run's round trip so far (ms), while frames carry one. */
  runP50: (number | null)[];
  runP99: (number | null)[];
}

/** Per-second rates from consecutive frames (null for the first: no rate yet). */
export function columns(frames: Frame[]): Columns {
  const c: Columns = {
    t: [],
    open: [],
    accepts: [],
    messagesIn: [],
    messagesOut: [],
    rssMB: [],
    perSocketKB: [],
    runP50: [],
    runP99: [],
  };
  const newest = frames[frames.length - 1]?.runs?.[0]?.name;
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
    const run = f.runs?.find((r) => r.name === newest);
    c.runP50.push(run?.rttP50 ?? null);
    c.runP99.push(run?.rttP99 ?? null);
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

/** Run names and client ids are checked at the server; escaped here all the same. */
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const whole = (v: number | null) => (v === null ? "–" : Math.round(v).toLocaleString("en-US"));
const fixed = (digits: number) => (v: number | null) => (v === null ? "–" : v.toFixed(digits));

export class Charts {
  #frames: Frame[] = [];
  #plots: { plot: uPlot; data: (c: Columns) => uPlot.AlignedData }[];
  #bars: HTMLElement;
  #runs: HTMLElement;
  #fleet: HTMLElement;
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
    // Shown once a run of several clients (client --run) is there.
    this.#fleet = box("the newest run's round trip over time");
    this.#fleet.hidden = true;
    this.#bars = document.createElement("div");
    this.#bars.className = "bars";
    root.appendChild(this.#bars);
    this.#runs = document.createElement("div");
    this.#runs.className = "bars runs";
    this.#runs.hidden = true;
    root.appendChild(this.#runs);
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
      {
        plot: chart(this.#fleet, "Fleet round trip", [
          { label: "p50, ms", color: "a", value: fixed(1) },
          { label: "p99, ms", color: "b", value: fixed(1) },
        ], [{ key: "ms", label: "ms, so far" }]),
        data: (c) => [c.t, c.runP50, c.runP99],
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
    if (last?.runs?.length) this.#drawRuns(last);
  }

  /** Each run: its clients joined, its sockets and round trip, each client's open sockets as a bar. */
  #drawRuns(f: Frame): void {
    const runs = f.runs!;
    if (this.#fleet.hidden) {
      this.#fleet.hidden = this.#runs.hidden = false;
      const plot = this.#plots[this.#plots.length - 1].plot;
      plot.setSize({ width: this.#fleet.clientWidth, height: 220 });
    }
    const ms = (v: number | null) => (v === null ? "–" : v.toFixed(1));
    const rows = runs.flatMap((r) => {
      const most = Math.max(1, ...r.clients.map((c) => c.open));
      return [
        `<tr><th scope="row">${escapeHtml(r.name)}</th><td>${r.state}, ${r.joined} of ${r.expected} clients${
          r.hold ? `; held: ${escapeHtml(r.hold)}` : ""
        }</td>` +
        `<td>${whole(r.open)} open, ${whole(r.failed)} failed</td><td>${ms(r.rttP50)} / ${ms(r.rttP99)} ms</td></tr>`,
        ...r.clients.map((c) =>
          `<tr${c.state === "lost" ? ' class="dead"' : ""}><td>${escapeHtml(c.id)}</td><td>${c.state}</td>` +
          `<td><span class="track"><span class="bar" style="width:${
            ((c.open / most) * 100).toFixed(1)
          }%"></span></span>${whole(c.open)}</td><td></td></tr>`
        ),
      ];
    }).join("");
    this.#runs.innerHTML = `<table><caption>Runs (client --run)</caption><thead><tr><th scope="col">run / client</th>` +
      `<th scope="col">state</th><th scope="col">sockets</th><th scope="col">round trip p50 / p99</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>`;
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
