/** Client flags: parsed with node:util parseArgs, checked with messages a person can act on. */
import { parseArgs } from "node:util";
import process from "node:process";
import { endpointUrls, parseHosts, parsePorts, TargetError } from "./targets.ts";
import { isName, MAX_HOSTS, NAME_RULE } from "../src/runs/run-shapes.ts";

export interface ClientOptions {
  /** http(s)://host:port of the server: `/scenario` and `/ws` are found under it. */
  base: string;
  /** Every ws(s)://host:port/ws the sockets are spread over (--targets × --ports). */
  urls: string[];
  /** Client processes; "auto" is decided once the open-file limit is known. */
  workers: number | "auto";
  connections: number;
  rate: number;
  maxPending: number;
  interval: number;
  messages: number;
  /** Seconds; 0 = until interrupted (or until every socket has sent its messages). */
  duration: number;
  /** Reopen dropped sockets, with backoff. */
  reconnect: boolean;
  /** Seconds a handshake may take. */
  handshakeTimeout: number;
  /** Run this local scenario module instead of fetching the server's. */
  scenarioFile?: string;
  /** Refuse any scenario whose sha256 is not this (lower-case hex). */
  scenarioSha256?: string;
  /** Accept any TLS certificate (self-signed test certificates). */
  insecure: boolean;
  /** Whose WebSocket client: the runtime's own (ws on Node), or our lean one (--websocket). */
  websocket: WebSocketKind;
  json: boolean;
  /** Join this run at the server and start with the others (`--run NAME --hosts N`). */
  run?: RunOptions;
}

export interface RunOptions {
  name: string;
  /** Clients the run waits for, this one included. */
  hosts: number;
  /** Seconds to wait for them. */
  joinTimeout: number;
  /** Sent as `Authorization: Bearer`, when the server takes runs with --run-token. */
  token?: string;
  /** This client's id in the run; the server gives one when absent. */
  clientId?: string;
}

export const CLIENT_USAGE = `usage: client URL [options]      (e.g. node dist/client.js http://127.0.0.1:8080)
  URL                 the server, http(s)://host:port or ws(s)://host:port
  --connections N     sockets to open (default 64000)
  --rate N            connections opened per second (default 1000)
  --max-pending N     handshakes in flight at most, all workers together (default 1000); the
                      ramp's window halves while handshakes take over 3 s, and grows back
  --interval S        seconds from a socket's message to its next, counted from the send (default 25, ±10%)
  --messages N        messages per socket, then done; 0 = until stopped (default 0)
  --duration S        stop after S seconds; 0 = until Ctrl-C (default 0)
  --targets SPEC      spread sockets over these server addresses, e.g. 127.0.0.1-16 or a,b
                      (default: URL's host; one source IP reaches ~28K sockets per server ip:port)
  --ports A-B         and over these server ports, e.g. 8080-8087 or 8080,9000 (default: URL's port)
  --workers N|auto    client processes sharing the sockets (default auto: enough for the
                      open-file limit of one process)
  --reconnect         reopen sockets the server or network closes, with backoff (250 ms doubling
                      to 10 s); without it a drop is a failure (a 1001, server shutdown, is not)
  --handshake-timeout S  a handshake taking longer fails as "handshake timeout" (default 30)
  --scenario FILE     run this local scenario module (JavaScript) instead of fetching URL/scenario
  --scenario-sha256 HEX  refuse to run any scenario whose sha256 is not HEX
  --insecure          accept any TLS certificate (self-signed test certificates) for https/wss
  --websocket KIND    lean: our own (on Bun's own sockets on Bun, node:net elsewhere), a few KB
                      lighter per socket on every runtime; runtime: the runtime's own WebSocket
                      (ws on Node) (default lean)
  --run NAME          join run NAME at the server and start together with the rest of it: each
                      client reports there, and GET URL/runs/NAME merges them all (docs/fleet.md)
  --hosts N           clients the run waits for, this one included (default 1)
  --join-timeout S    exit 1 if the N have not joined within S seconds (default 120)
  --run-token T       the server's --run-token (env C512K_RUN_TOKEN)
  --client-id ID      this client's id in the run (default: one the server gives); a client that
                      restarts with its id takes its place again
  --json              print the result as one JSON object on stdout
  -h, --help          show this help
The client fetches URL/scenario and RUNS IT, with this process's permissions: only point it at a
server you trust, pin what it may run with --scenario-sha256, or run your own with --scenario.`;

export const WEBSOCKET_KINDS = ["runtime", "lean"] as const;
export type WebSocketKind = typeof WEBSOCKET_KINDS[number];

export class UsageError extends Error {}

function num(name: string, text: string, min: number, max: number, whole = true): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    const kind = whole ? "a whole number" : "a number";
    throw new UsageError(`--${name} must be ${kind} from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function endpoints(text: string): { base: string; secure: boolean; host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`URL must look like http://127.0.0.1:8080, got "${text}"`);
  }
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new UsageError(`URL must start with http://, https://, ws:// or wss://, got "${text}"`);
  }
  const port = Number(url.port || (secure ? 443 : 80));
  return {
    base: `${secure ? "https" : "http"}://${url.host}`,
    secure,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
  };
}

function sha256Pin(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new UsageError(
      `--scenario-sha256 must be 64 hex digits (the server's ETag, or sha256sum of the file), got "${text}"`,
    );
  }
  return text.toLowerCase();
}

/** Returns null when help was asked for. */
export function parseClientOptions(args: string[]): ClientOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        connections: { type: "string", default: "64000" },
        rate: { type: "string", default: "1000" },
        "max-pending": { type: "string", default: "1000" },
        interval: { type: "string", default: "25" },
        messages: { type: "string", default: "0" },
        duration: { type: "string", default: "0" },
        targets: { type: "string" },
        ports: { type: "string" },
        workers: { type: "string", default: "auto" },
        reconnect: { type: "boolean", default: false },
        "handshake-timeout": { type: "string", default: "30" },
        scenario: { type: "string" },
        "scenario-sha256": { type: "string" },
        insecure: { type: "boolean", default: false },
        websocket: { type: "string", default: "lean" },
        json: { type: "boolean", default: false },
        run: { type: "string" },
        hosts: { type: "string" },
        "join-timeout": { type: "string", default: "120" },
        "run-token": { type: "string" },
        "client-id": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return null;
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `expected one URL, got ${parsed.positionals.length}: ${parsed.positionals.join(" ") || "none"}`,
    );
  }
  const server = endpoints(parsed.positionals[0]);
  let urls: string[];
  try {
    const hosts = v.targets === undefined ? [server.host] : parseHosts(v.targets);
    const ports = v.ports === undefined ? [server.port] : parsePorts(v.ports);
    urls = endpointUrls(server.secure ? "wss" : "ws", hosts, ports);
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(err.message);
    throw err;
  }
  return {
    base: server.base,
    urls,
    workers: v.workers === "auto" ? "auto" : num("workers", v.workers, 1, 4096),
    connections: num("connections", v.connections, 1, 10_000_000),
    rate: num("rate", v.rate, 1, 1_000_000),
    maxPending: num("max-pending", v["max-pending"], 1, 1_000_000),
    interval: num("interval", v.interval, 0.001, 86_400, false),
    messages: num("messages", v.messages, 0, 1_000_000_000),
    duration: num("duration", v.duration, 0, 31_536_000, false),
    reconnect: v.reconnect,
    handshakeTimeout: num("handshake-timeout", v["handshake-timeout"], 0.1, 3_600, false),
    scenarioFile: v.scenario,
    scenarioSha256: sha256Pin(v["scenario-sha256"]),
    insecure: v.insecure,
    websocket: websocketKind(v.websocket),
    json: v.json,
    run: runOptions(v),
  };
}

function runOptions(v: Record<string, string | boolean | undefined>): RunOptions | undefined {
  const text = (key: string) => v[key] as string | undefined;
  if (text("run") === undefined) {
    for (const flag of ["hosts", "run-token", "client-id"]) {
      if (text(flag) !== undefined) throw new UsageError(`--${flag} goes with --run NAME`);
    }
    return undefined;
  }
  const name = (flag: string, value: string) => {
    if (!isName(value)) throw new UsageError(`--${flag} must be ${NAME_RULE}, got "${value}"`);
    return value;
  };
  const token = text("run-token") ?? process.env.C512K_RUN_TOKEN;
  return {
    name: name("run", text("run")!),
    hosts: num("hosts", text("hosts") ?? "1", 1, MAX_HOSTS),
    joinTimeout: num("join-timeout", text("join-timeout")!, 1, 86_400, false),
    token: token === "" ? undefined : token,
    clientId: text("client-id") === undefined ? undefined : name("client-id", text("client-id")!),
  };
}

function websocketKind(text: string): WebSocketKind {
  const kind = WEBSOCKET_KINDS.find((k) => k === text);
  if (!kind) throw new UsageError(`--websocket must be one of ${WEBSOCKET_KINDS.join(", ")}, got "${text}"`);
  return kind;
}
