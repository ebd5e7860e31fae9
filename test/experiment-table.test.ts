/** The experiment's stdout table: what a figure that was not measured says. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ExperimentReport, formatExperiment } from "../tools/experiment/report.ts";

const report = {
  runtime: "bun",
  serverVersion: "1.4.5",
  clientRuntime: "bun",
  clientVersion: "1.4.5",
  websocket: "lean (Bun.connect)",
  settings: [
    { name: "client WebSocket", value: "lean", why: "ours", off: "--websocket runtime" },
    { name: "scheduling policy", value: "batch", why: "fewer switches", off: "--sched normal" },
    {
      name: "TCP connection hash",
      value: "the host's",
      why: "7.6 socket ends a bucket",
      off: "--ehash host",
      without: "a table of its own needs root",
    },
  ],
  workers: { server: 63, client: 63 },
  workerSockets: [12_000, 14_500, 15_000, 16_000],
  targets: "127.0.0.1-200",
  env: {},
  sched: { asked: "batch", server: ["batch"], client: ["batch", "normal"] },
  tcpHash: { asked: null, buckets: 262_144 },
  target: 1_000_000,
  peak: 832_763,
  failed: 0,
  mismatched: 0,
  unanswered: 0,
  sent: 19_401_854,
  answered: 19_401_854,
  rampSeconds: 831.3,
  acceptRate: 1_002,
  serverBytesPerSocket: 1_004,
  heapBytesPerSocket: 61,
  clientBytesPerSocket: 2_386,
  kernelBytesPerSocket: 5_120,
  cpu: { server: null, client: null },
  holdMessages: null,
  rtt: { p50: 0, p99: 0, p999: 0 },
  rttWholeRun: { p50: 12.1, p99: 480.2, p999: 1_204.5, max: 9_876.5 },
  connect: { p50: 8.9, p99: 4_214.8, max: 7_917.6 },
  holdSeconds: 0,
  tcp: { listenOverflows: 0, synCookiesSent: 0, synRetransmits: 50_267, synChallenges: 50_267, resetsSent: 0 },
  limit: "interrupted (Ctrl-C) at 832763 sockets",
  failures: {},
  failedAfter: {},
} as unknown as ExperimentReport;

describe("the experiment's table", () => {
  it("says a run interrupted in its ramp has no steady round trip and no hold CPU, not 0 ms", () => {
    const table = formatExperiment(report);
    assert.match(table, /echo round trip, steady \(ms\)\s*│?\s*none: no message sent after the ramp was answered/);
    assert.match(table, /CPU over the hold \(% of one core\)\s*│?\s*no hold/);
    assert.match(table, /messages\/s over the hold\s*│?\s*no hold/);
  });

  it("gives the percentiles once answers came after the ramp", () => {
    const held = { ...report, rtt: { p50: 10.6, p99: 69.6, p999: 286.5 }, cpu: { server: 47, client: 46 } };
    const table = formatExperiment(held as ExperimentReport);
    assert.match(table, /p50 10\.6, p99 69\.6, p99\.9 286\.5/);
  });

  it("gives the hold's message rate beside the rate asked, and the scheduling policies read", () => {
    const held = { ...report, holdMessages: { perSecond: 36_512, askedRate: 40_000 } };
    const table = formatExperiment(held as ExperimentReport);
    assert.match(table, /messages\/s over the hold\s*│?\s*36,512 \(asked: 40,000, sockets ÷ interval\)/);
    assert.match(table, /scheduling \(read in the hold\)\s*│?\s*server batch; client batch, normal/);
    // 36,512 of 40,000 is under 95%: the machine fell behind what it held, and the table says so.
    assert.match(table, /short of the rate asked: the machine did not keep up/);
    const kept = formatExperiment(
      { ...report, holdMessages: { perSecond: 39_000, askedRate: 40_000 } } as ExperimentReport,
    );
    assert.doesNotMatch(kept, /short of the rate asked/);
  });

  it("says memory per socket was not measured when the ramp was over before a second sample", () => {
    const quick = { ...report, serverBytesPerSocket: NaN, heapBytesPerSocket: NaN, clientBytesPerSocket: NaN };
    const table = formatExperiment(quick as ExperimentReport);
    assert.match(table, /server RSS per socket\s*│?\s*not measured: the ramp was too quick to sample/);
    assert.doesNotMatch(table, /NaN/);
  });

  it("gives the fewest and the most sockets a server worker held, each against the mean", () => {
    assert.match(
      formatExperiment(report),
      /sockets per server worker \(hold\)\s*│?\s*12,000 \(−17%\) to 16,000 \(\+11%\) over 4 workers, mean 14,375/,
    );
  });

  it("names the settings the run picked, and what kept one it could not use", () => {
    assert.match(
      formatExperiment(report).replace(/\s*│\s*/g, " ").replace(/\s+/g, " "),
      /settings client WebSocket: lean; scheduling policy: batch; TCP connection hash: the host's \(a table of its own needs root\)/,
    );
  });

  it("says whose TCP connection hash the run had, and how full it was at the peak", () => {
    assert.match(
      formatExperiment(report),
      /TCP connection hash\s*│?\s*262,144 buckets, this namespace's; 6\.4 socket ends a bucket at the peak/,
    );
    const own = { ...report, peak: 1_000_000, tcpHash: { asked: 4_194_304, buckets: 4_194_304 } };
    assert.match(
      formatExperiment(own as ExperimentReport),
      /4,194,304 buckets, a network namespace of its own \(--ehash\); 0\.5 socket ends a bucket at the peak/,
    );
    const shared = { ...report, tcpHash: { asked: null, buckets: -262_144 } };
    assert.match(formatExperiment(shared as ExperimentReport), /262,144 buckets, shared with the host;/);
  });

  it("gives the whole run's round trip beside the steady one: answers the ramp held up", () => {
    const table = formatExperiment(report);
    assert.match(table, /echo round trip, whole run \(ms\)\s*│?\s*p50 12\.1, p99 480\.2, p99\.9 1204\.5, max 9876\.5/);
  });

  it("says how many SYN resends found their connection open, when the kernel counted them", () => {
    // The table wraps long cells: compare with the box drawing and line breaks taken out.
    const flat = (t: string) => t.replace(/[│\n]/g, " ").replace(/\s+/g, " ");
    assert.match(
      flat(formatExperiment(report)),
      /SYN-ACK retransmits 50,267 \(50,267 found the connection open: nothing lost\)/,
    );
    const lost = { ...report, tcp: { ...report.tcp, synChallenges: 12 } } as ExperimentReport;
    assert.match(flat(formatExperiment(lost)), /retransmits 50,267 \(12 found the connection open/);
    const older = { ...report, tcp: { ...report.tcp, synChallenges: undefined } } as unknown as ExperimentReport;
    assert.match(flat(formatExperiment(older)), /SYN-ACK retransmits 50,267, all retransmits/);
  });
  it("says how long the run's processes waited for a core over the hold, when it was read", () => {
    const flat = (t: string) => t.replace(/[│\n]/g, " ").replace(/\s+/g, " ");
    const runQueue = {
      waiting: 48.2,
      waitPerSliceMs: 6.87,
      runPerSliceMs: 0.23,
      worstWaitPerSliceMs: 100.35,
      processes: 69,
    };
    const held = { ...report, cpu: { server: 73, client: 79 }, runQueue } as ExperimentReport;
    assert.match(
      flat(formatExperiment(held)),
      /waiting for a core \(hold\) 48\.2 of the run's 69 processes ready to run and waiting, on average; a time slice waited 6\.87 ms for its turn and ran 0\.23 ms \(the longest wait, one process's average: 100\.35 ms\)/,
    );
    // No hold, or a report from before the reading: no row, rather than a wait of 0.
    assert.doesNotMatch(formatExperiment(report), /waiting for a core/);
  });
});
