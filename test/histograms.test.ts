/** Latency percentiles as every report gives them (src/histograms.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { histogram, summarize } from "../src/histograms.ts";

test("no percentile is above the largest round trip recorded, though HDR's bucket top is", () => {
  const h = histogram();
  h.recordValue(2);
  h.recordValue(8_349); // 8.349 ms: its bucket, at three significant digits, runs up to 8,351 µs
  assert.equal(h.getValueAtPercentile(99), 8_351, "HDR answers with the bucket's top");
  assert.deepEqual(summarize(h), { p50: 0.002, p99: 8.349, p999: 8.349, max: 8.349 });
});

test("percentiles keep their order on any sample (p50 ≤ p99 ≤ p99.9 ≤ max)", () => {
  let seed = 7;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  for (let run = 0; run < 500; run++) {
    const h = histogram();
    const n = 1 + Math.floor(random() * 700);
    for (let i = 0; i < n; i++) h.recordValue(1 + Math.round(random() ** 3 * 50_000));
    const p = summarize(h);
    assert.ok(p.p50 > 0 && p.p50 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.max, JSON.stringify({ n, ...p }));
  }
});
