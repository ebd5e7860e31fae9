/** Server flags and environment, the same for every runtime (node:util parseArgs runs on all three). */
import process from "node:process";
import { parseArgs } from "node:util";

export interface ServerOptions {
  hostname: string;
  port: number;
  maxPayload: number;
  /** A scenario module to serve instead of client/scenario.ts. */
  scenarioFile?: string;
}

export const SERVER_USAGE = `usage: c512k server [options]
  --port N           port to listen on (env PORT, default 8080; 0 = any free port)
  --host ADDR        address to bind (env HOST, default 0.0.0.0)
  --max-payload N    largest accepted message in bytes (default 65536); larger closes with 1009
  --scenario FILE    serve this scenario module at /scenario instead of client/scenario.ts
  -h, --help         show this help`;

export class UsageError extends Error {}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/** Returns null when help was asked for. */
export function parseServerOptions(args: string[]): ServerOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "max-payload": { type: "string" },
        scenario: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return null;
  return {
    hostname: v.host ?? process.env.HOST ?? "0.0.0.0",
    port: integer("--port (or PORT)", v.port ?? process.env.PORT ?? "8080", 0, 65535),
    maxPayload: integer("--max-payload", v["max-payload"] ?? "65536", 1, 2 ** 31 - 1),
    scenarioFile: v.scenario,
  };
}
