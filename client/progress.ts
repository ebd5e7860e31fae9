/** A live status line on stderr, only when stderr is a terminal (the `progress` package draws it). */
import ProgressBar from "progress";
import process from "node:process";
import type { ProgressFigures } from "./worker-link.ts";

const EVERY_MS = 250;

export interface Progress {
  stop(): void;
}

export function startProgress(figures: () => ProgressFigures, target: number): Progress {
  if (!process.stderr.isTTY) return { stop() {} };
  // Token names must not be progress's own (:rate, :elapsed, :percent, …): those win.
  const bar = new ProgressBar(
    ":open/:target open [:bar] :failed failed :msgs msg/s rtt p50 :p50 p99 :p99 ms",
    { total: target, width: 12, stream: process.stderr, clear: true },
  );
  let lastAnswered = 0;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const f = figures();
    const now = performance.now();
    const rate = ((f.answered - lastAnswered) * 1000) / (now - lastAt);
    lastAnswered = f.answered;
    lastAt = now;
    bar.update(Math.min(1, f.open / target), {
      open: f.open,
      target,
      failed: f.failed,
      msgs: Math.round(rate),
      p50: f.rttP50.toFixed(1),
      p99: f.rttP99.toFixed(1),
    });
  }, EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      bar.terminate();
    },
  };
}
