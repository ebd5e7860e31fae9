/** Machine limits that bound how many sockets one process may hold (Linux /proc; fallbacks elsewhere). */
import { readFileSync } from "node:fs";

/** RLIMIT_NOFILE of this process, soft and hard: every socket is one open file. 1024 where unknown. */
export function openFileLimits(): { soft: number; hard: number } {
  const value = (text: string | undefined) =>
    text === "unlimited" ? Number.MAX_SAFE_INTEGER : Number.isFinite(Number(text)) && text ? Number(text) : 1024;
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const [, soft, hard] = line?.split(/\s{2,}/) ?? [];
    return { soft: value(soft), hard: value(hard) };
  } catch {
    return { soft: 1024, hard: 1024 }; // Not Linux: the common default.
  }
}

/** The soft limit: what this process may open now. */
export function openFileLimit(): number {
  return openFileLimits().soft;
}

/**
 * Sockets one worker is planned to hold: 80% of what its open-file limit allows after a few
 * dozen files of its own. The kernel's SO_REUSEPORT hash spreads connections by 4-tuple, not
 * evenly, so no worker may be planned near its limit.
 */
export function socketsPerWorker(limit = openFileLimit()): number {
  return Math.max(1, Math.floor((limit - 64) * 0.8));
}
