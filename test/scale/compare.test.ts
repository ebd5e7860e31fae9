/**
 * `npm run compare` at a small scale, as docs/compare.md runs it: every runtime, the raw baselines,
 * TLS and every client runtime. The report's figures must be measurements (derived from the
 * samples, non-zero, ordered), and the HTML page must show in Chromium the numbers of the JSON.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CompareReport } from "../../tools/compare/report.ts";
import { slope } from "../../tools/fit.ts";
import { CHROMIUM, launchChromium } from "../../tools/compare/browser.ts";
import { run } from "../../system/child-process.ts";
import { ROOT, RUNTIMES } from "../../system/runtimes.ts";

const CONNECTIONS = 3_000;
const kb = (b: number) => (b / 1024).toFixed(2);

describe("npm run compare", () => {
  const out = join(mkdtempSync(join(tmpdir(), "c512k-compare-")), "report");
  let report: CompareReport;
  let result: Awaited<ReturnType<typeof run>>;
  before(async () => {
    result = await run(
      [
        ...["npm", "run", "compare", "--", "--connections", String(CONNECTIONS), "--hold", "3", "--tls"],
        // Two processes a side: the multi-process path (memory summed over workers) is what
        // the published comparisons use.
        ...["--server-workers", "2", "--client-workers", "2", "--out", out],
        // The load generators' own figures: at 3,000 sockets, RSS noise once made the lean Node
        // client's slope negative; at 10,000 the sockets stand out of it.
        ...["--client-connections", "10000"],
      ],
      { ms: 400_000 },
    );
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  });

  it("exits 0 and writes report.json, report.md and report.html", () => {
    assert.equal(result.code, 0, result.output);
    for (const f of ["report.json", "report.md", "report.html"]) assert.ok(existsSync(join(out, f)), f);
    assert.match(result.stdout, /^\| server \| RSS\/socket \(KB\) \| vs raw \|/m);
  });

  it("leaves no raw server behind (Node's runs as cluster workers, which outlive a killed primary unless they leave)", () => {
    const left = readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`${ROOT}bench/raw/`);
      } catch {
        return false; // gone meanwhile
      }
    });
    assert.deepEqual(left, [], `raw servers still running: ${left.join(", ")}`);
  });

  it("has every runtime as Hono, raw and Hono over TLS, and every client runtime", () => {
    const names = report.servers.map((s) => s.name).sort();
    const expected = RUNTIMES.flatMap((r) => [`${r} hono`, `${r} raw`, `${r} hono tls`]).sort();
    assert.deepEqual(names, expected);
    assert.deepEqual(
      report.clients.map((c) => c.name).sort(),
      ["bun", "bun lean", "deno", "deno lean", "node", "node lean"],
    );
    for (const c of report.clients) assert.equal(c.websocket.startsWith("lean ("), c.name.endsWith(" lean"), c.name);
    assert.equal(report.meta.connections, CONNECTIONS);
    assert.equal(report.meta.clientConnections, 10_000);
    assert.deepEqual([report.meta.serverWorkers, report.meta.clientWorkers], [2, 2]);
    assert.match(report.meta.command, /^npm run compare -- --connections 3000 /);
    for (const key of ["cpu", "kernel"] as const) assert.ok(report.meta.machine[key].length > 0);
    assert.ok(report.meta.machine.openFiles > 0 && report.meta.machine.cores > 0);
    for (const r of RUNTIMES) assert.match(report.meta.versions[r], /^\d+\.\d+\.\d+/);
  });

  it("every server figure is a measurement: derived from its samples, non-zero, ordered, no errors", () => {
    for (const s of report.servers) {
      const at = (what: string) => `${s.name}: ${what}`;
      // Up to five: 0, ¼, ½, ¾, all; a fast ramp may pass two quarters between two polls.
      assert.ok(s.samples.length >= 3 && s.samples.length <= 5, at(`${s.samples.length} GC samples`));
      assert.equal(s.samples[0].open, 0, at("first sample before any socket"));
      assert.equal(s.peak, CONNECTIONS, at("all sockets held"));
      assert.ok(s.samples.every((p, i) => i === 0 || p.open >= s.samples[i - 1].open), at("samples along the ramp"));
      assert.ok(new Set(s.samples.map((p) => p.open)).size >= 3, at("at least three points to fit"));
      assert.equal(s.bytesPerSocket, Math.round(slope(s.samples.map((p) => [p.open, p.rss]))), at("RSS slope"));
      assert.equal(
        s.heapBytesPerSocket,
        Math.round(slope(s.samples.map((p) => [p.open, p.heapUsed]))),
        at("heap slope"),
      );
      assert.ok(s.bytesPerSocket > 0 && s.heapBytesPerSocket > 0, at("memory per socket > 0"));
      assert.ok(s.acceptRate > 0 && s.cpuSecondsPer10kAccepts > 0 && s.startupMs > 0, at("rates > 0"));
      // From a ramp of their own, on a fresh server with no GC asked for.
      const { accepted, seconds, cpuSeconds } = s.speedRamp;
      // Counted from the server's sockets (tools/compare/server.ts, watchRamp).
      assert.ok(accepted >= CONNECTIONS - 1 && accepted <= CONNECTIONS, at(`the speed ramp opened ${accepted}`));
      assert.equal(s.acceptRate, Math.round(accepted / seconds), at("accept rate from the speed ramp"));
      assert.equal(
        s.cpuSecondsPer10kAccepts,
        Math.round((cpuSeconds / accepted) * 10_000 * 1000) / 1000,
        at("CPU per accept from the speed ramp"),
      );
      assert.ok(s.cpuPercentSteady >= 0, at("CPU %"));
      assert.ok(0 < s.rtt.p50 && s.rtt.p50 <= s.rtt.p99 && s.rtt.p99 <= s.rtt.p999, at("percentiles ordered"));
      assert.equal(s.errors, 0, at("no errors"));
      assert.deepEqual(s.errorKinds, {}, at("no kinds of error"));
      assert.match(s.version, /^\d+\.\d+\.\d+/);
    }
    for (const c of report.clients) {
      assert.ok(c.bytesPerSocket > 0 && c.connectRate > 0, `client ${c.name}`);
      assert.equal(c.errors, 0);
    }
  });

  it("report.md has a row for every server and every client", () => {
    const md = readFileSync(join(out, "report.md"), "utf8");
    for (const s of report.servers) {
      assert.ok(md.includes(`| ${s.name} ${s.version} | ${kb(s.bytesPerSocket)} |`), s.name);
    }
    for (const c of report.clients) {
      assert.ok(md.includes(`| ${c.name} ${c.version} (${c.websocket}) | ${kb(c.bytesPerSocket)} |`), c.name);
    }
  });

  describe("report.html in headless Chromium", { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM}` }, () => {
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let page: Awaited<ReturnType<typeof browser.newPage>>;
    before(async () => {
      browser = await launchChromium();
      page = await browser.newPage();
      // Offline: the page must need nothing but itself.
      await page.route("**/*", (route) => route.request().url().startsWith("file:") ? route.continue() : route.abort());
      await page.goto(`file://${join(out, "report.html")}`);
    });
    after(async () => {
      await browser?.close();
    });

    it("shows in its table the numbers of the JSON", async () => {
      for (const s of report.servers) {
        const row = page.locator(`#servers tr[data-server="${s.name}"]`);
        const cell = (field: string) => row.locator(`td[data-field="${field}"]`).innerText();
        assert.equal(await cell("bytesPerSocket"), kb(s.bytesPerSocket), s.name);
        assert.equal(await cell("heapBytesPerSocket"), kb(s.heapBytesPerSocket), s.name);
        assert.equal(await cell("acceptRate"), String(s.acceptRate), s.name);
        assert.equal(await cell("rtt"), `${s.rtt.p50} / ${s.rtt.p99} / ${s.rtt.p999}`, s.name);
        assert.equal(await cell("errors"), "0", s.name);
      }
      for (const c of report.clients) {
        const cell = page.locator(`#clients tr[data-client="${c.name}"] td[data-field="connectRate"]`);
        assert.equal(await cell.innerText(), String(c.connectRate));
      }
    });

    it("draws the charts, with the JSON's values: memory lines, accept-rate and round-trip bars", async () => {
      for (const id of ["chart-memory", "chart-bytes", "chart-accept", "chart-rtt"]) {
        const box = await page.locator(`#${id} svg`).boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `${id} is drawn`);
      }
      for (const s of report.servers) {
        const dots = page.locator(`#chart-memory g[data-server="${s.name}"] circle`);
        assert.equal(await dots.count(), s.samples.length, s.name);
        const opens = await dots.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-open"))));
        assert.deepEqual(opens, s.samples.map((p) => p.open));
        const accept = page.locator(`#chart-accept rect[data-server="${s.name}"]`);
        assert.equal(Number(await accept.getAttribute("data-value")), s.acceptRate);
        assert.ok((await accept.boundingBox())!.height > 0, `${s.name}'s accept bar has a height`);
        const rtt = await page.locator(`#chart-rtt rect[data-server="${s.name}"]`).evaluateAll((els) =>
          els.map((e) => Number(e.getAttribute("data-value")))
        );
        assert.deepEqual(rtt, [s.rtt.p50, s.rtt.p99, s.rtt.p999]);
      }
    });
  });
});

describe("npm run compare --runs", () => {
  it("measures every server that many times and reports each figure's median, every run's value beside it", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "c512k-compare-runs-")), "report");
    const result = await run(
      [
        ...["npm", "run", "compare", "--", "--runtimes", "bun", "--clients", "none", "--runs", "3"],
        ...["--client-websocket", "lean"],
        // Not 1,000: raw Bun accepted those within one 10 ms CPU tick of /proc, and measured 0 s.
        ...["--connections", "3000", "--hold", "1", "--out", out],
      ],
      { ms: 300_000 },
    );
    assert.equal(result.code, 0, result.output);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as CompareReport;
    assert.equal(report.meta.runs, 3);
    // The loading client said it was the lean one, and the report says so.
    assert.match(report.meta.clientWebsocket, /^lean/);
    for (const s of report.servers) assert.match(s.clientWebsocket, /^lean/, s.name);
    assert.match(readFileSync(join(out, "report.md"), "utf8"), /client on bun [\d.]+ \(lean/);
    assert.deepEqual(report.servers.map((s) => s.name), ["bun hono", "bun raw"]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    for (const s of report.servers) {
      const runs = s.runs!;
      assert.equal(runs.length, 3, s.name);
      for (const r of runs) {
        assert.ok(r.acceptRate > 0 && r.bytesPerSocket > 0 && r.cpuSecondsPer10kAccepts > 0, s.name);
      }
      assert.equal(s.acceptRate, median(runs.map((r) => r.acceptRate)), `${s.name}: median accept rate`);
      // The speed ramp kept is the median run's: the rate drawn from it is the rate reported.
      assert.equal(s.acceptRate, Math.round(s.speedRamp.accepted / s.speedRamp.seconds), s.name);
      assert.equal(s.cpuSecondsPer10kAccepts, median(runs.map((r) => r.cpuSecondsPer10kAccepts)), s.name);
      assert.equal(s.bytesPerSocket, median(runs.map((r) => r.bytesPerSocket)), `${s.name}: median RSS per socket`);
      // The memory samples are the median run's: the slope drawn is the slope reported.
      assert.equal(s.bytesPerSocket, Math.round(slope(s.samples.map((p) => [p.open, p.rss]))), s.name);
      assert.equal(s.errors, runs.reduce((n, r) => n + r.errors, 0), `${s.name}: errors summed over runs`);
      const md = readFileSync(join(out, "report.md"), "utf8");
      assert.ok(md.includes(`| ${s.name} | ${runs.map((r) => Math.round(r.acceptRate)).join(", ")} |`), md);
    }
  });
});

describe("npm run compare, refused flags", () => {
  it("a --client-connections too small to fit the load generator's memory exits 2 and says why", async () => {
    const { code, output } = await run(["npm", "run", "compare", "--", "--client-connections", "100"]);
    assert.equal(code, 2, output);
    assert.match(
      output,
      /--client-connections must be a whole number from 5000 to \d+ \(the client's memory is fitted/,
    );
  });
});
