/**
 * Says on stderr when the ramp pauses and when it holds for good: the line a person watching
 * reads, and the one the experiment waits for (`the ramp holds at N open: …`).
 */
import type { ProgressFigures } from "./worker-link.ts";

const EVERY_MS = 1_000;
/** Pauses come and go with every burst of GC: one line per this long at most. */
const PAUSE_LINE_MS = 10_000;

export const HELD_LINE = /the ramp holds at (\d+) open: (.*)$/m;

export function logRamp(figures: () => ProgressFigures, say: (line: string) => void): { stop(): void } {
  let last = "ramping";
  let pauseSaidAt = -Infinity;
  const timer = setInterval(() => {
    const f = figures();
    if (f.ramp === last) return;
    last = f.ramp;
    const now = performance.now();
    if (f.ramp === "paused" && now - pauseSaidAt >= PAUSE_LINE_MS) {
      pauseSaidAt = now;
      say(`the ramp paused at ${f.open} open: ${f.rampWhy}`);
    } else if (f.ramp === "held") {
      say(`the ramp holds at ${f.open} open: ${f.rampWhy}`);
      clearInterval(timer);
    }
  }, EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
