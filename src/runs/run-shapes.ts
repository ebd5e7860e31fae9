/**
 * What a client and the server say to each other about a run (`--run NAME --hosts N`): declared
 * once, checked with valibot on the server, so a malformed body is refused with its reason and
 * never reaches the counts.
 */
import * as v from "valibot";
import type { Percentiles } from "../histograms.ts";

/** Run names and client ids: short, and safe in a URL path and a Prometheus label. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_RULE = "1–64 characters: letters, digits, '.', '_', '-', starting with a letter or digit";
export const isName = (s: string): boolean => NAME.test(s);

/** Clients in one run at most. */
export const MAX_HOSTS = 1_000;
/** Runs kept at once; past this the oldest finished run is forgotten. */
export const MAX_RUNS = 100;
/** Largest body a join or a report may have: three encoded histograms and a few counts fit in 1/8 of it. */
export const MAX_BODY_BYTES = 256 * 1024;
/** An encoded histogram: ours take 0.1–4 KB. */
const MAX_HISTOGRAM_CHARS = 64 * 1024;

const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const label = v.pipe(v.string(), v.maxLength(100));
const name = v.pipe(v.string(), v.regex(NAME, `must be ${NAME_RULE}`));

export const JoinBody = v.strictObject({
  /** Clients the run waits for: every client of a run must say the same. */
  expected: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HOSTS)),
  /** Chosen by the client (a Kubernetes Job's index, a host's name), or given by the server. */
  id: v.optional(name),
  runtime: label,
  websocket: label,
  /** Sockets this client will open. */
  target: count,
});
export type JoinBody = v.InferOutput<typeof JoinBody>;

const encoded = v.pipe(v.string(), v.maxLength(MAX_HISTOGRAM_CHARS));
export const HistogramsBody = v.strictObject({ rtt: encoded, rttSteady: encoded, connect: encoded });
export type HistogramsBody = v.InferOutput<typeof HistogramsBody>;

/** A client's counts so far (progress) or at the end (result); they only grow, except `open`. */
export const FiguresBody = v.strictObject({
  open: count,
  opened: count,
  failed: count,
  peakOpen: count,
  sent: count,
  answered: count,
  mismatched: count,
  unanswered: count,
  /** `failed` by cause. */
  failures: v.pipe(
    v.record(v.pipe(v.string(), v.maxLength(300)), count),
    v.check((r) => Object.keys(r).length <= 50, "at most 50 causes"),
  ),
  histograms: HistogramsBody,
});
export type FiguresBody = v.InferOutput<typeof FiguresBody>;

/** While waiting, a client says it is still there (no figures); while running, it sends them. */
export const ProgressBody = v.strictObject({ figures: v.optional(FiguresBody) });
export type ProgressBody = v.InferOutput<typeof ProgressBody>;

/**
 * Ends the run's ramp from outside (the fleet's watch over the whole, an operator): every client
 * opens no more sockets and holds those it has. `why` is what the clients' reports will say.
 */
export const HoldBody = v.strictObject({ why: v.pipe(v.string(), v.minLength(1), v.maxLength(500)) });
export type HoldBody = v.InferOutput<typeof HoldBody>;

/** Readable reasons: "expected: must be … (got 0)". */
export function problems(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((i) => {
    const path = i.path?.map((p) => String(p.key)).join(".");
    return `${path ? `${path}: ` : ""}${i.message}`;
  }).join("; ");
}

export type RunState = "waiting" | "running" | "done";
export type ClientState = "waiting" | "running" | "done" | "lost";

export interface RunClientView {
  id: string;
  /** The client's address as the server saw it. */
  address: string;
  runtime: string;
  websocket: string;
  target: number;
  open: number;
  opened: number;
  failed: number;
  sent: number;
  answered: number;
  mismatched: number;
  unanswered: number;
  rtt: Percentiles | null;
  /** When it was last heard from (ISO 8601). */
  lastSeen: string;
  state: ClientState;
  /** Times it joined again after its process restarted. */
  rejoins: number;
}

export interface RunTotal {
  target: number;
  open: number;
  opened: number;
  failed: number;
  /** Sum of the clients' peaks: each holds its peak through the hold, so the sum is the fleet's. */
  peakOpen: number;
  sent: number;
  answered: number;
  mismatched: number;
  unanswered: number;
  failures: Record<string, number>;
  /** Exact over every client's samples (merged HDR histograms). */
  rtt: Percentiles | null;
  rttSteady: Percentiles | null;
  connect: Percentiles | null;
}

/** `GET /runs/NAME`. */
export interface RunView {
  name: string;
  expected: number;
  joined: number;
  state: RunState;
  /** ISO 8601, once all have joined; when it ended, once done. */
  startedAt: string | null;
  endedAt: string | null;
  clients: RunClientView[];
  total: RunTotal;
  /** Why its ramp was ended from outside (POST /runs/NAME/hold), or null. */
  hold: string | null;
}

/** One line of `GET /runs`. */
export interface RunListing {
  name: string;
  expected: number;
  joined: number;
  state: RunState;
  startedAt: string | null;
}

/** What the answer to a client's progress tells it: whether, and in how long, to start. */
export interface ProgressAnswer {
  state: RunState;
  client: ClientState;
  joined: number;
  expected: number;
  /** Set once the run is running: ms until the agreed start (0 if past). */
  startsInMs: number | null;
  /** Set once the run's ramp is ended from outside: open no more sockets, hold those open; why. */
  hold: string | null;
}

/** The answer to a join: the client's id in the run. */
export interface JoinAnswer extends ProgressAnswer {
  id: string;
}

/** A run as the dashboard shows it each second: small, whatever its sockets. */
export interface RunFrame {
  name: string;
  state: RunState;
  expected: number;
  joined: number;
  open: number;
  failed: number;
  /** The fleet's round trip so far (ms), merged over every client. */
  rttP50: number | null;
  rttP99: number | null;
  /** Why the run's ramp was held from outside, if it was. */
  hold: string | null;
  clients: { id: string; state: ClientState; open: number }[];
}
