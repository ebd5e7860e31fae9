/**
 * The runs clients join (`client URL --run NAME --hosts N`): who joined, who is still there, and
 * the fleet's merged figures. Kept by the supervisor, so a worker restart loses nothing; every
 * worker forwards `/runs` to it. Time comes from `now`, so its rules are tested without waiting.
 */
import { decodeHistogram, type Histogram, histogram, summarize } from "../histograms.ts";
import type {
  ClientState,
  FiguresBody,
  JoinAnswer,
  JoinBody,
  ProgressAnswer,
  RunClientView,
  RunFrame,
  RunListing,
  RunState,
  RunView,
} from "./run-shapes.ts";
import { MAX_RUNS } from "./run-shapes.ts";

/** A refusal, with the HTTP status that says why. */
export class RunError extends Error {
  readonly status: 400 | 404 | 409 | 503;
  constructor(status: 400 | 404 | 409 | 503, message: string) {
    super(message);
    this.status = status;
  }
}

export interface RunTimings {
  /**
   * A running client not heard from for this long is lost. It reports every 2 s, but on a machine
   * at its limit a report can wait a minute (client/run-link.ts): a Node 26 server at 489,000
   * sockets over simulated hosts had every client's reports time out, and took live hosts for lost.
   */
  lostAfterMs: number;
  /** A waiting client not heard from for this long has left (it polls every 250 ms). */
  leftAfterMs: number;
  /** Once the last client joins, all start this much later: time for every poll to hear it. */
  startDelayMs: number;
}

export const RUN_TIMINGS: RunTimings = { lostAfterMs: 90_000, leftAfterMs: 10_000, startDelayMs: 1_000 };

/** The dashboard shows runs under way, and those that ended this recently. */
const SHOWN_AFTER_END_MS = 10 * 60_000;
/** Every worker asks for the frame each second: the runs' part is made at most this often. */
const FRAMES_EVERY_MS = 500;

interface Decoded {
  rtt: Histogram;
  rttSteady: Histogram;
  connect: Histogram;
}

interface Client {
  id: string;
  address: string;
  runtime: string;
  websocket: string;
  target: number;
  state: ClientState;
  lastSeen: number;
  rejoins: number;
  figures: Omit<FiguresBody, "histograms"> | null;
  histograms: Decoded | null;
}

interface Run {
  name: string;
  expected: number;
  state: RunState;
  createdAt: number;
  startsAt: number | null;
  endedAt: number | null;
  clients: Map<string, Client>;
  /** Why its ramp was ended from outside, or null. */
  hold: string | null;
  /** For ids the server gives. */
  nextId: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function decodeAll(h: FiguresBody["histograms"]): Decoded {
  const one = (key: keyof Decoded) => {
    try {
      return decodeHistogram(h[key]);
    } catch (err) {
      throw new RunError(400, `histograms.${key}: ${(err as Error).message}`);
    }
  };
  return { rtt: one("rtt"), rttSteady: one("rttSteady"), connect: one("connect") };
}

export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #now: () => number;
  readonly #t: RunTimings;
  #frames: { at: number; runs: RunFrame[] } | null = null;

  constructor(now: () => number = Date.now, timings: RunTimings = RUN_TIMINGS) {
    this.#now = now;
    this.#t = timings;
  }

  join(name: string, body: JoinBody, address: string): JoinAnswer {
    const now = this.#now();
    let run = this.#runs.get(name);
    if (run) this.#refresh(run, now);
    if (run?.state === "done") {
      // A finished run's name is free again; its figures are forgotten.
      this.#runs.delete(name);
      run = undefined;
    }
    if (!run) {
      this.#makeRoom();
      run = {
        name,
        expected: body.expected,
        state: "waiting",
        createdAt: now,
        startsAt: null,
        endedAt: null,
        clients: new Map(),
        hold: null,
        nextId: 1,
      };
      this.#runs.set(name, run);
    }
    if (body.expected !== run.expected) {
      throw new RunError(
        409,
        `run ${name} waits for ${run.expected} clients; this client says --hosts ${body.expected}`,
      );
    }
    const had = body.id === undefined ? undefined : run.clients.get(body.id);
    if (run.state === "running" && !had) {
      throw new RunError(409, `run ${name} started with its ${run.expected} clients; join a new run`);
    }
    if (had?.state === "waiting") {
      throw new RunError(409, `run ${name} already has a client ${had.id} waiting; give each client its own id`);
    }
    let id = body.id;
    while (id === undefined || run.clients.has(id) && !had) id = `client-${run.nextId++}`;
    const client: Client = {
      id,
      address,
      runtime: body.runtime,
      websocket: body.websocket,
      target: body.target,
      // One that comes back (its process restarted, as a Kubernetes Job restarts a pod) starts at once.
      state: had ? "running" : "waiting",
      lastSeen: now,
      rejoins: had ? had.rejoins + 1 : 0,
      figures: null,
      histograms: null,
    };
    run.clients.set(id, client);
    this.#refresh(run, now);
    return { id, ...this.#answer(run, client, now) };
  }

  progress(name: string, id: string, figures: FiguresBody | undefined): ProgressAnswer {
    const { run, client, now } = this.#find(name, id);
    if (client.state === "done") throw new RunError(409, `client ${id} of run ${name} has sent its result`);
    if (figures) {
      if (client.state === "waiting") {
        throw new RunError(409, `run ${name} has not started: figures come after the start`);
      }
      this.#record(client, figures);
    }
    client.lastSeen = now;
    // A client taken for lost that speaks again was only slow.
    if (client.state === "lost" && run.state === "running") client.state = "running";
    this.#refresh(run, now);
    return this.#answer(run, client, now);
  }

  result(name: string, id: string, figures: FiguresBody): RunView {
    const { run, client, now } = this.#find(name, id);
    if (client.state === "waiting") throw new RunError(409, `run ${name} has not started: no result yet`);
    if (client.state === "done") throw new RunError(409, `client ${id} of run ${name} has sent its result`);
    this.#record(client, figures);
    client.lastSeen = now;
    client.state = "done";
    this.#refresh(run, now);
    return this.#view(run);
  }

  /**
   * Ends a running run's ramp: each client hears it in its next progress answer. The first why
   * stays (a second call changes nothing): the clients have already been told.
   */
  hold(name: string, why: string): RunView {
    const run = this.#runs.get(name);
    if (!run) throw new RunError(404, `no run ${name}; GET /runs lists them`);
    this.#refresh(run, this.#now());
    if (run.state !== "running") {
      throw new RunError(409, `run ${name} is ${run.state}: only a running run's ramp can be held`);
    }
    run.hold ??= why;
    return this.#view(run);
  }

  list(): RunListing[] {
    const now = this.#now();
    return [...this.#runs.values()].map((run) => {
      this.#refresh(run, now);
      return {
        name: run.name,
        expected: run.expected,
        joined: run.clients.size,
        state: run.state,
        startedAt: iso(run.startsAt),
      };
    });
  }

  /** The runs the dashboard shows, newest first. */
  frames(): RunFrame[] {
    const now = this.#now();
    if (this.#frames && now - this.#frames.at < FRAMES_EVERY_MS) return this.#frames.runs;
    for (const run of this.#runs.values()) this.#refresh(run, now);
    const runs = [...this.#runs.values()]
      .filter((run) => run.endedAt === null || now - run.endedAt < SHOWN_AFTER_END_MS)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((run) => {
        const v = this.#view(run);
        return {
          name: v.name,
          state: v.state,
          expected: v.expected,
          joined: v.joined,
          open: v.total.open,
          failed: v.total.failed,
          rttP50: v.total.rtt?.p50 ?? null,
          rttP99: v.total.rtt?.p99 ?? null,
          hold: v.hold,
          clients: v.clients.map((c) => ({ id: c.id, state: c.state, open: c.open })),
        };
      });
    this.#frames = { at: now, runs };
    return runs;
  }

  view(name: string): RunView {
    const run = this.#runs.get(name);
    if (!run) throw new RunError(404, `no run ${name}; GET /runs lists them`);
    this.#refresh(run, this.#now());
    return this.#view(run);
  }

  #find(name: string, id: string): { run: Run; client: Client; now: number } {
    const run = this.#runs.get(name);
    if (!run) throw new RunError(404, `no run ${name}; join it first`);
    const now = this.#now();
    this.#refresh(run, now);
    const client = run.clients.get(id);
    if (!client) throw new RunError(404, `run ${name} has no client ${id}; join it first`);
    return { run, client, now };
  }

  #record(client: Client, body: FiguresBody): void {
    // Decode first: a bad histogram refuses the whole report, and nothing of it is counted.
    const histograms = decodeAll(body.histograms);
    const { histograms: _, ...figures } = body;
    client.figures = figures;
    client.histograms = histograms;
  }

  /** Applies the rules of time: who left, who is lost, whether the run starts or has ended. */
  #refresh(run: Run, now: number): void {
    for (const c of run.clients.values()) {
      const silent = now - c.lastSeen;
      if (c.state === "waiting" && run.state === "waiting" && silent > this.#t.leftAfterMs) run.clients.delete(c.id);
      else if (c.state === "running" && silent > this.#t.lostAfterMs) c.state = "lost";
    }
    if (run.state === "waiting" && run.clients.size === run.expected) {
      run.state = "running";
      run.startsAt = now + this.#t.startDelayMs;
      for (const c of run.clients.values()) c.state = "running";
    }
    if (run.state === "running") {
      const states = [...run.clients.values()].map((c) => c.state);
      if (states.every((s) => s === "done" || s === "lost")) {
        run.state = "done";
        run.endedAt = now;
      }
    } else if (run.state === "waiting" && run.clients.size === 0 && now - run.createdAt > this.#t.leftAfterMs) {
      this.#runs.delete(run.name);
    }
  }

  #makeRoom(): void {
    if (this.#runs.size < MAX_RUNS) return;
    const now = this.#now();
    for (const run of this.#runs.values()) this.#refresh(run, now);
    const done = [...this.#runs.values()].filter((r) => r.state === "done").sort((a, b) => a.endedAt! - b.endedAt!);
    if (done.length === 0) throw new RunError(503, `${MAX_RUNS} runs under way; wait for one to end`);
    this.#runs.delete(done[0].name);
  }

  #answer(run: Run, client: Client, now: number): ProgressAnswer {
    return {
      state: run.state,
      client: client.state,
      joined: run.clients.size,
      expected: run.expected,
      startsInMs: run.startsAt === null ? null : Math.max(0, run.startsAt - now),
      hold: run.hold,
    };
  }

  #view(run: Run): RunView {
    const clients = [...run.clients.values()];
    const merged = { rtt: histogram(), rttSteady: histogram(), connect: histogram() };
    const total = {
      target: 0,
      open: 0,
      opened: 0,
      failed: 0,
      peakOpen: 0,
      sent: 0,
      answered: 0,
      mismatched: 0,
      unanswered: 0,
      failures: {} as Record<string, number>,
    };
    const views: RunClientView[] = clients.map((c) => {
      const f = c.figures;
      total.target += c.target;
      if (f) {
        // A lost client's sockets went with it: it holds none now, whatever it last said.
        if (c.state !== "lost") total.open += f.open;
        for (const key of ["opened", "failed", "peakOpen", "sent", "answered", "mismatched", "unanswered"] as const) {
          total[key] += f[key];
        }
        for (const [cause, n] of Object.entries(f.failures)) total.failures[cause] = (total.failures[cause] ?? 0) + n;
      }
      if (c.histograms) {
        for (const key of ["rtt", "rttSteady", "connect"] as const) merged[key].add(c.histograms[key]);
      }
      return {
        id: c.id,
        address: c.address,
        runtime: c.runtime,
        websocket: c.websocket,
        target: c.target,
        open: f && c.state !== "lost" ? f.open : 0,
        opened: f?.opened ?? 0,
        failed: f?.failed ?? 0,
        sent: f?.sent ?? 0,
        answered: f?.answered ?? 0,
        mismatched: f?.mismatched ?? 0,
        unanswered: f?.unanswered ?? 0,
        rtt: c.histograms && c.histograms.rtt.totalCount > 0 ? summarize(c.histograms.rtt) : null,
        lastSeen: new Date(c.lastSeen).toISOString(),
        state: c.state,
        rejoins: c.rejoins,
      };
    });
    const percentiles = (h: Histogram) => (h.totalCount > 0 ? summarize(h) : null);
    return {
      name: run.name,
      expected: run.expected,
      joined: clients.length,
      state: run.state,
      startedAt: iso(run.startsAt),
      endedAt: iso(run.endedAt),
      clients: views,
      total: {
        ...total,
        rtt: percentiles(merged.rtt),
        rttSteady: percentiles(merged.rttSteady),
        connect: percentiles(merged.connect),
      },
      hold: run.hold,
    };
  }
}
