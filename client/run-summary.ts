/** A run's fleet (GET /runs/NAME) as tables: a row per client, the total, the merged latencies. */
import Table from "cli-table3";
import type { RunView } from "../src/runs/run-shapes.ts";

export function formatRun(run: RunView, { color = false } = {}): string {
  const style = color ? {} : { style: { head: [], border: [] } };
  const clients = new Table({
    head: [
      "client",
      "address",
      "runtime",
      "state",
      "opened",
      "failed",
      "sent",
      "answered",
      "mismatched",
      "rtt p50/p99 ms",
    ],
    ...style,
  });
  const byId = [...run.clients].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
  for (const c of byId) {
    clients.push([
      c.id,
      c.address,
      c.runtime,
      c.rejoins > 0 ? `${c.state} (rejoined ${c.rejoins})` : c.state,
      c.opened,
      c.failed,
      c.sent,
      c.answered,
      c.mismatched,
      c.rtt ? `${c.rtt.p50} / ${c.rtt.p99}` : "",
    ]);
  }
  const t = run.total;
  clients.push([
    "total",
    "",
    "",
    run.state,
    t.opened,
    t.failed,
    t.sent,
    t.answered,
    t.mismatched,
    t.rtt ? `${t.rtt.p50} / ${t.rtt.p99}` : "",
  ]);
  const latency = new Table({ head: ["ms, whole fleet", "p50", "p99", "p99.9", "max"], ...style });
  for (
    const [label, p] of [["round trip", t.rtt], ["round trip, steady", t.rttSteady], ["connect", t.connect]] as const
  ) {
    if (p) latency.push([label, p.p50, p.p99, p.p999, p.max]);
  }
  const lost = run.clients.filter((c) => c.state === "lost").length;
  const lines = [clients.toString(), latency.toString()];
  for (const [reason, n] of Object.entries(t.failures)) lines.push(`failed ${n}: ${reason}`);
  lines.push(
    `run ${run.name}: ${run.state}, ${run.joined} of ${run.expected} clients${lost ? ` (${lost} lost)` : ""}; ` +
      `peak ${t.peakOpen} of ${t.target} sockets open, ${t.answered} answers, ${t.unanswered} unanswered`,
  );
  return lines.join("\n");
}
