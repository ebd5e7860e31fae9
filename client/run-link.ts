/**
 * The client's side of a run (`--run NAME --hosts N`): join it at the server, wait until the N
 * have joined, start at the moment the server names, report progress every 2 s and the result
 * at the end. The server keeps the run (GET /runs/NAME); this only speaks to it.
 */
import type { RunOptions } from "./options.ts";
import type { FiguresBody, JoinAnswer, ProgressAnswer, RunView } from "../src/runs/run-shapes.ts";

/** Well inside the server's 30 s before it takes a silent client for lost. */
export const REPORT_EVERY_MS = 2_000;
/** While waiting: well inside the server's 10 s before it takes a silent waiter for gone. */
const POLL_EVERY_MS = 250;
/** Joining and waiting: a server that does not answer in this long is not there. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Reports while the load runs wait longer: a report that gives up drops its kept-alive
 * connection, and the next must queue for accept behind the load (BENCHMARKS.md, "Many hosts").
 * One report at a time, and the server takes a client for lost only after 90 s without one.
 */
const REPORT_TIMEOUT_MS = 60_000;
const RESULT_TRIES = 5;

export class RunLinkError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunLink {
  id: string;
  /** Where the whole fleet shows: URL/runs/NAME. */
  url: string;
  /**
   * Sends `figures()` every REPORT_EVERY_MS until stopped; calls `onHold` with the why once an
   * answer says the run's ramp is over (POST /runs/NAME/hold).
   */
  report(figures: () => FiguresBody, onHold?: (why: string) => void): { stop(): void };
  /** Sends the result; answers the run as it stands then (null if the server could not be told). */
  finish(figures: FiguresBody): Promise<RunView | null>;
}

export interface Identity {
  runtime: string;
  websocket: string;
  target: number;
}

export async function joinRun(
  base: string,
  run: RunOptions,
  me: Identity,
  say: (line: string) => void,
): Promise<RunLink> {
  const url = `${base}/runs/${run.name}`;
  const call = async <T>(path: string, body: unknown, ms = REQUEST_TIMEOUT_MS): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(run.token ? { authorization: `Bearer ${run.token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RunLinkError(`cannot reach ${url}${path}: ${cause}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let why = text.trim();
      try {
        why = JSON.parse(text).error ?? why;
      } catch { /* not ours: its text says what it is */ }
      throw Object.assign(new RunLinkError(`${url}${path} answered ${res.status}: ${why}`), { status: res.status });
    }
    return JSON.parse(text) as T;
  };

  const deadline = performance.now() + run.joinTimeout * 1000;
  const joined = await call<JoinAnswer>("/join", {
    expected: run.hosts,
    ...(run.clientId ? { id: run.clientId } : {}),
    ...me,
  });
  const id = joined.id;
  say(`joined run ${run.name} as ${id}: ${joined.joined} of ${joined.expected} clients`);
  let answer: ProgressAnswer = joined;
  let shown = joined.joined;
  while (answer.startsInMs === null) {
    if (performance.now() > deadline) {
      throw new RunLinkError(
        `only ${answer.joined} of ${answer.expected} clients joined run ${run.name} within ${run.joinTimeout} s ` +
          `(--join-timeout); start the others with --run ${run.name} --hosts ${run.hosts}`,
      );
    }
    await sleep(POLL_EVERY_MS);
    try {
      answer = await call<ProgressAnswer>(`/clients/${id}/progress`, {});
    } catch (err) {
      // The server restarting its workers is no reason to give up; anything it refuses is.
      if ((err as { status?: number }).status !== undefined) throw err;
    }
    if (answer.joined !== shown) say(`run ${run.name}: ${(shown = answer.joined)} of ${answer.expected} clients`);
  }
  say(`run ${run.name}: all ${answer.expected} joined; starting in ${(answer.startsInMs / 1000).toFixed(1)} s`);
  await sleep(answer.startsInMs);

  return {
    id,
    url,
    report(figures, onHold = () => {}) {
      let busy = false;
      let complained = false;
      // One that joins again after the hold hears it in its join's answer.
      let held = answer.hold !== null && answer.hold !== undefined;
      if (held) onHold(answer.hold!);
      const timer = setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          const told = await call<ProgressAnswer>(`/clients/${id}/progress`, { figures: figures() }, REPORT_TIMEOUT_MS);
          complained = false;
          if (!held && typeof told.hold === "string") {
            held = true;
            onHold(told.hold);
          }
        } catch (err) {
          if (!complained) say(`cannot report to run ${run.name} (will keep trying): ${(err as Error).message}`);
          complained = true;
        } finally {
          busy = false;
        }
      }, REPORT_EVERY_MS);
      return { stop: () => clearInterval(timer) };
    },
    async finish(figures) {
      for (let attempt = 1;; attempt++) {
        try {
          return await call<RunView>(`/clients/${id}/result`, figures, REPORT_TIMEOUT_MS);
        } catch (err) {
          if ((err as { status?: number }).status !== undefined || attempt === RESULT_TRIES) {
            say(`could not send the result to run ${run.name}: ${(err as Error).message}`);
            return null;
          }
          await sleep(1_000);
        }
      }
    },
  };
}
