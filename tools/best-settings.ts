/**
 * The settings the experiment and the compare pick by themselves: each one what measured best on
 * this 2-core machine (BENCHMARKS.md, docs/experiment.md "The defaults are the best measured
 * settings"), each printed at the start with why and how to turn it off, and kept in the JSON
 * report. A choice that needs root or a kernel feature that is missing says so and is left out.
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { isRuntime, RUNTIME_TABLE } from "../system/runtimes.ts";

export interface Setting {
  /** What it sets, e.g. "client WebSocket", "scheduling policy". */
  name: string;
  /** What it is set to in this run, e.g. "lean", "batch", "off". */
  value: string;
  /** Why: the measurement behind the choice, or why it is not used here. */
  why: string;
  /** The flag that turns it off (or back on, where it is off). */
  off: string;
  /** Set when the best choice could not be used here: what was missing. */
  without?: string;
}

/** One line per setting, as the experiment prints them at the start. */
export function describeSetting(s: Setting): string {
  const value = s.without ? `${s.value} (${s.without})` : s.value;
  return `${s.name}: ${value}; ${s.why} [${s.off}]`;
}

/** Bun's two GC variables the tool sets for the processes it starts (system/runtimes.ts). */
export const BUN_TUNED_ENV: Readonly<Record<string, string>> = RUNTIME_TABLE.bun.tuning!;

export function websocketSetting(asked: string | undefined, flag = "--websocket"): Setting {
  const value = asked ?? "lean";
  return {
    name: "client WebSocket",
    value,
    why: value === "lean"
      ? "ours: 1.30 KB a socket in a Bun client against 6.08 KB for Bun's own, at the same CPU a message (BENCHMARKS.md, client memory)"
      : "asked for",
    off: value === "lean" ? `${flag} runtime` : `${flag} lean`,
  };
}

/**
 * SCHED_BATCH, through util-linux's chrt: fewer task switches a message, no root needed. `auto`
 * takes it where chrt is there.
 */
export function schedSetting(asked: string, hasChrt = chrtFound()): Setting {
  const off = "--sched normal";
  if (asked === "normal") return { name: "scheduling policy", value: "normal", why: "asked for", off: "--sched batch" };
  if (hasChrt) {
    return {
      name: "scheduling policy",
      value: "batch",
      why: asked === "batch"
        ? "asked for"
        : "SCHED_BATCH: a woken process does not preempt the running one, fewer task switches a message (docs/topics/scheduling.md)",
      off,
    };
  }
  return {
    name: "scheduling policy",
    value: "normal",
    why: "SCHED_BATCH would cut task switches a message",
    off,
    without: "chrt (util-linux) not found on PATH",
  };
}

function chrtFound(): boolean {
  return spawnSync("chrt", ["--version"]).status === 0;
}

/**
 * The tuning of the runtimes in the run (their `tuning` in system/runtimes.ts: Bun's GC
 * variables): set by the tool unless `--bun-env plain`, and never over the caller's own.
 */
export function bunEnvSetting(
  asked: string,
  runtimes: readonly string[],
  env: Record<string, string | undefined> = process.env,
): { setting: Setting; env: Record<string, string> } {
  const tuning: Record<string, string> = Object.assign(
    {},
    ...runtimes.filter(isRuntime).map((r) => RUNTIME_TABLE[r].tuning ?? {}),
  );
  const tuned = Object.keys(tuning).length > 0;
  const own = Object.keys(tuning).filter((k) => env[k] !== undefined);
  const set: Record<string, string> = asked === "plain"
    ? {}
    : Object.fromEntries(Object.entries(tuning).filter(([k]) => env[k] === undefined));
  const value = Object.entries(set).map(([k, v]) => `${k}=${v}`).join(" ") || "none";
  const why = !tuned
    ? "no Bun process in this run"
    : asked === "plain"
    ? "asked for"
    : own.length
    ? `yours kept: ${own.join(", ")}`
    : "~16% less CPU for +0.35 KB of server memory a socket (docs/topics/scheduling.md)";
  return { setting: { name: "Bun GC variables", value, why, off: "--bun-env plain" }, env: set };
}

/**
 * Socket ends a bucket past which a table of its own paid: at 512,000 (3.9 a bucket) the lookup
 * was 5.7% of a ramp's CPU profile, and a table of 2,097,152 ramped in 57 s against 71
 * (BENCHMARKS.md, "The plain command").
 */
const SOCKETS_PER_BUCKET = 2;

/**
 * The buckets a count asks for: two for each end of each connection, a power of two (the kernel
 * rounds up to one): 4,194,304 for a million, the table the recorded million held in.
 */
export function ehashFor(connections: number, max: number): number {
  return bucketsFor(2 * connections, max);
}

/** Two buckets for each of `ends` socket ends, a power of two, at most `max`. */
export function bucketsFor(ends: number, max: number): number {
  let n = 1;
  while (n < 2 * ends && n < max) n *= 2;
  return n;
}

/**
 * `auto` takes a hash of its own when both ends of `connections` would be more than
 * SOCKETS_PER_BUCKET a bucket in the host's. `unavailable` says why it cannot (not root, Linux
 * < 6.1, no unshare), and then the run goes on in the host's.
 */
export function ehashSetting(
  asked: string,
  connections: number,
  hostBuckets: number | null,
  unavailable: string | null,
  max: number,
): { setting: Setting; buckets: number | null } {
  const name = "TCP connection hash";
  if (asked === "host") {
    return { setting: { name, value: "the host's", why: "asked for", off: "--ehash auto" }, buckets: null };
  }
  if (asked !== "auto") {
    return {
      setting: { name, value: `${asked} buckets`, why: "asked for", off: "--ehash host" },
      buckets: Number(asked),
    };
  }
  if (hostBuckets === null) {
    const why = "the kernel does not show its size (Linux < 6.1)";
    return { setting: { name, value: "the host's", why, off: "--ehash host" }, buckets: null };
  }
  const host = Math.abs(hostBuckets);
  const ends = (2 * connections) / host;
  const fill = `${host.toLocaleString("en-US")} buckets`;
  if (ends <= SOCKETS_PER_BUCKET) {
    const why = `${fill} hold ${ends.toFixed(1)} socket ends each at this count, ${SOCKETS_PER_BUCKET} or fewer`;
    return { setting: { name, value: "the host's", why, off: "--ehash host" }, buckets: null };
  }
  const buckets = ehashFor(connections, max);
  const why = `${fill} would hold ${ends.toFixed(1)} socket ends each; the lookup took 5.7% of the CPU at 512,000 ` +
    "and 8.8% at a million (docs/topics/tcp-hash.md)";
  if (unavailable) {
    return { setting: { name, value: "the host's", why, off: "--ehash host", without: unavailable }, buckets: null };
  }
  return { setting: { name, value: `${buckets.toLocaleString("en-US")} buckets`, why, off: "--ehash host" }, buckets };
}

/**
 * The fleet's hosts: `auto` gives each namespace a table of its own, sized for the socket ends it
 * holds (the server's host one for each of the run's sockets, a client's host one for each of
 * its own). Made with tcp_child_ehash_entries at 0, every one of them shares the host's table,
 * and a million over 16 hosts put 2,000,000 ends in its 262,144 buckets.
 */
export function fleetEhashSetting(
  asked: "auto" | "host",
  serverEnds: number,
  clientEnds: number,
  unavailable: string | null,
  max: number,
): { setting: Setting; buckets: { server: number; client: number } | null } {
  const name = "TCP connection hash";
  if (asked === "host") {
    return { setting: { name, value: "the host's, shared", why: "asked for", off: "--ehash auto" }, buckets: null };
  }
  const why = "a namespace made without one shares the host's table with every other host of the run; " +
    "the lookup took 5.7% of the CPU at 512,000 on one loopback (docs/topics/tcp-hash.md)";
  if (unavailable) {
    return {
      setting: { name, value: "the host's, shared", why, off: "--ehash host", without: unavailable },
      buckets: null,
    };
  }
  const buckets = { server: bucketsFor(serverEnds, max), client: bucketsFor(clientEnds, max) };
  const n = (x: number) => x.toLocaleString("en-US");
  return {
    setting: {
      name,
      value: `one per host: ${n(buckets.server)} buckets on the server's, ${n(buckets.client)} on each client's`,
      why,
      off: "--ehash host",
    },
    buckets,
  };
}
