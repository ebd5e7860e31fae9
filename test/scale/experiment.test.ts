/** `npm run experiment` at small scale: a real report, and nothing left running after it, even when interrupted. */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ExperimentReport } from "../../tools/experiment/report.ts";
import { CHILD_EHASH, ehashUnavailable } from "../../system/netns.ts";
import { TCP_COUNTERS } from "../../system/tcp-counters.ts";
import { start, stopChild, waitFor } from "../../system/child-process.ts";
import { ROOT } from "../../system/runtimes.ts";

const EXPERIMENT = [process.execPath, `${ROOT}dist/experiment.js`];

/** True when nothing listens on the port any more. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

/** Processes whose command line names this server port (the client's URL does). */
function processesNaming(port: number): string[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      return cmd.includes(`127.0.0.1:${port}`) ? [cmd] : [];
    } catch {
      return [];
    }
  });
}

describe("experiment", () => {
  it("runs server and client workers, holds, and reports real figures", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c512k-exp-"));
    const out = join(dir, "report.json");
    try {
      const child = start([
        ...EXPERIMENT,
        "--runtime",
        "node",
        // Enough sockets for memory per socket to stand clear of GC and slab noise: at 2,000
        // one of the three fits came out negative once in CI.
        "--connections",
        "6000",
        "--hold",
        // Past the 5 s under which the hold's CPU and message rate are not given (noise).
        "6",
        "--rate",
        "3000",
        "--sched",
        "batch",
        "--json",
        "--out",
        out,
      ]);
      const code = await child.exited;
      assert.equal(code, 0, child.output());
      const r = JSON.parse(child.stdout()) as ExperimentReport;
      assert.equal(r.runtime, "node");
      assert.equal(r.target, 6000);
      assert.equal(r.peak, 6000);
      assert.deepEqual([r.failed, r.mismatched, r.unanswered, r.limit], [0, 0, 0, null]);
      assert.ok(r.sent > 0 && r.answered === r.sent, `sent ${r.sent}, answered ${r.answered}`);
      assert.ok(r.workers.server >= 2, "one server worker per core at least");
      assert.ok(r.acceptRate > 0 && r.rampSeconds > 0);
      assert.ok(
        r.serverBytesPerSocket > 0 && r.clientBytesPerSocket > 0 && r.kernelBytesPerSocket > 0,
        JSON.stringify([r.serverBytesPerSocket, r.clientBytesPerSocket, r.kernelBytesPerSocket]),
      );
      assert.ok(r.rtt.p50 > 0 && r.rtt.p999 >= r.rtt.p99 && r.rtt.p99 >= r.rtt.p50);
      assert.match(r.command, /--connections 6000/);
      // Read from /proc in the hold: every process either side ran under SCHED_BATCH.
      assert.deepEqual(r.sched, { asked: "batch", server: ["batch"], client: ["batch"] });
      assert.ok(r.holdMessages && r.holdMessages.perSecond > 0, JSON.stringify(r.holdMessages));
      assert.equal(r.holdMessages.askedRate, Math.round(6000 / 25));
      // The wait for a core over the hold, read from every process of the run.
      assert.ok(r.runQueue && r.runQueue.processes >= 3 && r.runQueue.runPerSliceMs > 0, JSON.stringify(r.runQueue));
      // The kernel's counters over the run: every one read, none gone backwards.
      for (const name of Object.keys(TCP_COUNTERS)) {
        const value = r.tcp[name as keyof typeof r.tcp];
        assert.ok(Number.isInteger(value) && value >= 0, `tcp.${name}: ${value}`);
      }
      const saved = JSON.parse(readFileSync(out, "utf8"));
      assert.equal(saved.peak, 6000);
      // The server's log beside the report: its start line and its workers' count.
      const serverLog = readFileSync(join(dir, "report.server.log"), "utf8");
      assert.match(serverLog, /^listening on http:\/\//m);
      assert.match(serverLog, /^\d+ workers? /m);
      assert.ok(saved.samples.length > 0);
      const port = Number(child.output().match(/server on node at http:\/\/127\.0\.0\.1:(\d+)/)![1]);
      assert.ok(await refused(port), "the server is gone");
      assert.deepEqual(processesNaming(port), []);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("when the client refuses its flags, says so in the client's words, exits 1 and leaves nothing running", async () => {
    const child = start([...EXPERIMENT, "--runtime", "bun", "--connections", "100", "--interval", "100000"]);
    assert.equal(await child.exited, 1, child.output());
    assert.match(
      child.output(),
      /the client exited with code 2:[\s\S]*--interval must be a number from 0\.001 to 86400/,
    );
    const port = Number(child.output().match(/server on bun at http:\/\/127\.0\.0\.1:(\d+)/)![1]);
    assert.ok(await refused(port), "the server is gone");
    assert.deepEqual(processesNaming(port), []);
  });

  it(
    "--ehash runs in a network namespace of its own with that hash, passes Ctrl-C on, and puts the host's setting back",
    {
      skip: ehashUnavailable() ?? (process.getuid?.() !== 0 ? "--ehash needs root" : false),
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "c512k-exp-"));
      const hostSetting = readFileSync(CHILD_EHASH, "utf8");
      try {
        const child = start([
          ...EXPERIMENT,
          ...["--runtime", "bun", "--connections", "500", "--hold", "120", "--ehash", "65536"],
          ...["--out", join(dir, "r.json")],
        ]);
        const [, port] = await waitFor(child, /server on bun at http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
        await waitFor(child, /holding 120 s/, 60_000);
        // The run's own namespace: its server is not on this one's loopback.
        assert.ok(await refused(Number(port)), "the server is reachable from the host's namespace");
        assert.equal(readFileSync(CHILD_EHASH, "utf8"), hostSetting);
        // Sent to the experiment we started, which passes it on to the one in the namespace.
        await stopChild(child, "SIGINT", 60_000);
        const saved = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as ExperimentReport;
        assert.deepEqual(saved.tcpHash, { asked: 65536, buckets: 65536 });
        assert.equal(saved.peak, 500);
        assert.match(saved.command, /--ehash 65536/);
        assert.match(child.stdout(), /TCP connection hash\s*│ 65,536 buckets, a network namespace of its own/);
        assert.deepEqual(processesNaming(Number(port)), []);
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
  );

  it("refuses an --ehash the kernel would not take, before starting anything", async () => {
    const child = start([...EXPERIMENT, "--ehash", "100"]);
    assert.equal(await child.exited, 2);
    assert.match(child.output(), /--ehash must be auto, host or a whole number from 128 to 16777216, got "100"/);
  });

  it("on Ctrl-C stops the client and the server it started, and still reports; the plain command runs with the best settings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c512k-exp-"));
    try {
      const child = start([
        ...EXPERIMENT,
        "--runtime",
        "bun",
        "--connections",
        "3000",
        "--hold",
        "120",
        "--out",
        join(dir, "r.json"),
      ]);
      const [, port] = await waitFor(child, /server on bun at http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
      await waitFor(child, /holding 120 s/, 60_000);
      // The tool sets Bun's GC variables for the processes it starts, not the caller.
      const live = await (await fetch(`http://127.0.0.1:${port}/stats`)).json() as { workers: { pid: number }[] };
      const environ = readFileSync(`/proc/${live.workers[0].pid}/environ`, "utf8").split("\0");
      assert.ok(environ.includes("MIMALLOC_PURGE_DELAY=-1"), "MIMALLOC_PURGE_DELAY in the worker's environment");
      assert.ok(environ.includes("BUN_JSC_useWarmUpMarkedBlocks=false"));
      await stopChild(child, "SIGINT", 60_000);
      assert.match(child.stdout(), /peak concurrent sockets\s*│ 3,000 of 3,000/);
      const saved = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as ExperimentReport;
      // No flag: each setting printed with why and how to turn it off, and kept in the report.
      const picked = Object.fromEntries(saved.settings.map((s) => [s.name, s.value]));
      assert.equal(picked["client WebSocket"], "lean");
      assert.match(saved.websocket, /^lean/);
      assert.equal(picked["scheduling policy"], "batch", "chrt is on this machine: SCHED_BATCH");
      assert.deepEqual(saved.sched, { asked: "batch", server: ["batch"], client: ["batch"] });
      // 3,000 sockets are far from filling the host's TCP hash.
      assert.equal(picked["TCP connection hash"], "the host's");
      assert.match(child.output(), /scheduling policy: batch; SCHED_BATCH.*\[--sched normal\]/);
      assert.match(
        child.output(),
        /Bun GC variables: BUN_JSC_useWarmUpMarkedBlocks=false MIMALLOC_PURGE_DELAY=-1;.*\[--bun-env plain\]/,
      );
      assert.equal(saved.env.MIMALLOC_PURGE_DELAY, "-1");
      assert.ok(await refused(Number(port)), "the server is gone");
      assert.deepEqual(processesNaming(Number(port)), []);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
