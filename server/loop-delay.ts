/**
 * Whether this process's event loop runs late: a timer every 100 ms notes when it fired more
 * than LATE_MS after it was due. A worker whose loop is that late is at its CPU's limit, where
 * each turn of the loop reads thousands of sockets and takes seconds.
 */

const EVERY_MS = 100;
const LATE_MS = 200;
/** A late tick marks the loop late this long after it: saturation comes and goes in bursts. */
const REMEMBER_MS = 3_000;

export function loopDelay(now = Date.now): { late(): boolean; stop(): void } {
  let due = now() + EVERY_MS;
  let lateAt = -Infinity;
  const timer = setInterval(() => {
    const t = now();
    if (t - due > LATE_MS) lateAt = t;
    due = t + EVERY_MS;
  }, EVERY_MS);
  return { late: () => now() - lateAt < REMEMBER_MS, stop: () => clearInterval(timer) };
}
