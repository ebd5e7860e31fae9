/** The portable client: fetch the server's scenario, run it, report. One bundle for every runtime. */
import process from "node:process";
import { reportIsClean } from "../src/client-report.ts";
import { loadScenario, ScenarioError } from "./load-scenario.ts";
import { CLIENT_USAGE, parseClientOptions, UsageError } from "./options.ts";
import { startProgress } from "./progress.ts";
import { ClientRecorder } from "./recorder.ts";
import { pickWebSocket } from "./socket.ts";
import { formatSummary } from "./summary.ts";

function fail(message: string, code: number): never {
  console.error(`c512k client: ${message}`);
  process.exit(code);
}

let options;
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

const { runtime, WebSocket, label } = await pickWebSocket();
const scenario = await loadScenario(options.base).catch((err) => {
  if (err instanceof ScenarioError) fail(err.message, 1);
  throw err;
});
console.error(
  `c512k client: running scenario ${scenario.url} sha256 ${scenario.sha256} ` +
    `(code from that server, with this process's permissions) on ${runtime.name} ${runtime.version} with ${label}`,
);

const recorder = new ClientRecorder();
const stop = new AbortController();
let interrupted = false;
process.on("SIGINT", () => {
  // A second Ctrl-C means "now": skip the graceful close.
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error("c512k client: SIGINT, closing sockets (Ctrl-C again to quit at once)");
  stop.abort();
});
const timer = options.duration > 0 ? setTimeout(() => stop.abort(), options.duration * 1000) : undefined;

const startedAt = performance.now();
const progress = startProgress(recorder, options.connections);
try {
  await scenario.run({
    options: {
      url: options.wsUrl,
      connections: options.connections,
      rate: options.rate,
      interval: options.interval,
      messages: options.messages,
    },
    WebSocket,
    recorder,
    signal: stop.signal,
  });
} catch (err) {
  recorder.failed(`scenario threw: ${(err as Error).message}`);
} finally {
  clearTimeout(timer);
  progress.stop();
}

const report = recorder.report({
  runtime,
  scenario: { url: scenario.url, sha256: scenario.sha256 },
  target: options.connections,
  seconds: Math.round((performance.now() - startedAt) / 100) / 10,
});
const color = process.env.FORCE_COLOR
  ? process.env.FORCE_COLOR !== "0"
  : !process.env.NO_COLOR && !!process.stdout.isTTY;
console.log(options.json ? JSON.stringify(report) : formatSummary(report, { color }));
process.exit(reportIsClean(report) ? 0 : 1);
