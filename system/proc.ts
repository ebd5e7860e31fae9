/** Readings from Linux /proc for the experiment: kernel memory, TCP sockets, and per-process CPU and RSS. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Clock ticks per second for /proc/PID/stat times: 100 on every Linux build that matters. */
const CLK_TCK = 100;

export interface SystemReading {
  at: number;
  slabBytes: number;
  memAvailable: number;
}

/** A /proc file's text, or "" when it is not there (not Linux, or the process is gone). */
export function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export function readSystem(): SystemReading {
  const meminfo = read("/proc/meminfo");
  const kb = (key: string) => Number(meminfo.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0) * 1024;
  return {
    at: performance.now(),
    slabBytes: kb("Slab"),
    memAvailable: kb("MemAvailable"),
  };
}

/** The machine's CPU time since boot, all cores, in clock ticks: busy and in all (`/proc/stat`). */
export function machineCpu(): { busy: number; total: number; softirq: number } {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const f = read("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total, softirq: f[6] };
}

/** Ticks of /proc/stat in seconds. */
export const ticksToSeconds = (ticks: number): number => ticks / CLK_TCK;

/** CPU seconds (user + system) a process has used; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields.length > 13 ? (Number(fields[11]) + Number(fields[12])) / CLK_TCK : 0;
}

/**
 * A thread's time on and off the CPU (`/proc/PID/schedstat`, the main thread's): nanoseconds run,
 * nanoseconds spent ready to run while others ran (waiting on a run queue), and time slices run.
 */
export interface SchedStat {
  runNs: number;
  waitNs: number;
  slices: number;
}

export function parseSchedStat(text: string): SchedStat | null {
  const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
  return Number.isFinite(run) && Number.isFinite(wait) && Number.isFinite(slices)
    ? { runNs: run, waitNs: wait, slices }
    : null;
}

/** `/proc/PID/schedstat` of each of `pids`, by pid; a process gone (or a kernel without schedstats) is left out. */
export function schedStats(pids: number[]): Map<number, SchedStat> {
  const stats = new Map<number, SchedStat>();
  for (const pid of pids) {
    const s = parseSchedStat(read(`/proc/${pid}/schedstat`));
    if (s) stats.set(pid, s);
  }
  return stats;
}

/** What a set of processes waited for the CPU between two readings `seconds` apart. */
export interface RunQueueWait {
  /** How many of them stood ready to run, waiting for a core, on average. */
  waiting: number;
  /** A time slice's wait for its turn, and its length, on average (ms). */
  waitPerSliceMs: number;
  runPerSliceMs: number;
  /** The longest average wait per slice of any one process (ms). */
  worstWaitPerSliceMs: number;
  processes: number;
}

/** Over the processes read both times; null when none was, or none ran. */
export function runQueueWait(
  before: Map<number, SchedStat>,
  after: Map<number, SchedStat>,
  seconds: number,
): RunQueueWait | null {
  let run = 0, wait = 0, slices = 0, worst = 0, processes = 0;
  for (const [pid, b] of before) {
    const a = after.get(pid);
    if (!a || a.slices < b.slices) continue; // gone, or the pid is another process's now
    const [r, w, n] = [a.runNs - b.runNs, a.waitNs - b.waitNs, a.slices - b.slices];
    run += r;
    wait += w;
    slices += n;
    processes++;
    if (n > 0) worst = Math.max(worst, w / n);
  }
  if (slices === 0 || seconds <= 0) return null;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    waiting: Math.round((wait / 1e9 / seconds) * 10) / 10,
    waitPerSliceMs: ms(wait / slices),
    runPerSliceMs: ms(run / slices),
    worstWaitPerSliceMs: ms(worst),
    processes,
  };
}

/** Linux scheduling policies by number (sched.h), as `/proc/PID/stat` gives them. */
const POLICIES = ["normal", "fifo", "rr", "batch", "iso", "idle", "deadline", "ext"];

/** A process's scheduling policy (its main thread's); null once it is gone. */
export function schedPolicy(pid: number): string | null {
  const stat = read(`/proc/${pid}/stat`);
  // Field 41; the fields after the command name's closing parenthesis start at field 3.
  const field = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[41 - 3];
  return field === undefined ? null : POLICIES[Number(field)] ?? `policy ${field}`;
}

/** Open file descriptors of a process (its sockets, and a few files that do not change); 0 once it is gone. */
export function openFileCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** A process's open sockets (its fds that link to socket:[…]); one readlink a file, so not for every poll. */
export function socketCount(pid: number): number {
  try {
    let n = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++;
      } catch { /* closed meanwhile */ }
    }
    return n;
  } catch {
    return 0;
  }
}

export function rssBytes(pid: number): number {
  return Number(read(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
}

/** The pid and every descendant of it (the client's coordinator and its workers). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}
