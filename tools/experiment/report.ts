/** The experiment's report: what was measured, computed from samples, and shown as one table. */
import Table from "cli-table3";
import { type ClientReport, failureAge } from "../../client/report.ts";
import { slope } from "../fit.ts";
import type { TcpCounters } from "../../system/tcp-counters.ts";

export interface Sample {
  /** Seconds since the client started. */
  t: number;
  open: number;
  accepted: number;
  serverRss: number;
  serverHeap: number;
  /** All client processes' RSS. */
  clientRss: number;
  slabBytes: number;
  memAvailable: number;
}

export interface ExperimentReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memTotal: number; kernel: string };
  runtime: string;
  serverVersion: string;
  clientRuntime: string;
  clientVersion: string;
  /** Whose WebSocket client the load used (--websocket). */
  websocket: string;
  /** Runtime tuning read from the environment (BUN_*, MIMALLOC_*, NODE_*, UV_*, DENO_*): part of the setup. */
  env: Record<string, string>;
  /**
   * The scheduling policy asked for (--sched) and the ones read from the server's and the
   * client's processes in the hold (`/proc/PID/stat`): what the run really had, not what it meant to.
   */
  sched: { asked: string; server: string[]; client: string[] };
  /**
   * The TCP connection hash's buckets asked for (--ehash: a network namespace of its own) and
   * read in the run (negative: a namespace sharing the host's table; null: Linux < 6.1 does not say).
   */
  tcpHash: { asked: number | null; buckets: number | null };
  workers: { server: number; client: number };
  targets: string;
  target: number;
  peak: number;
  failed: number;
  failures: Record<string, number>;
  /** Per cause of failed connects: the shortest and longest time to the failure, ms. */
  failedAfter: ClientReport["failedAfter"];
  sent: number;
  answered: number;
  mismatched: number;
  unanswered: number;
  rampSeconds: number;
  /** Sockets accepted per second during the ramp. */
  acceptRate: number;
  /** Slope of the servers' summed RSS (and JS heap) against open sockets over the ramp. */
  serverBytesPerSocket: number;
  heapBytesPerSocket: number;
  /** Slope of the client processes' summed RSS against open sockets over the ramp. */
  clientBytesPerSocket: number;
  /** Slope of Slab against open sockets, per TCP socket end (client and server both here: two ends each). */
  kernelBytesPerSocket: number;
  /** Percent of one core, averaged over the hold; null when the hold was too short to tell. */
  cpu: { server: number | null; client: number | null };
  /**
   * Messages the servers received per second over the hold, and the rate the scenario asks of the
   * sockets held (open ÷ --interval; the seed's at 25 s). A socket never has two messages in
   * flight, so an overloaded machine shows as a rate below the asked one and a longer round trip,
   * not as lost messages. null: no hold.
   */
  holdMessages: { perSecond: number; askedRate: number } | null;
  /** Echo round trip of messages sent once the ramp was over, ms. */
  rtt: { p50: number; p99: number; p999: number };
  /** Echo round trip of every message, the ramp's included, ms: a server that answers late while it accepts shows here. */
  rttWholeRun: { p50: number; p99: number; p999: number; max: number };
  /** WebSocket handshake time during the ramp, ms. */
  connect: { p50: number; p99: number; max: number };
  holdSeconds: number;
  /** The kernel's TCP counters over the ramp and the hold, machine-wide (tcp-counters.ts). */
  tcp: TcpCounters;
  /** What stopped the count short of the target, or null. */
  limit: string | null;
}

export function perSocket(samples: Sample[], pick: (s: Sample) => number): number {
  const ramp = samples.filter((s) => s.open > 0);
  return Math.round(slope(ramp.map((s) => [s.open, pick(s)])));
}

/**
 * Why the count stopped short, from what the client and the server said. `stalledAfter`: the ramp was given up after that many
 * seconds without a new socket; then, when fewer connects failed than sockets are missing, the
 * stall is the limit, not the failures.
 */
export function findLimit(
  target: number,
  peak: number,
  client: ClientReport | null,
  serverLog: string,
  stalledAfter: number | null = null,
): string | null {
  if (peak >= target) return null;
  const reasons = Object.keys(client?.failures ?? {}).join(" ") + " " + serverLog;
  if (/EMFILE|too many open files/i.test(reasons)) return "open files per process (EMFILE)";
  if (/EADDRNOTAVAIL|cannot assign requested address/i.test(reasons)) {
    return "ephemeral ports (EADDRNOTAVAIL): spread over more --targets";
  }
  if (/ENOMEM|out of memory|Killed/i.test(reasons)) return "memory";
  // The experiment keeps the server's log to itself: name the death in the server's own words.
  const died = serverLog.match(/^.*\bdied\b.*$/m);
  if (died) return `a server worker died: ${died[0].trim()}`;
  if (/ECONNREFUSED/.test(reasons)) return "the server refused connections (ECONNREFUSED)";
  if (!client) return "the client ended without a report";
  if (stalledAfter !== null && client.failed < target - peak) {
    const never = target - peak - client.failed;
    return `the ramp stalled: no new socket for ${stalledAfter} s at ${peak}; ${never} never opened` +
      (client.failed ? `, ${client.failed} failed (see failures)` : "");
  }
  const top = Object.entries(client.failures).sort((a, b) => b[1] - a[1])[0];
  return top
    ? `connects failed: ${top[1]} × "${top[0]}" (see failures)`
    : `stalled at ${peak} with no failure reported`;
}

// A ramp over between two samples leaves every sample at one count: no slope to give (JSON: null).
const kb = (b: number) =>
  Number.isFinite(b) ? `${(b / 1024).toFixed(2)} KB` : "not measured: the ramp was too quick to sample";
const n = (x: number) => x.toLocaleString("en-US");

function tcpHash({ tcpHash: { asked, buckets }, peak }: ExperimentReport): string {
  if (buckets === null) return "not shown (Linux < 6.1)";
  const size = Math.abs(buckets);
  const whose = asked !== null
    ? "a network namespace of its own (--ehash)"
    : buckets < 0
    ? "shared with the host"
    : "this namespace's";
  // Client and server are both here: two socket ends a connection.
  return `${n(size)} buckets, ${whose}; ${(2 * peak / size).toFixed(1)} socket ends a bucket at the peak`;
}

export function formatExperiment(r: ExperimentReport, { color = false } = {}): string {
  const table = new Table({ head: ["figure", "value"], ...(color ? {} : { style: { head: [], border: [] } }) });
  table.push(
    ["server", `${r.runtime} ${r.serverVersion}, ${r.workers.server} workers`],
    [
      "client",
      `${r.clientRuntime} ${r.clientVersion} (${r.websocket}), ${r.workers.client} workers, targets ${r.targets}`,
    ],
    ["environment", Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(" ") || "(no tuning)"],
    ["scheduling (read in the hold)", `server ${r.sched.server.join(", ")}; client ${r.sched.client.join(", ")}`],
    ["TCP connection hash", tcpHash(r)],
    ["peak concurrent sockets", `${n(r.peak)} of ${n(r.target)}`],
    ["failed / mismatched / unanswered", `${n(r.failed)} / ${n(r.mismatched)} / ${n(r.unanswered)}`],
    ["messages sent / answered", `${n(r.sent)} / ${n(r.answered)}`],
    ["ramp", `${r.rampSeconds} s, ${n(r.acceptRate)} accepts/s`],
    ["server RSS per socket", kb(r.serverBytesPerSocket)],
    ["server heap per socket", kb(r.heapBytesPerSocket)],
    ["client RSS per socket", kb(r.clientBytesPerSocket)],
    ["kernel per socket end", kb(r.kernelBytesPerSocket)],
    [
      "CPU over the hold (% of one core)",
      r.cpu.server === null ? "no hold" : `server ${r.cpu.server}%, client ${r.cpu.client}%`,
    ],
    [
      "messages/s over the hold",
      r.holdMessages === null
        ? "no hold"
        : `${n(r.holdMessages.perSecond)} (asked: ${n(r.holdMessages.askedRate)}, sockets ÷ interval)`,
    ],
    [
      "echo round trip, steady (ms)",
      // Steady means sent after the ramp: a run interrupted in its ramp has none, not 0 ms.
      r.rtt.p999 === 0
        ? "none: no message sent after the ramp was answered"
        : `p50 ${r.rtt.p50}, p99 ${r.rtt.p99}, p99.9 ${r.rtt.p999}`,
    ],
    [
      "echo round trip, whole run (ms)",
      `p50 ${r.rttWholeRun.p50}, p99 ${r.rttWholeRun.p99}, p99.9 ${r.rttWholeRun.p999}, max ${r.rttWholeRun.max}`,
    ],
    ["handshake (ms)", `p50 ${r.connect.p50}, p99 ${r.connect.p99}, max ${r.connect.max}`],
    ["hold", `${r.holdSeconds} s`],
    [
      "kernel TCP during the run",
      `accept queue full ${n(r.tcp.listenOverflows)}, SYN cookies ${n(r.tcp.synCookiesSent)}, ` +
      `SYN / SYN-ACK retransmits ${n(r.tcp.synRetransmits)}, resets sent ${n(r.tcp.resetsSent)}`,
    ],
    ["limit that stopped it", r.limit ?? "none: the target was reached"],
  );
  for (const [reason, count] of Object.entries(r.failures)) {
    table.push([`failed: ${reason}`, `${n(count)}${failureAge(r, reason)}`]);
  }
  return table.toString();
}
