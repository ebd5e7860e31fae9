/**
 * The CPU quota of a process's cgroup (a container's or a Kubernetes pod's CPU limit, or one set
 * by hand), and how often it was throttled: on such a machine the limit is the quota, not the
 * cores, and `/proc/stat` shows idle cores while the run starves. cgroup v1 and v2; the tightest
 * quota on the way up to the root counts.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { read } from "./proc.ts";

export interface CpuQuota {
  /** Cores the cgroup may use (quota ÷ period); null when none of its cgroups sets a quota. */
  cores: number | null;
  /** The cgroup directory whose quota binds. */
  where: string | null;
  /** Periods throttled and the time throttled, s, so far (read from that cgroup). */
  throttledPeriods: number;
  throttledSeconds: number;
}

const NONE: CpuQuota = { cores: null, where: null, throttledPeriods: 0, throttledSeconds: 0 };

/** The directories from the cgroup's own up to the hierarchy's root. */
function upward(root: string, path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.map((_, i) => `${root}/${parts.slice(0, parts.length - i).join("/")}`).concat(root);
}

export function cpuQuota(pid: number | "self" = "self"): CpuQuota {
  let best = NONE;
  for (const line of read(`/proc/${pid}/cgroup`).split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    if (controllers === "") {
      // v2: cpu.max is "QUOTA PERIOD" or "max PERIOD"; cpu.stat has throttled_usec.
      const root = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((r) => existsSync(`${r}/cgroup.controllers`));
      if (!root) continue;
      for (const dir of upward(root, path)) {
        const [quota, period] = read(`${dir}/cpu.max`).trim().split(" ");
        if (!period || quota === "max") continue;
        const stat = read(`${dir}/cpu.stat`);
        best = tighter(best, {
          cores: Number(quota) / Number(period),
          where: dir,
          throttledPeriods: Number(stat.match(/^nr_throttled (\d+)/m)?.[1] ?? 0),
          throttledSeconds: Number(stat.match(/^throttled_usec (\d+)/m)?.[1] ?? 0) / 1e6,
        });
      }
    } else if (controllers.split(",").includes("cpu")) {
      // v1: cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us; cpu.stat has throttled_time in ns.
      const root = [`/sys/fs/cgroup/${controllers}`, "/sys/fs/cgroup/cpu"].find((r) => existsSync(r));
      if (!root) continue;
      for (const dir of upward(root, path)) {
        const quota = Number(read(`${dir}/cpu.cfs_quota_us`).trim() || -1);
        const period = Number(read(`${dir}/cpu.cfs_period_us`).trim() || 0);
        if (quota <= 0 || period <= 0) continue;
        const stat = read(`${dir}/cpu.stat`);
        best = tighter(best, {
          cores: quota / period,
          where: dir,
          throttledPeriods: Number(stat.match(/^nr_throttled (\d+)/m)?.[1] ?? 0),
          throttledSeconds: Number(stat.match(/^throttled_time (\d+)/m)?.[1] ?? 0) / 1e9,
        });
      }
    }
  }
  return best;
}

const tighter = (a: CpuQuota, b: CpuQuota) => (a.cores === null || (b.cores !== null && b.cores < a.cores) ? b : a);

/** Where this process's cpu cgroup lives: the hierarchy's root directory and the path in it. */
function ownCpuCgroup(): { root: string; path: string; v2: boolean } | null {
  for (const line of read("/proc/self/cgroup").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    if (controllers === "") {
      const root = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((r) =>
        read(`${r}/cgroup.controllers`).split(" ").map((c) => c.trim()).includes("cpu")
      );
      if (root) return { root, path, v2: true };
    } else if (controllers.split(",").includes("cpu")) {
      const root = [`/sys/fs/cgroup/${controllers}`, "/sys/fs/cgroup/cpu"].find((r) => existsSync(r));
      if (root) return { root, path, v2: false };
    }
  }
  return null;
}

/**
 * Moves this process into a new cgroup (a child of its own) that may use `cores` CPUs: every
 * process it starts afterwards inherits it, as a container's would. Needs root and a cpu
 * controller; throws with the reason otherwise. `release()` moves it back and removes the cgroup.
 */
const RELEASE_WAIT_MS = 30_000;

export function limitCpu(cores: number): { where: string; release(): void } {
  const own = ownCpuCgroup();
  if (!own) throw new Error("no cgroup cpu controller here (neither cgroup v2 with cpu nor a v1 cpu mount)");
  const home = `${own.root}${own.path === "/" ? "" : own.path}`;
  const where = `${home}/c512k-${process.pid}`;
  const PERIOD_US = 100_000;
  const quota = Math.max(1_000, Math.round(cores * PERIOD_US));
  try {
    mkdirSync(where);
    if (own.v2) writeFileSync(`${where}/cpu.max`, `${quota} ${PERIOD_US}`);
    else {
      writeFileSync(`${where}/cpu.cfs_period_us`, String(PERIOD_US));
      writeFileSync(`${where}/cpu.cfs_quota_us`, String(quota));
    }
    writeFileSync(`${where}/cgroup.procs`, String(process.pid));
  } catch (err) {
    try {
      rmdirSync(where);
    } catch { /* not made */ }
    throw new Error(`cannot make a cgroup with a CPU quota at ${where} (root needed): ${(err as Error).message}`);
  }
  return {
    where,
    release() {
      try {
        writeFileSync(`${home}/cgroup.procs`, String(process.pid));
      } catch { /* already out */ }
      // Processes it started may still be exiting, and throttled they took over 10 s to (19 server
      // workers at half a CPU): lift the quota, then wait. A cgroup with a process in it cannot be
      // removed.
      try {
        if (own.v2) writeFileSync(`${where}/cpu.max`, `max ${PERIOD_US}`);
        else writeFileSync(`${where}/cpu.cfs_quota_us`, "-1");
      } catch { /* gone already */ }
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (const deadline = Date.now() + RELEASE_WAIT_MS; Date.now() < deadline;) {
        if (read(`${where}/cgroup.procs`).trim() === "") break;
        Atomics.wait(pause, 0, 0, 50);
      }
      try {
        rmdirSync(where);
      } catch (err) {
        const left = read(`${where}/cgroup.procs`).trim().split("\n").join(", ");
        console.error(`c512k: could not remove the cgroup ${where} (processes ${left}): ${(err as Error).message}`);
      }
    },
  };
}
