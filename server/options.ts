/** Server flags and environment, the same for every runtime (node:util parseArgs runs on all three). */
import os from "node:os";
import process from "node:process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openFileLimit, socketsPerWorker } from "../system/limits.ts";

export interface ServerOptions {
  hostname: string;
  /** Every port each worker listens on (`--port`, or `--ports A-B`). */
  ports: number[];
  maxPayload: number;
  /** Worker processes sharing the ports. */
  workers: number;
  /** How `workers` was chosen, said at start-up. */
  workersWhy: string;
  /** A scenario module to serve instead of client/scenario.ts. */
  scenarioFile?: string;
  /** Seconds a connection may take to send its request headers (0 = no bound). */
  handshakeTimeout: number;
  /** Seconds of silence (no frame, no pong) after which a socket is taken for dead; 0 = never. */
  idleTimeout: number;
  /** On SIGTERM, sockets closed per second with 1001, all workers together. */
  closeRate: number;
  /** On SIGTERM, seconds the workers get to close their sockets before they exit anyway. */
  shutdownTimeout: number;
  /** PEM certificate chain and key: serve https:// and wss://. */
  tls?: { cert: string; key: string };
  /** Joins and reports of runs (`/runs`) need `Authorization: Bearer` this. */
  runToken?: string;
  /** Seconds without a report after which a run's client is taken for lost. */
  runLostAfter: number;
}

export const SERVER_USAGE = `usage: c512k server [options]
  --port N           port to listen on (env PORT, default 8080; 0 = any free port)
  --ports A-B        listen on every port from A to B (for clients with one IP: ~28K sockets per port)
  --host ADDR        address to bind (env HOST, default 0.0.0.0)
  --workers N|auto   worker processes sharing the port(s) (default auto: one per core, and enough
                     for --capacity within each process's open-file limit)
  --capacity N       sockets the server should hold, to size --workers auto (default 0)
  --max-payload N    largest accepted message in bytes (default 65536); larger closes with 1009
  --scenario FILE    serve this scenario module at /scenario instead of client/scenario.ts
  --handshake-timeout S  close a connection whose request headers take longer (default 10; 0 = none;
                     Deno.serve has no such bound, see docs/server.md "Bad input")
  --idle-timeout S   dead-peer check: ping a socket silent for S seconds and close it if it stays
                     silent (default 0 = off: the seed's sockets speak only every 25 s)
  --close-rate N     on SIGTERM, close at most N sockets per second with 1001 (default 20000)
  --shutdown-timeout S  on SIGTERM, exit after S seconds even if sockets are still closing (default 60)
  --tls-cert FILE    PEM certificate (chain): serve https:// and wss:// (needs --tls-key)
  --tls-key FILE     PEM private key for --tls-cert
  --run-token T      joins and reports of runs (/runs) must carry "Authorization: Bearer T"
                     (env C512K_RUN_TOKEN; default: anyone may join)
  --run-lost-after S a run's client silent this long is taken for lost (default 90)
  -h, --help         show this help`;

export class UsageError extends Error {}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function portRange(text: string): number[] {
  const m = text.match(/^(\d+)-(\d+)$/);
  if (!m) throw new UsageError(`--ports must look like 8080-8087, got "${text}"`);
  const [from, to] = [integer("--ports start", m[1], 1, 65535), integer("--ports end", m[2], 1, 65535)];
  if (to < from || to - from >= 1024) throw new UsageError(`--ports must be a range of 1 to 1024 ports, got "${text}"`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function workerCount(text: string, capacity: number): { workers: number; workersWhy: string } {
  if (text !== "auto") return { workers: integer("--workers", text, 1, 4096), workersWhy: "--workers" };
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const perWorker = socketsPerWorker();
  const forCapacity = Math.ceil(capacity / perWorker);
  return forCapacity > cores
    ? {
      workers: forCapacity,
      workersWhy: `auto: ${capacity} sockets at ${perWorker} per worker (open files ${openFileLimit()})`,
    }
    : { workers: cores, workersWhy: "auto: one per core" };
}

/** Returns null when help was asked for. */
export function parseServerOptions(args: string[]): ServerOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        port: { type: "string" },
        ports: { type: "string" },
        host: { type: "string" },
        workers: { type: "string", default: "auto" },
        capacity: { type: "string", default: "0" },
        "max-payload": { type: "string" },
        scenario: { type: "string" },
        "handshake-timeout": { type: "string", default: "10" },
        "idle-timeout": { type: "string", default: "0" },
        "close-rate": { type: "string", default: "20000" },
        "shutdown-timeout": { type: "string", default: "60" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "run-token": { type: "string" },
        "run-lost-after": { type: "string", default: "90" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return null;
  if (v.port !== undefined && v.ports !== undefined) throw new UsageError("give --port or --ports, not both");
  const ports = v.ports !== undefined
    ? portRange(v.ports)
    : [integer("--port (or PORT)", v.port ?? process.env.PORT ?? "8080", 0, 65535)];
  return {
    hostname: v.host ?? process.env.HOST ?? "0.0.0.0",
    ports,
    maxPayload: integer("--max-payload", v["max-payload"] ?? "65536", 1, 2 ** 31 - 1),
    ...workerCount(v.workers, integer("--capacity", v.capacity, 0, 100_000_000)),
    scenarioFile: v.scenario,
    handshakeTimeout: integer("--handshake-timeout", v["handshake-timeout"], 0, 255),
    idleTimeout: integer("--idle-timeout", v["idle-timeout"], 0, 960),
    closeRate: integer("--close-rate", v["close-rate"], 1, 10_000_000),
    shutdownTimeout: integer("--shutdown-timeout", v["shutdown-timeout"], 1, 3_600),
    tls: tlsFiles(v["tls-cert"], v["tls-key"]),
    runToken: runToken(v["run-token"] ?? process.env.C512K_RUN_TOKEN),
    runLostAfter: integer("--run-lost-after", v["run-lost-after"], 5, 86_400),
  };
}

/** What a bearer token may hold (RFC 6750's b64token). */
function runToken(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(text)) {
    throw new UsageError("--run-token (or C512K_RUN_TOKEN) must be letters, digits and ._~+/- (a bearer token)");
  }
  return text;
}

function tlsFiles(certFile: string | undefined, keyFile: string | undefined): ServerOptions["tls"] {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new UsageError("give --tls-cert and --tls-key together");
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const cert = read("--tls-cert", certFile);
  const key = read("--tls-key", keyFile);
  if (!cert.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`--tls-cert: ${certFile} is not a PEM certificate`);
  }
  if (!key.includes("PRIVATE KEY-----")) throw new UsageError(`--tls-key: ${keyFile} is not a PEM private key`);
  return { cert, key };
}
