/** Stop when the parent is gone: a worker or child left behind would hold ports and sockets forever. */
import process from "node:process";

const EVERY_MS = 1_000;

/** Calls `onOrphan` once if this process's parent changes (it died and we were re-parented). */
export function whenOrphaned(onOrphan: () => void): { cancel(): void } {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphan();
  }, EVERY_MS);
  return { cancel: () => clearInterval(timer) };
}
