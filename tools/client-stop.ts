/** Stopping a client the tools started (the experiment's, the compare's), and reading its report. */
import { stopGraceMs } from "../client/run-local.ts";
import type { ClientReport } from "../client/report.ts";
import { socketsPerWorker } from "../system/limits.ts";

/**
 * How long a client gets after SIGINT before it is killed, report and all: twice what a worker
 * holding a process's largest share may take to end (docs/experiment.md, "How the client paces
 * itself"), since on a saturated machine the merge and the report come after it. Shorter, and a
 * client ending honestly at 512,000 sockets was killed before it printed (a compare turn lost).
 */
export const CLIENT_STOP_MS = 2 * stopGraceMs(socketsPerWorker());

/**
 * The report a client printed as the last line of its stdout (`--json`), or an error that says
 * it printed none and how it ended, with the tail of its output.
 */
export function clientReportFrom(stdout: string, ended: number | string, output: string): ClientReport {
  const last = stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as ClientReport;
  } catch {
    throw new Error(
      `the client printed no report (it ended with ${ended}; ${
        last ? "its last line is not JSON" : "nothing on stdout"
      }):\n${output.slice(-2000)}`,
    );
  }
}
