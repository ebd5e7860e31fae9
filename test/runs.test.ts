/**
 * Runs at the server (`client URL --run NAME --hosts N`): the registry's rules with a clock the
 * test moves, and the routes' refusals, through the routes the supervisor mounts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeHistogram, encodeHistogram, histogram, summarize, toUs } from "../src/histograms.ts";
import { RunRegistry } from "../src/runs/run-registry.ts";
import type { FiguresBody } from "../src/runs/run-shapes.ts";
import { PEER_HEADER, runsRoutes } from "../src/runs/runs-routes.ts";

const join = (expected: number, id?: string) => ({
  expected,
  id,
  runtime: "bun 1.4.5",
  websocket: "lean",
  target: 100,
});

/** A client's figures with round trips `rtts` (ms). */
function figures(rtts: number[], counts: Partial<FiguresBody> = {}): FiguresBody {
  const rtt = histogram();
  for (const ms of rtts) rtt.recordValue(toUs(ms));
  const empty = encodeHistogram(histogram());
  return {
    open: 100,
    opened: 100,
    failed: 0,
    peakOpen: 100,
    sent: rtts.length,
    answered: rtts.length,
    mismatched: 0,
    unanswered: 0,
    failures: {},
    histograms: { rtt: encodeHistogram(rtt), rttSteady: empty, connect: empty },
    ...counts,
  };
}

function clock() {
  let t = Date.parse("2026-12-05T10:00:00Z");
  return { now: () => t, pass: (ms: number) => (t += ms) };
}

describe("runs: the registry", () => {
  it("waits for every client, then starts them all at one moment", () => {
    const time = clock();
    const runs = new RunRegistry(time.now);
    const a = runs.join("seed", join(3), "198.18.0.2");
    const b = runs.join("seed", join(3), "198.18.0.3");
    assert.equal(a.state, "waiting");
    assert.equal(b.joined, 2);
    assert.equal(runs.progress("seed", a.id, undefined).startsInMs, null);
    time.pass(400);
    const c = runs.join("seed", join(3), "198.18.0.4");
    assert.equal(c.state, "running");
    assert.equal(c.startsInMs, 1000);
    time.pass(250);
    assert.equal(runs.progress("seed", a.id, undefined).startsInMs, 750);
    assert.deepEqual(new Set([a.id, b.id, c.id]).size, 3);
    assert.deepEqual(runs.view("seed").clients.map((x) => x.address), ["198.18.0.2", "198.18.0.3", "198.18.0.4"]);
  });

  it("merges round trips exactly: the fleet's percentiles are those of one histogram over every sample", () => {
    const runs = new RunRegistry(clock().now);
    const samples = [[1, 2, 3, 250], [5, 5, 5, 5, 5, 5, 900], Array.from({ length: 200 }, (_, i) => i / 10)];
    const ids = samples.map(() => runs.join("m", join(3), "127.0.0.1").id);
    samples.forEach((rtts, i) => runs.progress("m", ids[i], figures(rtts)));
    const one = histogram();
    for (const ms of samples.flat()) one.recordValue(toUs(ms));
    const view = runs.view("m");
    // As every client's does, the one histogram travels in HDR's encoding (which keeps 3 significant digits of the max).
    assert.deepEqual(view.total.rtt, summarize(decodeHistogram(encodeHistogram(one))));
    assert.equal(view.total.answered, samples.flat().length);
    assert.equal(view.total.target, 300);
  });

  it("shows a client silent past 90 s as lost, with what it last said, and the run still ends", () => {
    const time = clock();
    const runs = new RunRegistry(time.now);
    const a = runs.join("r", join(2), "127.0.0.2");
    const b = runs.join("r", join(2), "127.0.0.3");
    runs.progress("r", a.id, figures([1, 2], { sent: 7, open: 40 }));
    time.pass(80_000);
    runs.progress("r", b.id, figures([3]));
    time.pass(11_000);
    const view = runs.view("r");
    assert.deepEqual(view.clients.map((c) => c.state), ["lost", "running"]);
    assert.equal(view.clients[0].sent, 7);
    assert.equal(view.clients[0].open, 0, "a lost client's sockets went with it");
    assert.equal(view.total.open, 100);
    const end = runs.result("r", b.id, figures([3]));
    assert.equal(end.state, "done");
    assert.ok(end.endedAt);
  });

  it("forgets a waiting client that stopped polling, so the run waits for another", () => {
    const time = clock();
    const runs = new RunRegistry(time.now);
    const a = runs.join("w", join(2), "127.0.0.2");
    time.pass(5_000);
    runs.join("w", join(2), "127.0.0.3");
    assert.equal(runs.view("w").state, "running");
    const time2 = clock();
    const later = new RunRegistry(time2.now);
    later.join("w", join(2), "127.0.0.2");
    time2.pass(10_001);
    const second = later.join("w", join(2), "127.0.0.3");
    assert.equal(second.state, "waiting");
    assert.equal(second.joined, 1);
    assert.ok(a.id);
  });

  it("refuses what would corrupt a run: a different --hosts, a late joiner, a second client with one id, a bad histogram", () => {
    const runs = new RunRegistry(clock().now);
    runs.join("x", join(2, "host-0"), "127.0.0.2");
    assert.throws(() => runs.join("x", join(3), "127.0.0.3"), {
      status: 409,
      message: /waits for 2 clients.*--hosts 3/,
    });
    assert.throws(() => runs.join("x", join(2, "host-0"), "127.0.0.3"), {
      status: 409,
      message: /already has a client host-0/,
    });
    runs.join("x", join(2, "host-1"), "127.0.0.3");
    assert.throws(() => runs.join("x", join(2), "127.0.0.4"), { status: 409, message: /started with its 2 clients/ });
    const bad = { ...figures([1]), histograms: { ...figures([1]).histograms, rtt: "bm90IGhkcg==" } };
    assert.throws(() => runs.progress("x", "host-0", bad), { status: 400, message: /histograms\.rtt: not HDR/ });
    assert.equal(runs.view("x").total.sent, 0, "nothing of a refused report is counted");
    assert.throws(() => runs.view("nope"), { status: 404 });
  });

  it("takes back a client whose process restarted (same id), counting the rejoin", () => {
    const runs = new RunRegistry(clock().now);
    runs.join("k", join(2, "job-0"), "10.0.0.1");
    runs.join("k", join(2, "job-1"), "10.0.0.2");
    const again = runs.join("k", join(2, "job-1"), "10.0.0.9");
    assert.equal(again.client, "running");
    assert.equal(again.startsInMs, 1000);
    const view = runs.view("k");
    assert.equal(view.clients[1].rejoins, 1);
    assert.equal(view.clients[1].address, "10.0.0.9");
  });

  it("holds a running run's ramp: every client hears why in its next answer, the first why stays", () => {
    const c = clock();
    const runs = new RunRegistry(c.now);
    const a = runs.join("seed", join(2), "198.18.0.2");
    assert.throws(() => runs.hold("seed", "too soon"), { status: 409, message: /seed is waiting/ });
    assert.throws(() => runs.hold("other", "why"), { status: 404 });
    const b = runs.join("seed", join(2), "198.18.0.3");
    c.pass(1_000);
    assert.equal(runs.progress("seed", a.id, figures([1])).hold, null);
    assert.equal(runs.hold("seed", "the fleet's ramp is over: it crept").hold, "the fleet's ramp is over: it crept");
    runs.hold("seed", "a second why");
    for (const id of [a.id, b.id]) {
      assert.equal(runs.progress("seed", id, figures([1])).hold, "the fleet's ramp is over: it crept");
    }
    assert.equal(runs.view("seed").hold, "the fleet's ramp is over: it crept");
    // The dashboard's row says it too.
    c.pass(2_000);
    assert.equal(runs.frames()[0].hold, "the fleet's ramp is over: it crept");
  });
});

describe("runs: the routes", () => {
  const routes = (token?: string) => runsRoutes(new RunRegistry(), token);
  const post = (body: unknown, headers: Record<string, string> = {}) => ({
    method: "POST",
    headers: { "content-type": "application/json", [PEER_HEADER]: "198.18.0.7", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

  it("joins, answers GET /runs and GET /runs/NAME with the client's address", async () => {
    const app = routes();
    const joined = await (await app.request("/seed/join", post(join(1, "host-0")))).json();
    assert.equal(joined.id, "host-0");
    assert.equal(joined.state, "running");
    const list = await (await app.request("/")).json();
    assert.deepEqual(list.runs.map((r: { name: string }) => r.name), ["seed"]);
    const view = await (await app.request("/seed")).json();
    assert.equal(view.clients[0].address, "198.18.0.7");
  });

  it("with a token, refuses joins and reports without it (401; 400 for a malformed header), and takes them with it", async () => {
    const app = routes("s3cret");
    const cases: [Record<string, string>, number][] = [
      [{}, 401],
      [{ authorization: "Bearer wrong" }, 401],
      [{ authorization: "Basic abc" }, 400],
    ];
    for (const [headers, status] of cases) {
      const res = await app.request("/seed/join", post(join(1), headers));
      assert.equal(res.status, status, JSON.stringify(headers));
      assert.match((await res.json()).error, /--run-token/);
    }
    assert.equal((await app.request("/")).status, 200, "reads stay open, as /stats is");
    assert.equal((await app.request("/seed/join", post(join(1), { authorization: "Bearer s3cret" }))).status, 200);
    const hold = { why: "enough" };
    assert.equal((await app.request("/seed/hold", post(hold))).status, 401, "a hold needs the token too");
    assert.equal((await app.request("/seed/hold", post(hold, { authorization: "Bearer s3cret" }))).status, 200);
  });

  it("answers 400 with the reason for malformed input", async () => {
    const app = routes();
    const cases: [string, unknown, RegExp][] = [
      ["/seed/join", "{not json", /must be JSON/],
      ["/seed/join", { ...join(1), expected: 0 }, /expected: .*1/],
      ["/seed/join", { ...join(1), extra: 1 }, /extra/],
      ["/bad%20name/join", join(1), /run name "bad name" must be/],
      ["/seed/join", { ...join(1), id: "../etc" }, /id: must be/],
      ["/seed/hold", { why: "" }, /why: /],
      ["/seed/hold", { why: "x", extra: 1 }, /extra/],
      ["/seed/hold", { why: "x".repeat(501) }, /why: /],
    ];
    for (const [path, body, reason] of cases) {
      const res = await app.request(path, post(body));
      assert.equal(res.status, 400, path);
      assert.match((await res.json()).error, reason);
    }
    await app.request("/seed/join", post(join(1, "h")));
    const negative = await app.request("/seed/clients/h/progress", post({ figures: figures([1], { sent: -1 }) }));
    assert.equal(negative.status, 400);
    assert.match((await negative.json()).error, /figures\.sent/);
  });

  it("refuses an oversized body from its length, before reading it, and a streamed one as it grows", async () => {
    const app = routes();
    const big = await app.request("/seed/join", post("x".repeat(300 * 1024)));
    assert.equal(big.status, 413);
    let pulled = 0;
    const stream = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
        if (pulled > 100) controller.close();
      },
    });
    const res = await app.request(
      new Request("http://x/seed/join", { method: "POST", body: stream, duplex: "half" } as RequestInit),
    );
    assert.equal(res.status, 413);
    assert.ok(pulled < 10, `read ${pulled} chunks of 64 KB`);
  });
});
