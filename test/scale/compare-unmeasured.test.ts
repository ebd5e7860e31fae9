/**
 * A server that fails while `npm run compare` measures it is reported "not measured", with why,
 * and the compare goes on: the other servers' figures are kept, nothing it started is left
 * running, and it exits 1 so a script notices.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CompareReport } from "../../tools/compare/report.ts";
import { measureInTurns } from "../../tools/compare/turns.ts";
import { openFileCount } from "../../system/proc.ts";
import { launchChromium } from "../../tools/compare/browser.ts";
import { start, stopChildren } from "../../system/child-process.ts";
import { ROOT } from "../../system/runtimes.ts";

/** Our own processes (this checkout's) whose command line holds `part`. */
function processesRunning(part: string): number[] {
  return readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(part) ? [Number(pid)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

describe("measureInTurns", () => {
  it("keeps measuring the others after one fails, and never measures the failed one again", async () => {
    const calls: string[] = [];
    const logged: string[] = [];
    const turns = await measureInTurns(["a", "b", "c"], 3, (plan, run) => {
      calls.push(`${plan}${run}`);
      if (plan === "b" && run === 2) return Promise.reject(new Error("no memory line\nserver output here"));
      return Promise.resolve(`${plan}:${run}`);
    }, { nameOf: (plan) => `server ${plan}`, log: (line) => logged.push(line) });
    assert.deepEqual(calls, ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "c3"]);
    assert.deepEqual(turns.measured, [
      { plan: "a", runs: ["a:1", "a:2", "a:3"] },
      { plan: "c", runs: ["c:1", "c:2", "c:3"] },
    ]);
    // The report keeps the first line; the log has all of it, and which server.
    assert.deepEqual(turns.failed, [{ plan: "b", reason: "turn 2 of 3: no memory line" }]);
    assert.match(logged.join("\n"), /server b not measured \(turn 2 of 3\): no memory line\nserver output here/);
  });
});

describe("npm run compare, a server killed while measured", () => {
  it("reports it not measured with why, keeps the other server's figures, leaves nothing running, exits 1", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "c512k-compare-killed-")), "report");
    const rawBun = `${ROOT}bench/raw/bun.ts`;
    const compare = start([
      ...["npm", "run", "compare", "--", "--runtimes", "bun", "--clients", "none"],
      ...["--client-websocket", "lean", "--connections", "3000", "--hold", "5", "--out", out],
    ]);
    const timer = setTimeout(() => compare.proc.kill("SIGKILL"), 240_000);
    try {
      // Raw Bun is measured after Bun's Hono server: kill it once it holds the client's sockets.
      let killed: number | undefined;
      while (killed === undefined && compare.proc.exitCode === null) {
        killed = processesRunning(rawBun).find((pid) => openFileCount(pid) > 500);
        if (killed === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(killed, `raw Bun never held the sockets:\n${compare.output()}`);
      process.kill(killed, "SIGKILL");
      assert.equal(await compare.exited, 1, compare.output());
    } finally {
      clearTimeout(timer);
      await stopChildren([compare]);
    }

    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as CompareReport;
    assert.deepEqual(report.servers.map((s) => s.name), ["bun hono"]);
    const [hono] = report.servers;
    assert.ok(hono.bytesPerSocket > 0 && hono.acceptRate > 0 && hono.peak === 3000, JSON.stringify(hono));
    assert.equal(report.unmeasured.length, 1);
    const [raw] = report.unmeasured;
    assert.deepEqual([raw.name, raw.runtime, raw.layer, raw.tls], ["bun raw", "bun", "raw", false]);
    assert.match(raw.reason, /^the server \(pid \d+\) ended \(SIGKILL\) while measured/);
    assert.match(compare.output(), /not measured: bun raw \(the report says why\)/);

    const md = readFileSync(join(out, "report.md"), "utf8");
    assert.ok(md.includes(`| bun raw | not measured: ${raw.reason} |`), md);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(out, "report.html")}`);
      const row = page.locator('#servers tr[data-server="bun raw"][data-unmeasured] [data-field="reason"]');
      assert.equal(await row.textContent(), `not measured: ${raw.reason}`);
    } finally {
      await browser.close();
    }

    // Nothing it started outlived it: not the killed server's client, nor its other servers.
    assert.deepEqual(processesRunning(`${ROOT}bench/raw/`), []);
    assert.deepEqual(processesRunning(`${ROOT}dist/client.js`), []);
    assert.deepEqual(processesRunning(`${ROOT}adapters/main.ts`), []);
  });
});
