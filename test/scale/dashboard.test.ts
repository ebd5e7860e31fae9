/**
 * Watching a run: the dashboard in headless Chromium while a client runs, a real Prometheus
 * scraping /metrics, and a thousand dashboard streams on one worker (bounded, closed at shutdown).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import { MAX_STREAMS } from "../../src/dashboard-stream.ts";
import { freePort, start, stopChild, waitFor } from "../../system/child-process.ts";
import { CLIENT, ROOT, runCommand } from "../../system/runtimes.ts";
import { rssBytes } from "../../system/proc.ts";
import { CHROMIUM, launchChromium } from "../../tools/compare/browser.ts";
import { startServer, statsUntil } from "../../tools/local-server.ts";

const PROMETHEUS = "/usr/bin/prometheus";
/** Where the screenshot goes: `results/` (not in git); docs/dashboard.png is a copy of one. */
const SCREENSHOT = join(ROOT, "results", "dashboard.png");

/** A client run of `sockets`, each sending every second, for `seconds`; in run `run` if given. */
function clientRun(url: string, sockets: number, seconds: number, run?: string) {
  return start([
    ...runCommand("bun"),
    CLIENT,
    url,
    ...["--connections", String(sockets), "--rate", "1000", "--interval", "1", "--duration", String(seconds)],
    ...["--workers", "1", "--json", ...(run ? ["--run", run] : [])],
  ]);
}

describe("the dashboard", { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM}` }, () => {
  it("in Chromium during a client run: loads, its charts fill and move, its figures match /stats, no console error", async () => {
    const server = await startServer("bun", ["--workers", "2"]);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/dashboard`);
      const client = clientRun(server.url, 3_000, 20, "dash");
      const frames = () => page.evaluate(() => Number(document.body.dataset.frames ?? 0));
      const shown = () =>
        page.evaluate(() => Number(document.getElementById("open")!.textContent!.replaceAll(",", "")));
      await statsUntil(server.url, (s) => s.connections.open === 3_000, 30_000);
      await page.waitForFunction(() => document.getElementById("open")!.textContent === "3,000", null, {
        timeout: 10_000,
      });
      const first = await frames();
      await page.waitForTimeout(3_000);
      assert.ok((await frames()) >= first + 2, "a frame a second");
      assert.equal(await shown(), 3_000);
      // Each chart has drawn its series: uPlot's canvas is there and sized, the legend names them.
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll(".uplot")].map((u) => ({
          title: u.querySelector(".u-title")?.textContent,
          width: (u.querySelector("canvas") as HTMLCanvasElement).width,
        }))
      );
      assert.deepEqual(charts.map((c) => c.title), ["Open sockets", "Per second", "Server memory", "Fleet round trip"]);
      assert.ok(charts.every((c) => c.width > 300));
      const rows = await page.locator(".bars").first().locator("tbody tr").count();
      assert.equal(rows, 2, "a bar per worker");
      // The run the client joined (--run dash): its row, its client, its round trip.
      const runs = page.locator(".bars").nth(1);
      await page.waitForFunction(() => /dash/.test(document.querySelectorAll(".bars")[1]?.textContent ?? ""), null, {
        timeout: 10_000,
      });
      assert.match(
        await runs.locator("tbody tr").first().textContent() ?? "",
        /^dashrunning, 1 of 1 clients3,000 open, 0 failed[\d.]+ \/ [\d.]+ ms$/,
      );
      assert.equal(await runs.locator("tbody tr").count(), 2, "the run, and its one client");
      const state = await page.locator("#state").textContent();
      assert.equal(state, "live");
      mkdirSync(join(ROOT, "results"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      // A phone's width and the dark scheme: nothing wider than the screen.
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
      phone.on("pageerror", (e) => errors.push(String(e)));
      await phone.goto(`${server.url}/dashboard`);
      await phone.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 2, null, { timeout: 10_000 });
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
      await phone.screenshot({ path: join(ROOT, "results", "dashboard-phone-dark.png"), fullPage: true });
      assert.deepEqual(errors, []);
      await stopChild(client, "SIGINT", 30_000);
    } finally {
      await browser.close();
      await server.stop("SIGKILL");
    }
  });
});

describe(
  "Prometheus",
  { skip: existsSync(PROMETHEUS) ? false : `no ${PROMETHEUS} (apt-get install prometheus)` },
  () => {
    it("scrapes /metrics during a client run and reads c512k_connections_open back equal to /stats", async () => {
      const server = await startServer("node", ["--workers", "2"]);
      const dir = mkdtempSync(join(tmpdir(), "c512k-prom-"));
      const port = await freePort();
      const target = new URL(server.url).host;
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: c512k\n    static_configs:\n      - targets: ["${target}"]\n`,
      );
      const prometheus = start([
        PROMETHEUS,
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ]);
      const client = clientRun(server.url, 2_000, 30);
      try {
        await waitFor(prometheus, /Server is ready to receive web requests/, 30_000);
        const stats = await statsUntil(server.url, (s) => s.connections.open === 2_000, 30_000);
        assert.equal(stats.connections.open, 2_000);
        let seen = NaN;
        for (const deadline = Date.now() + 30_000; Date.now() < deadline && seen !== 2_000;) {
          await new Promise((r) => setTimeout(r, 1_000));
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=c512k_connections_open`);
          const body = await res.json() as { data: { result: { value: [number, string] }[] } };
          seen = Number(body.data.result[0]?.value[1]);
        }
        assert.equal(seen, 2_000);
        const up = await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up{job="c512k"}`)).json() as {
          data: { result: { value: [number, string] }[] };
        };
        assert.equal(up.data.result[0]?.value[1], "1", "the scrape succeeds");
      } finally {
        await stopChild(client, "SIGINT", 30_000);
        await stopChild(prometheus, "SIGTERM", 20_000);
        await server.stop("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe("dashboard streams at their bound", () => {
  it(`${MAX_STREAMS} streams on one worker: the next one refused, memory bounded, all ended at shutdown`, async (t) => {
    const server = await startServer("bun", ["--workers", "1"]);
    try {
      const idle = await statsUntil(server.url, (s) => s.workers[0]?.memory.rss > 0);
      const workerPid = idle.workers[0].pid;
      const rssBefore = rssBytes(workerPid);
      const streams = await Promise.all(Array.from({ length: MAX_STREAMS }, async () => {
        const res = await fetch(`${server.url}/dashboard/events`);
        assert.equal(res.status, 200);
        const reader = res.body!.getReader();
        // Wrapped: an async function returning a promise would wait for it, i.e. for the stream's end.
        const ended = (async () => {
          for (;;) if ((await reader.read()).done) return true;
        })().catch(() => true);
        return { ended };
      }));
      const full = await statsUntil(server.url, (s) => (s as ClusterStatsSnapshot).streams === MAX_STREAMS, 20_000);
      assert.equal(full.streams, MAX_STREAMS);
      const refused = await fetch(`${server.url}/dashboard/events`);
      assert.equal(refused.status, 503);
      assert.match(await refused.text(), /dashboard streams already open/);
      // Not a threshold on speed: a bound on memory, which a leak per frame would break.
      await new Promise((r) => setTimeout(r, 3_000));
      const grew = rssBytes(workerPid) - rssBefore;
      assert.ok(grew < 100 * 1024 * 1024, `RSS grew ${grew} bytes for ${MAX_STREAMS} streams`);
      t.diagnostic(`worker RSS +${(grew / 1024 / 1024).toFixed(1)} MB for ${MAX_STREAMS} streams`);
      await server.stop("SIGTERM");
      assert.deepEqual(new Set(await Promise.all(streams.map((s) => s.ended))), new Set([true]), "every stream ended");
    } finally {
      await server.stop("SIGKILL").catch(() => {});
    }
  });
});
