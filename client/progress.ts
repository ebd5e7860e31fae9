/** A live status line on stderr, only when stderr is a terminal (the `progress` package draws it). */
import ProgressBar from "progress";
import process from "node:process";
import type { ClientRecorder } from "./recorder.ts";

const EVERY_MS = 250;

export interface Progress {
  stop(): void;
}

export function startProgress(recorder: ClientRecorder, target: number): Progress {
  if (!process.stderr.isTTY) return { stop() {} };
  // Token names must not be progress's own (:rate, :elapsed, :percent, …): those win.
  const bar = new ProgressBar(
    ":open/:target open [:bar] :failed failed :msgs msg/s rtt p50 :p50 p99 :p99 ms",
    { total: target, width: 12, stream: process.stderr, clear: true },
  );
  let lastAnswered = 0;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = ((recorder.answeredCount - lastAnswered) * 1000) / (now - lastAt);
    lastAnswered = recorder.answeredCount;
    lastAt = now;
    bar.update(Math.min(1, recorder.open / target), {
      open: recorder.open,
      target,
      failed: recorder.failedCount,
      msgs: Math.round(rate),
      p50: (recorder.rtt.getValueAtPercentile(50) / 1000).toFixed(1),
      p99: (recorder.rtt.getValueAtPercentile(99) / 1000).toFixed(1),
    });
  }, EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      bar.terminate();
    },
  };
}
