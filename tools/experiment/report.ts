/** The experiment's report: what was measured, computed from samples, and shown as one table. */
import Table from "cli-table3";
import { type ClientReport, failureAge } from "../../client/report.ts";
import { slope } from "../fit.ts";
import type { TcpCounters } from "../../system/tcp-counters.ts";
import type { RunQueueWait } from "../../system/proc.ts";
import type { Setting } from "../best-settings.ts";

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
  messagesIn: number;
  messagesOut: number;
  /** Worker restarts so far, all workers. */
  restarts: number;
  /** How old the totals were when read (the supervisor's `staleMs`). */
  staleMs: number;
  /** Since the sample before: the machine's CPU busy (0–1 of all cores), the server's and the client's (cores). */
  machineBusy: number;
  serverCores: number;
  clientCores: number;
}

export interface ExperimentReport {
  date: string;
  command: string;
  /** `cpuQuota`: the cores the run's cgroup may use, when a quota is set (a container's CPU limit). */
  machine: { cpu: string; cores: number; cpuQuota: number | null; memTotal: number; kernel: string };
  runtime: string;
  serverVersion: string;
  clientRuntime: string;
  clientVersion: string;
  /** Whose WebSocket client the load used (--websocket). */
  websocket: string;
  /** What the run picked by itself or was told (tools/best-settings.ts), each with why. */
  settings: Setting[];
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
  /** Each server worker's open sockets at the start of the hold: how evenly the kernel (or cluster) split them. */
  workerSockets: number[];
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
   * How long the run's processes (their main threads) waited for a core over the hold
   * (/proc/PID/schedstat): a round trip takes three turns, each behind this wait. null: no hold,
   * or no schedstats; absent from older reports.
   */
  runQueue?: RunQueueWait | null;
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
  /** The client's ramp: complete, or held short of the count, its pauses (null: no client report). */
  ramp: ClientReport["ramp"] | null;
  /** What stopped the count short of the target, or null. */
  limit: string | null;
}

export function perSocket(samples: Sample[], pick: (s: Sample) => number): number {
  const ramp = samples.filter((s) => s.open > 0);
  return Math.round(slope(ramp.map((s) => [s.open, pick(s)])));
}

/** The samples the limit is judged on: the last this many seconds before the ramp held. */
const LIMIT_WINDOW_S = 10;
/** The machine counts as out of CPU when its cores were this busy over that window. */
const CPU_FULL = 0.9;
/** …and as out of memory when less than this share of it was left. */
const MEMORY_LOW = 0.05;

/** The run's cgroup CPU quota (system/cpu-quota.ts) and the periods it was throttled during the ramp. */
export interface QuotaReading {
  cores: number;
  where: string;
  throttledPeriods: number;
}

/**
 * What bound a ramp that the client held (the machine's queues did not drain, `why`): the CPU
 * (the cgroup's quota when one binds, else the machine's cores), memory, or neither (then a
 * single process, or the network: named as not the CPU, with the figures). From the samples of
 * the last seconds before the hold.
 */
export function heldLimit(
  held: { open: number; why: string },
  samples: Sample[],
  memTotal: number,
  cores: number,
  quota: QuotaReading | null = null,
): string {
  const end = samples[samples.length - 1]?.t ?? 0;
  const recent = samples.filter((s) => s.t > end - LIMIT_WINDOW_S && s.t > 0);
  const mean = (f: (s: Sample) => number) => recent.reduce((a, s) => a + f(s), 0) / Math.max(1, recent.length);
  const busy = mean((s) => s.machineBusy);
  const server = mean((s) => s.serverCores);
  const client = mean((s) => s.clientCores);
  const other = Math.max(0, busy * cores - server - client);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const cpu = `${pct(busy)} of ${cores} cores busy over the last ${LIMIT_WINDOW_S} s (server ${pct(server)}, ` +
    `client ${pct(client)}, everything else ${pct(other)} of one core)`;
  const lowMemory = recent.length > 0 && Math.min(...recent.map((s) => s.memAvailable)) < memTotal * MEMORY_LOW;
  const at = `the ramp held at ${held.open} sockets`;
  if (quota && quota.cores < cores) {
    const used = (server + client) / quota.cores;
    if (used >= CPU_FULL || quota.throttledPeriods > 0) {
      return `CPU: ${at}, the run's cgroup quota of ${quota.cores} cores (${quota.where}) ${pct(used)} used by ` +
        `server and client over the last ${LIMIT_WINDOW_S} s (server ${pct(server)}, client ${
          pct(client)
        } of one core), ` +
        `throttled in ${quota.throttledPeriods} periods during the ramp; ${held.why}`;
    }
  }
  const what = busy >= CPU_FULL ? "CPU" : lowMemory ? "memory" : "round trips, not the machine's CPU";
  return `${what}: ${at}, ${cpu}; ${held.why}`;
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

/** The run's wait for a core over the hold, as the table gives it. */
function runQueue(q: RunQueueWait): string {
  return `${q.waiting} of the run's ${q.processes} processes ready to run and waiting, on average; a time slice ` +
    `waited ${q.waitPerSliceMs} ms for its turn and ran ${q.runPerSliceMs} ms (the longest wait, one process's ` +
    `average: ${q.worstWaitPerSliceMs} ms)`;
}

/** How many SYN resends found the connection open: those are late requests, not losses. */
function synAnswered(tcp: ExperimentReport["tcp"]): string {
  if (!tcp.synRetransmits || tcp.synChallenges === undefined) return "";
  return ` (${n(Math.min(tcp.synChallenges, tcp.synRetransmits))} found the connection open: nothing lost)`;
}

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

/** The fewest and most sockets a worker held, each against the mean. */
export function workerSplit(sockets: number[] | undefined): string {
  if (!sockets?.length) return "not read";
  const mean = sockets.reduce((a, b) => a + b, 0) / sockets.length;
  if (mean === 0) return "none open";
  const off = (x: number) => `${x >= mean ? "+" : "−"}${Math.abs(Math.round(((x - mean) / mean) * 100))}%`;
  const [lo, hi] = [Math.min(...sockets), Math.max(...sockets)];
  return `${n(lo)} (${off(lo)}) to ${n(hi)} (${off(hi)}) over ${sockets.length} workers, mean ${n(Math.round(mean))}`;
}

/** Messages over the hold at under this share of the rate asked: the machine fell behind. */
const KEPT_UP = 0.95;

export function formatExperiment(r: ExperimentReport, { color = false } = {}): string {
  // Long values (the limit, failures) wrap rather than widen the table past a terminal.
  const table = new Table({
    head: ["figure", "value"],
    colWidths: [36, 100],
    wordWrap: true,
    ...(color ? {} : { style: { head: [], border: [] } }),
  });
  table.push(
    ["server", `${r.runtime} ${r.serverVersion}, ${r.workers.server} workers`],
    [
      "client",
      `${r.clientRuntime} ${r.clientVersion} (${r.websocket}), ${r.workers.client} workers, targets ${r.targets}`,
    ],
    ["settings", r.settings.map((s) => `${s.name}: ${s.value}${s.without ? ` (${s.without})` : ""}`).join("; ")],
    ["environment", Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(" ") || "(no tuning)"],
    ["scheduling (read in the hold)", `server ${r.sched.server.join(", ")}; client ${r.sched.client.join(", ")}`],
    ["TCP connection hash", tcpHash(r)],
    ["sockets per server worker (hold)", workerSplit(r.workerSockets)],
    ["peak concurrent sockets", `${n(r.peak)} of ${n(r.target)}`],
    ["failed / mismatched / unanswered", `${n(r.failed)} / ${n(r.mismatched)} / ${n(r.unanswered)}`],
    ["messages sent / answered", `${n(r.sent)} / ${n(r.answered)}`],
    [
      "ramp",
      `${r.rampSeconds} s, ${n(r.acceptRate)} accepts/s` +
      (r.ramp?.pauses ? `; paused ${r.ramp.pauses} times for deep queues, ${r.ramp.pausedSeconds} s in all` : ""),
    ],
    ["server RSS per socket", kb(r.serverBytesPerSocket)],
    ["server heap per socket", kb(r.heapBytesPerSocket)],
    ["client RSS per socket", kb(r.clientBytesPerSocket)],
    ["kernel per socket end", kb(r.kernelBytesPerSocket)],
    [
      "CPU over the hold (% of one core)",
      r.cpu.server === null ? "no hold" : `server ${r.cpu.server}%, client ${r.cpu.client}%`,
    ],
    ...(r.runQueue ? [["waiting for a core (hold)", runQueue(r.runQueue)] as [string, string]] : []),
    [
      "messages/s over the hold",
      r.holdMessages === null
        ? "no hold"
        : `${n(r.holdMessages.perSecond)} (asked: ${n(r.holdMessages.askedRate)}, sockets ÷ interval)` +
          (r.holdMessages.perSecond < KEPT_UP * r.holdMessages.askedRate
            ? "; short of the rate asked: the machine did not keep up with the sockets it held"
            : ""),
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
      `SYN / SYN-ACK retransmits ${n(r.tcp.synRetransmits)}${synAnswered(r.tcp)}, ` +
      `all retransmits ${n(r.tcp.retransmits ?? 0)}, ` +
      `resets sent ${n(r.tcp.resetsSent)}, socket backlog full ${n(r.tcp.socketBacklogDrops ?? 0)}, ` +
      `input backlog full ${n(r.tcp.backlogDrops ?? 0)}`,
    ],
    ["limit that stopped it", r.limit ?? "none: the target was reached"],
  );
  for (const [reason, count] of Object.entries(r.failures)) {
    table.push([`failed: ${reason}`, `${n(count)}${failureAge(r, reason)}`]);
  }
  return table.toString();
}
