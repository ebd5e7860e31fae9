/**
 * The compare report as one self-contained HTML page: tables and inline SVG charts, no script,
 * no network. Hand-written SVG rather than a chart library: a library would have to be inlined
 * whole (Chart.js is ~200 KB and draws on a canvas, whose numbers a test cannot read back); these
 * four charts are lines and bars whose every value is also an attribute a test can check.
 */
import type { CompareReport, ServerFigures } from "./report.ts";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
const W = 640;
const H = 340;
const PAD = { left: 70, right: 170, top: 20, bottom: 80 };

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const kb = (b: number) => (b / 1024).toFixed(2);

/** Round numbers for an axis from 0 to at least `max`. */
function ticks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(max || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  return Array.from({ length: Math.ceil(max / nice) + 1 }, (_, i) => i * nice);
}

function frame(title: string, yTicks: number[], yMax: number, yLabel: string, body: string, id: string): string {
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / yMax);
  const grid = yTicks.map((t) =>
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>` +
    `<text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`
  ).join("");
  return `<figure id="${id}"><figcaption>${
    esc(title)
  }</figcaption><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">` +
    `${grid}<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" font-size="11">${
      esc(yLabel)
    }</text>` +
    `${body}</svg></figure>`;
}

function memoryChart(servers: ServerFigures[]): string {
  const xMax = Math.max(...servers.flatMap((s) => s.samples.map((p) => p.open)), 1);
  const yMax = Math.max(...servers.flatMap((s) => s.samples.map((p) => p.rss / 2 ** 20)), 1);
  const yTicks = ticks(yMax);
  const top = yTicks[yTicks.length - 1];
  const x = (v: number) => PAD.left + (W - PAD.left - PAD.right) * (v / xMax);
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / top);
  const lines = servers.map((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.samples.map((p) => `${x(p.open).toFixed(1)},${y(p.rss / 2 ** 20).toFixed(1)}`).join(" ");
    const dots = s.samples.map((p) =>
      `<circle cx="${x(p.open).toFixed(1)}" cy="${
        y(p.rss / 2 ** 20).toFixed(1)
      }" r="3" fill="${color}" data-open="${p.open}" data-rss="${p.rss}"/>`
    ).join("");
    const legend = `<text x="${W - PAD.right + 10}" y="${PAD.top + 14 * i + 10}" font-size="11" fill="${color}">${
      esc(s.name)
    }</text>`;
    return `<g data-server="${
      esc(s.name)
    }"><polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>${dots}</g>${legend}`;
  }).join("");
  const xAxis = ticks(xMax).filter((t) => t <= xMax).map((t) =>
    `<text x="${x(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`
  ).join("");
  return frame(
    "Server RSS after GC against open sockets",
    yTicks,
    top,
    "RSS (MiB)",
    lines + xAxis +
      `<text x="${(PAD.left + W - PAD.right) / 2}" y="${
        H - PAD.bottom + 34
      }" text-anchor="middle" font-size="11">open sockets</text>`,
    "chart-memory",
  );
}

/** Bars, one group per server, one bar per series. */
function barChart(
  id: string,
  title: string,
  unit: string,
  servers: ServerFigures[],
  series: { label: string; value: (s: ServerFigures) => number }[],
): string {
  const yMax = Math.max(...servers.flatMap((s) => series.map((f) => f.value(s))), 1);
  const yTicks = ticks(yMax);
  const top = yTicks[yTicks.length - 1];
  const plotW = W - PAD.left - PAD.right;
  const group = plotW / servers.length;
  const bar = (group * 0.8) / series.length;
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / top);
  const bars = servers.map((s, i) =>
    series.map((f, j) => {
      const v = f.value(s);
      const x = PAD.left + group * i + group * 0.1 + bar * j;
      return `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${bar.toFixed(1)}" height="${
        (y(0) - y(v)).toFixed(1)
      }" ` +
        `fill="${COLORS[j % COLORS.length]}" data-server="${esc(s.name)}" data-series="${
          esc(f.label)
        }" data-value="${v}"><title>${esc(`${s.name} ${f.label}: ${v} ${unit}`)}</title></rect>`;
    }).join("") +
    // Slanted, so that nine names side by side stay readable.
    `<text x="${PAD.left + group * (i + 0.5)}" y="${H - PAD.bottom + 12}" text-anchor="end" font-size="10" ` +
    `transform="rotate(-35 ${PAD.left + group * (i + 0.5)} ${H - PAD.bottom + 12})">${esc(s.name)}</text>`
  ).join("");
  const legend = series.length > 1
    ? series.map((f, j) =>
      `<text x="${W - PAD.right + 10}" y="${PAD.top + 14 * j + 10}" font-size="11" fill="${COLORS[j]}">${
        esc(f.label)
      }</text>`
    ).join("")
    : "";
  return frame(title, yTicks, top, unit, bars + legend, id);
}

export function formatHtml(r: CompareReport): string {
  const m = r.meta;
  const serverRows = r.servers.map((s) =>
    `<tr data-server="${esc(s.name)}"><th>${esc(s.name)} ${esc(s.version)}</th>` +
    `<td data-field="bytesPerSocket">${kb(s.bytesPerSocket)}</td>` +
    `<td data-field="heapBytesPerSocket">${kb(s.heapBytesPerSocket)}</td>` +
    `<td data-field="acceptRate">${s.acceptRate}</td>` +
    `<td data-field="cpuSecondsPer10kAccepts">${s.cpuSecondsPer10kAccepts}</td>` +
    `<td data-field="cpuPercentSteady">${s.cpuPercentSteady}</td>` +
    `<td data-field="rtt">${s.rtt.p50} / ${s.rtt.p99} / ${s.rtt.p999}</td>` +
    `<td data-field="startupMs">${s.startupMs}</td><td data-field="errors">${s.errors}</td></tr>`
  ).join("\n");
  const unmeasuredRows = r.unmeasured.map((u) =>
    `<tr data-server="${esc(u.name)}" data-unmeasured><th>${esc(u.name)}</th>` +
    `<td colspan="8" data-field="reason">not measured: ${esc(u.reason)}</td></tr>`
  ).join("\n");
  const clientRows = r.clients.map((c) =>
    `<tr data-client="${esc(c.name)}"><th>${esc(c.name)} ${esc(c.version)} (${
      esc(c.websocket)
    })</th><td data-field="bytesPerSocket">${
      kb(c.bytesPerSocket)
    }</td><td data-field="connectRate">${c.connectRate}</td><td data-field="errors">${c.errors}</td></tr>`
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>c512k compare: ${m.connections} sockets</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child { text-align: left; }
figure { display: inline-block; margin: 1em 1em 1em 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
</style></head><body>
<h1>c512k compare: ${m.connections} sockets, ${m.hold} s hold</h1>
<p id="meta">${esc(m.date)} · <code>${esc(m.command)}</code><br>${esc(m.machine.cpu)}, ${m.machine.cores} cores, ${
    Math.round(m.machine.memoryBytes / 2 ** 30)
  } GiB, Linux ${esc(m.machine.kernel)}, open files ${m.machine.openFiles} · ${
    Object.entries(m.versions).map(([k, v]) => `${k} ${esc(v)}`).join(", ")
  } · client on ${esc(m.clientRuntime)} (${esc(m.clientWebsocket)})${
    m.runs > 1 ? ` · every figure the median of ${m.runs} runs` : ""
  }</p>
<h2>Servers</h2>
<table id="servers"><thead><tr><th>server</th><th>RSS/socket (KB)</th><th>heap/socket (KB)</th><th>accepts/s</th><th>CPU s per 10k accepts</th><th>CPU % steady</th><th>rtt p50 / p99 / p99.9 (ms)</th><th>start-up (ms)</th><th>errors</th></tr></thead>
<tbody>
${serverRows}
${unmeasuredRows}
</tbody></table>
${memoryChart(r.servers)}
${
    barChart("chart-bytes", "RSS per socket", "KB", r.servers, [{
      label: "RSS/socket",
      value: (s) => Number(kb(s.bytesPerSocket)),
    }])
  }
${barChart("chart-accept", "Accept rate", "sockets/s", r.servers, [{ label: "accepts/s", value: (s) => s.acceptRate }])}
${
    barChart("chart-rtt", "Echo round trip at steady state", "ms", r.servers, [
      { label: "p50", value: (s) => s.rtt.p50 },
      { label: "p99", value: (s) => s.rtt.p99 },
      { label: "p99.9", value: (s) => s.rtt.p999 },
    ])
  }
<h2>Clients</h2>
<table id="clients"><thead><tr><th>client</th><th>RSS/socket (KB)</th><th>connects/s</th><th>errors</th></tr></thead>
<tbody>
${clientRows}
</tbody></table>
<p>RSS and heap per socket: least-squares slope over samples taken after a full GC at 0, ¼, ½, ¾ and all of the sockets. KB = 1,024 bytes. Accept rate and CPU per 10k accepts come from a ramp of their own, on a fresh server with no GC asked for.</p>
</body></html>
`;
}
