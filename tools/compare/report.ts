/** The shape of `npm run compare`'s report, and its markdown table. */
import type { RuntimeChoice } from "../../system/runtimes.ts";
import type { Setting } from "../best-settings.ts";

export interface MemorySample {
  /** Sockets the server process held. */
  open: number;
  /** After a full garbage collection, bytes. */
  rss: number;
  heapUsed: number;
  /** CPU seconds that garbage collection took (all processes): the compare's own cost, not the server's. */
  gcSeconds: number;
}

export interface ServerFigures {
  /** e.g. "bun hono", "node raw", "deno hono tls" */
  name: string;
  /** The WebSocket the loading client said it used. */
  clientWebsocket: string;
  runtime: RuntimeChoice;
  version: string;
  layer: "hono" | "raw";
  tls: boolean;
  /** Slope of RSS (after GC) against open sockets: the marginal bytes of one more socket. */
  bytesPerSocket: number;
  heapBytesPerSocket: number;
  /**
   * Sockets accepted per second while the client ramped as fast as it could, on a ramp of its
   * own: a fresh server, no GC asked for.
   */
  acceptRate: number;
  /** Server CPU (user + system, all its processes) per 10,000 sockets accepted, on that ramp. */
  cpuSecondsPer10kAccepts: number;
  /** What that ramp measured: sockets, seconds from the first to the last, server CPU seconds. */
  speedRamp: { accepted: number; seconds: number; cpuSeconds: number };
  /** Server CPU, % of one core, while every socket spoke at the seed's pace. */
  cpuPercentSteady: number;
  /** Echo round trip once every socket had opened, ms. */
  rtt: { p50: number; p99: number; p999: number };
  /** From spawning the server to its "listening" line, ms. */
  startupMs: number;
  /** Failed sockets, wrong answers and unanswered messages, as the client counted them. */
  errors: number;
  /** What the errors were: the client's failures by cause, and wrong or unanswered messages. */
  errorKinds: Record<string, number>;
  peak: number;
  samples: MemorySample[];
  /** With --runs N > 1: each run's own figures; the ones above are then their medians. */
  runs?: RunFigures[];
}

/** One run's figures of a server, kept beside the medians so the spread shows. */
export type RunFigures = Pick<
  ServerFigures,
  "bytesPerSocket" | "heapBytesPerSocket" | "acceptRate" | "cpuSecondsPer10kAccepts" | "cpuPercentSteady" | "errors"
>;

/**
 * One server's runs as one entry: each figure the median of the runs (the lower middle one when
 * the count is even, so that every figure is a value some run measured), errors summed over
 * the runs, and the memory samples those of the run whose RSS per socket is the median.
 */
export function combineRuns(runs: ServerFigures[]): ServerFigures {
  if (runs.length === 1) return runs[0];
  const median = (pick: (s: ServerFigures) => number) => runs.map(pick).sort((a, b) => a - b)[(runs.length - 1) >> 1];
  const bytesPerSocket = median((s) => s.bytesPerSocket);
  const acceptRate = median((s) => s.acceptRate);
  const errorKinds: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  return {
    ...runs[0],
    bytesPerSocket,
    heapBytesPerSocket: median((s) => s.heapBytesPerSocket),
    acceptRate,
    speedRamp: runs.find((r) => r.acceptRate === acceptRate)!.speedRamp,
    cpuSecondsPer10kAccepts: median((s) => s.cpuSecondsPer10kAccepts),
    cpuPercentSteady: median((s) => s.cpuPercentSteady),
    rtt: { p50: median((s) => s.rtt.p50), p99: median((s) => s.rtt.p99), p999: median((s) => s.rtt.p999) },
    startupMs: median((s) => s.startupMs),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    errorKinds,
    peak: Math.min(...runs.map((r) => r.peak)),
    samples: runs.find((r) => r.bytesPerSocket === bytesPerSocket)!.samples,
    runs: runs.map((r) => ({
      bytesPerSocket: r.bytesPerSocket,
      heapBytesPerSocket: r.heapBytesPerSocket,
      acceptRate: r.acceptRate,
      cpuSecondsPer10kAccepts: r.cpuSecondsPer10kAccepts,
      cpuPercentSteady: r.cpuPercentSteady,
      errors: r.errors,
    })),
  };
}

/** A server whose measurement failed: no figures, and why (the compare's log has the whole error). */
export interface Unmeasured {
  name: string;
  runtime: RuntimeChoice;
  layer: "hono" | "raw";
  tls: boolean;
  reason: string;
}

export interface ClientFigures {
  /** The runtime, and "lean" when the client used its own WebSocket (--websocket lean). */
  name: string;
  runtime: RuntimeChoice;
  /** Whose WebSocket client: the runtime's ("Bun's WebSocket", "ws") or "lean (node:net)". */
  websocket: string;
  version: string;
  /** Slope of the client process's RSS against its open sockets. */
  bytesPerSocket: number;
  /** Sockets opened per second, the client ramping as fast as it could. */
  connectRate: number;
  errors: number;
}

export interface CompareReport {
  meta: {
    date: string;
    command: string;
    connections: number;
    hold: number;
    /** Times each server was measured (--runs); the figures are then medians. */
    runs: number;
    /** Processes per server and for the client; the load generators measured at clientConnections. */
    serverWorkers: number;
    clientWorkers: number;
    clientConnections: number;
    clientRuntime: string;
    /** The loading client's WebSocket, in the client's own words ("lean (Bun.connect)", "Bun's WebSocket"). */
    clientWebsocket: string;
    machine: { cpu: string; cores: number; memoryBytes: number; kernel: string; openFiles: number };
    versions: Record<string, string>;
    /** What the compare picked by itself or was told (tools/best-settings.ts); absent in older reports. */
    settings?: Setting[];
  };
  servers: ServerFigures[];
  /** Servers that failed to be measured; the report still holds every other server's figures. */
  unmeasured: Unmeasured[];
  clients: ClientFigures[];
}

const kb = (bytes: number) => (bytes / 1024).toFixed(2);

/** The markdown report: the servers (with Hono's cost over raw beside each Hono row), then the clients. */
export function formatMarkdown(r: CompareReport): string {
  const raw = (s: ServerFigures) => r.servers.find((x) => x.runtime === s.runtime && x.layer === "raw" && !x.tls);
  const over = (
    a: number,
    b: number | undefined,
  ) => (b ? `${a >= b ? "+" : ""}${Math.round(((a - b) / b) * 100)}%` : "");
  const lines = [
    `# c512k compare: ${r.meta.connections} sockets, ${r.meta.hold} s hold (${r.meta.date})`,
    "",
    `\`${r.meta.command}\` on ${r.meta.machine.cpu}, ${r.meta.machine.cores} cores, ` +
    `${Math.round(r.meta.machine.memoryBytes / 2 ** 30)} GiB, Linux ${r.meta.machine.kernel}, ` +
    `open files ${r.meta.machine.openFiles}; ${r.meta.serverWorkers} process(es) per server, client on ` +
    `${r.meta.clientRuntime} (${r.meta.clientWebsocket}) in ${r.meta.clientWorkers}; load generators measured at ` +
    `${r.meta.clientConnections} sockets, one process each.` +
    (r.meta.settings?.length
      ? ` Settings: ${
        r.meta.settings.map((s) => `${s.name} ${s.value}${s.without ? ` (${s.without})` : ""}`).join(", ")
      }.`
      : ""),
    "",
    "| server | RSS/socket (KB) | vs raw | heap/socket (KB) | accepts/s | vs raw | CPU s per 10k accepts | CPU % steady | rtt p50 / p99 / p99.9 (ms) | start-up (ms) | errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of r.servers) {
    const base = s.layer === "hono" ? raw(s) : undefined;
    lines.push(
      `| ${s.name} ${s.version} | ${kb(s.bytesPerSocket)} | ${over(s.bytesPerSocket, base?.bytesPerSocket)} | ` +
        `${kb(s.heapBytesPerSocket)} | ${Math.round(s.acceptRate)} | ${over(s.acceptRate, base?.acceptRate)} | ` +
        `${s.cpuSecondsPer10kAccepts.toFixed(2)} | ${s.cpuPercentSteady.toFixed(1)} | ` +
        `${s.rtt.p50} / ${s.rtt.p99} / ${s.rtt.p999} | ${Math.round(s.startupMs)} | ${s.errors} |`,
    );
  }
  for (const u of r.unmeasured) lines.push(`| ${u.name} | not measured: ${u.reason.replaceAll("|", "\\|")} |`);
  const spread = r.servers.filter((s) => s.runs);
  if (spread.length) {
    lines.push(
      "",
      `Each figure above is the median of ${r.meta.runs} runs. Every run, in the order measured:`,
      "",
      "| server | accepts/s | CPU s per 10k accepts | RSS/socket (KB) | errors |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const s of spread) {
      const each = (f: (x: RunFigures) => string) => s.runs!.map(f).join(", ");
      lines.push(
        `| ${s.name} | ${each((x) => String(Math.round(x.acceptRate)))} | ` +
          `${each((x) => x.cpuSecondsPer10kAccepts.toFixed(2))} | ${each((x) => kb(x.bytesPerSocket))} | ` +
          `${each((x) => String(x.errors))} |`,
      );
    }
  }
  if (r.clients.length) {
    lines.push("", "| client | RSS/socket (KB) | connects/s | errors |", "| --- | --- | --- | --- |");
    for (const c of r.clients) {
      lines.push(
        `| ${c.name} ${c.version} (${c.websocket}) | ${kb(c.bytesPerSocket)} | ${
          Math.round(c.connectRate)
        } | ${c.errors} |`,
      );
    }
  }
  lines.push(
    "",
    "RSS and heap per socket: least-squares slope over samples taken after a full GC at 0, ¼, ½, ¾ " +
      'and all of the sockets. KB = 1,024 bytes. "vs raw": the Hono server against the same echo ' +
      "written straight on the runtime (bench/raw/). Accept rate and CPU per 10k accepts come from a " +
      "ramp of their own, on a fresh server with no GC asked for.",
  );
  return lines.join("\n") + "\n";
}
