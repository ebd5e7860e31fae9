/**
 * Port 0 means "any free port". The supervisor picks one here, so that every worker binds the same
 * one; workers bind it a moment later, in other processes. The kernel's own pick (listen on 0)
 * lies in the ephemeral range, where any outgoing connection on the machine may take it in that
 * moment (a worker then fails with EADDRINUSE), so this picks outside that range, where the kernel
 * never hands out ports by itself, and falls back to the kernel's pick when there is no room.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Ports under this are left to services. */
const LOWEST = 10_000;
const TRIES = 64;

function ephemeralRange(): [number, number] | undefined {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return Number.isInteger(lo) && Number.isInteger(hi) ? [lo, hi] : undefined;
  } catch {
    return undefined;
  }
}

/** The ports outside the ephemeral range, as [first, last] spans. */
export function quietSpans(range: [number, number] | undefined): Array<[number, number]> {
  if (!range) return [];
  const spans: Array<[number, number]> = [];
  if (range[1] < 65535) spans.push([Math.max(range[1] + 1, LOWEST), 65535]);
  if (range[0] > LOWEST) spans.push([LOWEST, range[0] - 1]);
  return spans.filter(([a, b]) => a <= b);
}

function tryListen(hostname: string, port: number): Promise<number | Error> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", (err) => resolve(err));
    probe.listen(port, hostname, () => {
      const { port: bound } = probe.address() as { port: number };
      probe.close(() => resolve(bound));
    });
  });
}

export async function freePort(hostname: string, range = ephemeralRange()): Promise<number> {
  const spans = quietSpans(range);
  const size = spans.reduce((n, [a, b]) => n + b - a + 1, 0);
  for (let i = 0; i < TRIES && size > 0; i++) {
    let pick = Math.floor(Math.random() * size);
    for (const [a, b] of spans) {
      if (pick <= b - a) {
        const bound = await tryListen(hostname, a + pick);
        if (typeof bound === "number") return bound;
        // Taken: try another. Anything else (an address not on this machine) fails the same on every port.
        if ((bound as NodeJS.ErrnoException).code !== "EADDRINUSE") throw bound;
        break;
      }
      pick -= b - a + 1;
    }
  }
  const bound = await tryListen(hostname, 0);
  if (typeof bound !== "number") throw bound;
  return bound;
}
