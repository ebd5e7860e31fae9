/** The core app alone (no runtime, no socket): what /stats says when the totals it relies on are missing. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createApp } from "../src/app.ts";
import { scenarioSource } from "../src/scenario-source.ts";

const runtime = {
  name: "node" as const,
  version: "test",
  pid: 1,
  memory: () => ({ rss: 1, heapUsed: 1 }),
  collectGarbage: () => {},
};
const noUpgrade = (() => (_c: unknown, next: () => Promise<void>) => next()) as never;

/** The core app with `totals` standing in for the supervisor. */
async function appWith(totals: () => Promise<unknown>) {
  const scenario = await scenarioSource("export default async () => {}");
  return createApp({ upgradeWebSocket: noUpgrade, scenario, runtime, maxPayload: 1024, totals }).app;
}

describe("core app", () => {
  it("answers /stats with 503, the reason and its own figures when the supervisor's totals fail", async () => {
    const app = await appWith(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")));
    const res = await app.request("/stats");
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error, "totals unavailable: connect ECONNREFUSED 127.0.0.1:1");
    assert.equal(body.worker.runtime, "node");
    assert.equal(body.worker.connections.open, 0);
  });

  it("answers /stats with the totals when they come", async () => {
    const app = await appWith(() => Promise.resolve({ connections: { open: 7 } }));
    const res = await app.request("/stats");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { connections: { open: 7 } });
  });
});
