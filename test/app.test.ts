/** The core app alone (no runtime, no socket): /stats when the totals it relies on are missing, and /ws refusals. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Context } from "hono";
import { createApp } from "../src/app.ts";
import { scenarioSource } from "../src/scenario-source.ts";

const runtime = {
  name: "node" as const,
  version: "test",
  pid: 1,
  memory: () => ({ rss: 1, heapUsed: 1 }),
  collectGarbage: () => {},
};
const HANDSHAKE = {
  Upgrade: "websocket",
  Connection: "Upgrade",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
  "Sec-WebSocket-Version": "13",
};
const noUpgrade = () => undefined;

/** The core app with `totals` standing in for the supervisor. */
async function appWith(totals: () => Promise<unknown>) {
  const scenario = await scenarioSource("export default async () => {}");
  const supervisor = {
    totals,
    metrics: () => Promise.reject(new Error("not in this test")),
    dashboard: () => Promise.reject(new Error("not in this test")),
    frame: () => Promise.reject(new Error("not in this test")),
    runs: () => Promise.reject(new Error("not in this test")),
  };
  return createApp({ upgrade: noUpgrade, scenario, runtime, maxPayload: 1024, supervisor }).app;
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

  // A runtime whose upgrade takes anything (as Deno's took version 7) is checked first; one that
  // refuses malformed handshakes itself (Bun's) is tried first, and its refusal explained after.
  for (const upgradeChecksHandshake of [false, true]) {
    it(`answers a version-7 handshake with 426 and why, the upgrade ${upgradeChecksHandshake ? "tried first" : "never asked"}`, async () => {
      const asked: string[] = [];
      const upgrade = (c: Context) => {
        asked.push(c.req.header("sec-websocket-version")!);
        // A strict runtime refuses it: the route goes on to say why.
        return undefined;
      };
      const scenario = await scenarioSource("export default async () => {}");
      const { app } = createApp({
        upgrade,
        scenario,
        runtime,
        maxPayload: 1024,
        upgradeChecksHandshake,
      });
      const res = await app.request("/ws", { headers: { ...HANDSHAKE, "Sec-WebSocket-Version": "7" } });
      assert.equal(res.status, 426);
      assert.equal(await res.text(), "426 Upgrade Required: Sec-WebSocket-Version must be 13, got 7\n");
      assert.equal(res.headers.get("sec-websocket-version"), "13");
      assert.deepEqual(asked, upgradeChecksHandshake ? ["7"] : []);
    });
  }

  // What keeps Hono's cost per accept near the runtime's own: /ws is one handler, so Hono calls it
  // and hands its Response back as it is, no middleware composed, no promise (docs/packages.md).
  it("answers an upgrade the runtime took in the same call, not in a promise", async () => {
    const scenario = await scenarioSource("export default async () => {}");
    const taken = new Response(null);
    let events: unknown;
    const { app } = createApp({
      upgrade: (_c, e) => ((events = e), taken),
      scenario,
      runtime,
      maxPayload: 1024,
      upgradeChecksHandshake: true,
    });
    const answer = app.fetch(new Request("http://localhost/ws", { headers: HANDSHAKE }));
    assert.equal(answer, taken);
    assert.equal(typeof (events as { onMessage?: unknown }).onMessage, "function");
  });

  it("answers a plain GET of /ws with 426: it speaks WebSocket only", async () => {
    const res = await (await appWith(() => Promise.resolve({}))).request("/ws");
    assert.equal(res.status, 426);
    assert.match(await res.text(), /speaks WebSocket only/);
  });

  it("answers /stats with the totals when they come", async () => {
    const app = await appWith(() => Promise.resolve({ connections: { open: 7 } }));
    const res = await app.request("/stats");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { connections: { open: 7 } });
  });
});
