/** The human summary: one table and a footer line, returned as a string so it is testable. */
import Table from "cli-table3";
import { type ClientReport, failureAge } from "./report.ts";

/** No colour unless asked: `color` comes from the terminal and NO_COLOR/FORCE_COLOR (main.ts). */
export function formatSummary(r: ClientReport, { color = false } = {}): string {
  const style = color ? {} : { style: { head: [], border: [] } };
  const counts = new Table({
    head: ["target", "opened", "peak open", "failed", "sent", "answered", "mismatched", "unanswered"],
    ...style,
  });
  counts.push([r.target, r.opened, r.peakOpen, r.failed, r.sent, r.answered, r.mismatched, r.unanswered]);
  const latency = new Table({ head: ["ms", "p50", "p99", "p99.9", "max"], ...style });
  latency.push(["round trip", r.rtt.p50, r.rtt.p99, r.rtt.p999, r.rtt.max]);
  latency.push(["round trip, steady", r.rttSteady.p50, r.rttSteady.p99, r.rttSteady.p999, r.rttSteady.max]);
  latency.push(["connect", r.connect.p50, r.connect.p99, r.connect.p999, r.connect.max]);
  const lines = [counts.toString(), latency.toString()];
  if (r.ramp.state === "held") {
    lines.push(`the ramp held at ${r.peakOpen} of ${r.target} (the machine is full): ${r.ramp.why}`);
  }
  if (r.ramp.pauses > 0) {
    lines.push(`the ramp paused ${r.ramp.pauses} times for deep queues, ${r.ramp.pausedSeconds} s in all`);
  }
  for (const [reason, n] of Object.entries(r.failures)) lines.push(`failed ${n}: ${reason}${failureAge(r, reason)}`);
  if (r.shutdowns > 0) {
    lines.push(
      `server shut down: ${r.shutdowns} sockets closed with 1001 (not failures)` +
        (r.cut > 0 ? `, ${r.cut} messages then in flight not answered` : ""),
    );
  }
  // Drops that were reopened (--reconnect); without it they are among the failures already.
  for (const [why, n] of Object.entries(r.drops)) {
    if (!why.startsWith("1001") && !(`dropped: close ${why}` in r.failures)) lines.push(`dropped ${n}: close ${why}`);
  }
  if (r.reconnects > 0) lines.push(`reconnected ${r.reconnects}`);
  for (const [reason, n] of Object.entries(r.retries)) lines.push(`reconnect attempts failed ${n}: ${reason}`);
  for (const m of r.mismatchSamples) {
    lines.push(`mismatch: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}`);
  }
  lines.push(
    `${r.answered} answers from ${r.opened} sockets in ${r.seconds}s on ${r.runtime.name} ${r.runtime.version}; scenario sha256 ${
      r.scenario.sha256.slice(0, 16)
    }…`,
  );
  return lines.join("\n");
}
