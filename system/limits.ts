/** Machine limits that bound how many sockets one process may hold (Linux /proc; fallbacks elsewhere). */
import { readFileSync } from "node:fs";

/** The soft RLIMIT_NOFILE of this process: every socket is one open file. */
export function openFileLimit(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === "unlimited") return Number.MAX_SAFE_INTEGER;
    if (soft && Number.isFinite(Number(soft))) return Number(soft);
  } catch {
    // Not Linux: fall through to the common default.
  }
  return 1024;
}

/**
 * Sockets one worker is planned to hold: 80% of what its open-file limit allows after a few
 * dozen files of its own. The kernel's SO_REUSEPORT hash spreads connections by 4-tuple, not
 * evenly, so no worker may be planned near its limit.
 */
export function socketsPerWorker(limit = openFileLimit()): number {
  return Math.max(1, Math.floor((limit - 64) * 0.8));
}
