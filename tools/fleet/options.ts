/** `npm run fleet` flags: parsed with node:util parseArgs, checked with messages a person can act on. */
import { parseArgs } from "node:util";
import { isRuntime, RUNTIME_CHOICES, type RuntimeChoice } from "../../system/runtimes.ts";

export const FLEET_USAGE = `usage: npm run fleet -- [options]
The seed's set-up on one machine: a server host and N client hosts, each a network namespace with
its own address (198.18.0.0/15) on a bridge made for the run; the clients join one run at the
server (client --run), which merges them. Root only. Everything is removed at the end.
  --runtime R          the server's runtime: ${RUNTIME_CHOICES.join(", ")} (default bun)
  --client-runtime R   the clients' runtime (default bun)
  --hosts N            client hosts (default 8)
  --connections N      sockets per client host (default 64000)
  --hold S             seconds to hold them all once the ramp is over (default 60)
  --interval S         seconds between a socket's messages (default 25, the seed's)
  --ports A-B          the server listens on ports A to B and each client spreads over them
                       (default: one port, 8080, as the seed's)
  --port-range LO-HI   each client host's net.ipv4.ip_local_port_range (default: the host's)
  --rate N             sockets opened per second, all hosts together (default 20000)
  --max-pending N      handshakes in flight, all hosts together (default 2000)
  --stall S            end the ramp when the open count has not grown for S seconds (default 120);
                       a ramp that creeps (30 s under 1/64 of its best rate) ends too
  --bun-env tuned|plain  Bun GC variables for the processes it starts (default tuned)
  --ehash auto|host    auto: each host a TCP connection hash of its own, sized for its sockets
                       (Linux 6.1+); host: all share the host's (default auto)
  --json               print the run (GET /runs/NAME) with hosts and serverAddress as JSON
  -h, --help           show this help`;

export class UsageError extends Error {}

export interface FleetOptions {
  runtime: RuntimeChoice;
  clientRuntime: RuntimeChoice;
  hosts: number;
  connections: number;
  hold: number;
  interval: number;
  ports: [number, number];
  portRange?: [number, number];
  rate: number;
  maxPending: number;
  stall: number;
  bunEnv: string;
  ehash: "auto" | "host";
  json: boolean;
}

function int(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function range(name: string, text: string, min: number, max: number): [number, number] {
  const m = text.match(/^(\d+)(?:-(\d+))?$/);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < min || hi > max || lo > hi) {
    throw new UsageError(`--${name} must be LO-HI with ${min} ≤ LO ≤ HI ≤ ${max}, got "${text}"`);
  }
  return [lo, hi];
}

function runtime(name: string, text: string): RuntimeChoice {
  if (!isRuntime(text)) throw new UsageError(`--${name} must be one of ${RUNTIME_CHOICES.join(", ")}, got "${text}"`);
  return text;
}

/** Returns null when help was asked for. */
export function parseFleetOptions(args: string[]): FleetOptions | null {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        runtime: { type: "string", default: "bun" },
        "client-runtime": { type: "string", default: "bun" },
        hosts: { type: "string", default: "8" },
        connections: { type: "string", default: "64000" },
        hold: { type: "string", default: "60" },
        interval: { type: "string", default: "25" },
        ports: { type: "string", default: "8080" },
        "port-range": { type: "string" },
        rate: { type: "string", default: "20000" },
        "max-pending": { type: "string", default: "2000" },
        stall: { type: "string", default: "120" },
        "bun-env": { type: "string", default: "tuned" },
        ehash: { type: "string", default: "auto" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (v.help) return null;
  const interval = Number(v.interval);
  if (!(interval > 0 && interval <= 3600)) {
    throw new UsageError(`--interval must be seconds above 0, got "${v.interval}"`);
  }
  if (!["tuned", "plain"].includes(v["bun-env"])) throw new UsageError(`--bun-env must be tuned or plain`);
  if (v.ehash !== "auto" && v.ehash !== "host") throw new UsageError(`--ehash must be auto or host, got "${v.ehash}"`);
  return {
    runtime: runtime("runtime", v.runtime),
    clientRuntime: runtime("client-runtime", v["client-runtime"]),
    hosts: int("hosts", v.hosts, 1, 250),
    connections: int("connections", v.connections, 1, 10_000_000),
    hold: int("hold", v.hold, 0, 86_400),
    interval,
    ports: range("ports", v.ports, 1, 65535),
    portRange: v["port-range"] === undefined ? undefined : range("port-range", v["port-range"], 1, 65535),
    rate: int("rate", v.rate, 1, 1_000_000),
    maxPending: int("max-pending", v["max-pending"], 1, 1_000_000),
    stall: int("stall", v.stall, 5, 86_400),
    bunEnv: v["bun-env"],
    ehash: v.ehash,
    json: v.json,
  };
}
