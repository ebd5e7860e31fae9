/** The portable client: fetch the server's scenario, run it, report. One bundle for every runtime. */
import { useColor } from "../system/color.ts";
import process from "node:process";
import { type ClientReport, reportIsClean } from "./report.ts";
import { socketsPerWorker } from "../system/limits.ts";
import { whenOrphaned } from "../system/orphan.ts";
import { coordinate } from "./coordinator.ts";
import { loadScenario, ScenarioError } from "./load-scenario.ts";
import { CLIENT_USAGE, type ClientOptions, parseClientOptions, UsageError } from "./options.ts";
import { startProgress } from "./progress.ts";
import { logRamp } from "./ramp-log.ts";
import { runLocal } from "./run-local.ts";
import { relaunch } from "./relaunch.ts";
import { pickWebSocket } from "./socket.ts";
import { formatSummary } from "./summary.ts";
import { joinRun, type RunLink, RunLinkError } from "./run-link.ts";
import { formatRun } from "./run-summary.ts";
import type { FiguresBody, HistogramsBody } from "../src/runs/run-shapes.ts";
import {
  CLIENT_WORKER_ENV,
  HELD_BY_COORDINATOR,
  HOLD_SIGNAL,
  PROGRESS_EVERY_MS,
  PROGRESS_PREFIX,
  type ProgressFigures,
  RESULT_PREFIX,
  SCENARIO_SHA_ENV,
  type WorkerAssignment,
  type WorkerResult,
} from "./worker-link.ts";

/**
 * The ramp's hold, listened for before anything else: SIGUSR2's default action ends the process,
 * and a hold may come while the scenario loads or the run gathers. One that comes early is kept,
 * and the ramp starts held.
 */
const hold = new AbortController();
let onHoldSignal = () => {
  if (!hold.signal.aborted) hold.abort(`told to hold (${HOLD_SIGNAL})`);
};
process.on(HOLD_SIGNAL, () => onHoldSignal());

function fail(message: string, code: number): never {
  console.error(`c512k client: ${message}`);
  process.exit(code);
}

let options: ClientOptions | null;
try {
  options = parseClientOptions(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) fail(`${err.message}\n${CLIENT_USAGE}`, 2);
  throw err;
}
if (!options) {
  console.log(CLIENT_USAGE);
  process.exit(0);
}

const choice = await pickWebSocket(options.insecure, options.websocket);
if (choice.relaunch) {
  const code = await relaunch(choice.relaunch, process.argv.slice(2));
  process.exit(code);
}
const scenario = await loadScenario({
  base: options.base,
  file: options.scenarioFile,
  sha256: options.scenarioSha256,
}).catch((err) => {
  if (err instanceof ScenarioError) fail(err.message, 1);
  throw err;
});
const assignment = process.env[CLIENT_WORKER_ENV];
const stop = new AbortController();
const startedAt = performance.now();

if (assignment !== undefined) {
  // A worker: run our share, report progress and the result on stdout for the coordinator.
  const share = JSON.parse(assignment) as WorkerAssignment;
  if (scenario.sha256 !== process.env[SCENARIO_SHA_ENV]) {
    fail(
      `worker ${share.index} got scenario sha256 ${scenario.sha256}, not the coordinator's ${
        process.env[SCENARIO_SHA_ENV]
      }`,
      1,
    );
  }
  process.on("SIGINT", () => stop.abort());
  onHoldSignal = () => {
    if (!hold.signal.aborted) hold.abort(HELD_BY_COORDINATOR);
  };
  whenOrphaned(() => stop.abort());
  let recorder: import("./recorder.ts").ClientRecorder | undefined;
  let tick = 0;
  const inRun = options.run !== undefined;
  const ticker = setInterval(() => {
    if (!recorder) return;
    const figures = recorder.figures();
    // Histograms only when a run needs them, and every other line: they cost an encoding each.
    if (inRun && ++tick % 2 === 0) figures.histograms = recorder.encodedHistograms();
    process.stdout.write(`${PROGRESS_PREFIX}${JSON.stringify(figures)}\n`);
  }, PROGRESS_EVERY_MS);
  const local = runLocal(
    scenario.run,
    choice.WebSocket,
    { ...options, ...share },
    stop,
    (r) => (recorder = r),
    hold.signal,
  );
  const done = await local;
  clearInterval(ticker);
  const report = done.report({
    runtime: choice.runtime,
    websocket: choice.label,
    scenario,
    target: share.connections,
    seconds: 0,
  });
  const result: WorkerResult = { report, ...done.encodedHistograms() };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  process.exit(0);
}

const workers = options.workers === "auto"
  ? Math.max(1, Math.ceil(options.connections / socketsPerWorker()))
  : options.workers;
const pin = options.scenarioSha256 ? " (as pinned)" : "";
const trust = options.scenarioFile
  ? `running scenario ${scenario.url} (sha256 ${scenario.sha256}${pin})`
  : `running JavaScript from ${scenario.url} (sha256 ${scenario.sha256}${pin}) with this process's permissions` +
    (pin ? "" : "; pin it with --scenario-sha256, or run your own with --scenario FILE");
console.error(
  `c512k client: ${trust}\nc512k client: on ${choice.runtime.name} ${choice.runtime.version} with ${choice.label}, ` +
    `${workers} process${workers === 1 ? "" : "es"}, ${options.urls.length} endpoint${
      options.urls.length === 1 ? "" : "s"
    }`,
);

const perEndpoint = Math.ceil(options.connections / options.urls.length);
if (perEndpoint > 10_000) {
  console.error(
    `c512k client: ${perEndpoint} sockets per server endpoint: past ~14,000 connect() slows sharply, and past the ` +
      `ephemeral port range (~28,000) it fails; spread with --targets (e.g. 127.0.0.1-${
        Math.ceil(options.connections / 5_000)
      }) or the server's --ports`,
  );
}

let link: RunLink | undefined;
if (options.run) {
  link = await joinRun(options.base, options.run, {
    runtime: `${choice.runtime.name} ${choice.runtime.version}`,
    websocket: choice.label,
    target: options.connections,
  }, (line) => console.error(`c512k client: ${line}`)).catch((err) => {
    if (err instanceof RunLinkError) fail(err.message, 1);
    throw err;
  });
}

let interrupted = false;
let onInterrupt = (_force: boolean) => stop.abort();
process.on("SIGINT", () => {
  // A second Ctrl-C means "now": skip the graceful close.
  if (interrupted) {
    onInterrupt(true);
    process.exit(130);
  }
  interrupted = true;
  console.error("c512k client: SIGINT, closing sockets (Ctrl-C again to quit at once)");
  onInterrupt(false);
});
whenOrphaned(() => onInterrupt(false));
// The ramp ended from outside: by the run at the server (its progress answers), or by whoever
// started us (the experiment, when the server's count creeps), with SIGUSR2.
let holdRamp = (why: string) => hold.abort(why);
const toldToHold = (why: string) => {
  if (hold.signal.aborted) return;
  console.error(`c512k client: told to hold the ramp: ${why}`);
  holdRamp(why);
};
if (hold.signal.aborted) console.error(`c512k client: told to hold the ramp: ${hold.signal.reason}`);
onHoldSignal = () => toldToHold(`told to hold (${HOLD_SIGNAL})`);

let counts: Omit<ClientReport, "runtime" | "websocket" | "scenario" | "target" | "seconds">;
let histograms: () => HistogramsBody;
if (workers === 1) {
  let recorder: import("./recorder.ts").ClientRecorder | undefined;
  const figures = () => recorder!.figures();
  histograms = () => recorder!.encodedHistograms();
  const progress = startProgress(figures, options.connections);
  const rampLog = logRamp(figures, (line) => console.error(`c512k client: ${line}`));
  const reporting = link?.report(() => runFigures(figures(), histograms()), toldToHold);
  const done = await runLocal(scenario.run, choice.WebSocket, options, stop, (r) => (recorder = r), hold.signal);
  reporting?.stop();
  progress.stop();
  rampLog.stop();
  counts = done.report({
    runtime: choice.runtime,
    websocket: choice.label,
    scenario,
    target: options.connections,
    seconds: 0,
  });
} else {
  const team = coordinate(options, choice, scenario.sha256, workers);
  onInterrupt = (force) => team.interrupt(force);
  holdRamp = (why) => {
    hold.abort(why);
    team.hold(why);
  };
  if (hold.signal.aborted) team.hold(String(hold.signal.reason));
  histograms = team.histograms;
  const progress = startProgress(team.figures, options.connections);
  const rampLog = logRamp(team.figures, (line) => console.error(`c512k client: ${line}`));
  const reporting = link?.report(() => runFigures(team.figures(), team.histograms()), toldToHold);
  counts = await team.done;
  reporting?.stop();
  progress.stop();
  rampLog.stop();
}

const report: ClientReport = {
  ...counts,
  runtime: choice.runtime,
  websocket: choice.label,
  scenario: { url: scenario.url, sha256: scenario.sha256 },
  target: options.connections,
  seconds: Math.round((performance.now() - startedAt) / 100) / 10,
};
const color = useColor();
// At the end every socket is closed, and what went unanswered is known.
const run = link
  ? await link.finish({ ...runFigures({ ...report, open: 0 }, histograms()), unanswered: report.unanswered })
  : null;
if (options.json) console.log(JSON.stringify(link ? { ...report, run } : report));
else {
  console.log(formatSummary(report, { color }));
  // The last client to finish sees the whole fleet done: it prints it, so one terminal shows all.
  if (run?.state === "done") console.log(formatRun(run, { color }));
  else if (link) console.log(`run ${options.run!.name}: the whole fleet at ${link.url}`);
}
process.exit(reportIsClean(report) ? 0 : 1);

/** A client's figures as a run's progress: what is unanswered is known only at the end. */
function runFigures(
  f: Pick<ProgressFigures, "open" | "opened" | "failed" | "peakOpen" | "sent" | "answered" | "mismatched" | "failures">,
  h: HistogramsBody,
): FiguresBody {
  const { open, opened, failed, peakOpen, sent, answered, mismatched, failures } = f;
  return { open, opened, failed, peakOpen, sent, answered, mismatched, unanswered: 0, failures, histograms: h };
}
