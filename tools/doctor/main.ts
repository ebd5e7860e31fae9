/** `c512k doctor`: prints what bounds the socket count on this machine. Runs on Node, Deno and Bun. */
import { useColor } from "../../system/color.ts";
import os from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { WEBSOCKET_KINDS, type WebSocketKind } from "../../client/options.ts";
import type { RuntimeName } from "./costs.ts";
import { RUNTIMES } from "../../system/runtimes.ts";
import { diagnose, formatDiagnosis } from "./plan.ts";
import { readMachine } from "../../system/machine.ts";

const USAGE =
  `usage: c512k doctor [--server node|deno|bun] [--client node|deno|bun] [--websocket runtime|lean] [--client-elsewhere]
                    [--endpoints N] [--json]
  --server R          the server's runtime, for its cost per socket (default bun)
  --client R          the client's runtime (default bun)
  --websocket KIND    the client's WebSocket, as in the experiment's and client's --websocket:
                      runtime (its own) or lean (ours, about half the memory) (default runtime)
  --client-elsewhere  the client runs on other machines: one socket per connection here, not two
  --endpoints N       server addresses × ports the client spreads over (default 64)
  --json              the diagnosis as one JSON object`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      server: { type: "string", default: "bun" },
      client: { type: "string", default: "bun" },
      websocket: { type: "string", default: "runtime" },
      "client-elsewhere": { type: "boolean", default: false },
      endpoints: { type: "string", default: "64" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (err) {
  console.error(`c512k doctor: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const endpoints = Number(values.endpoints);
for (const [flag, v] of [["--server", values.server], ["--client", values.client]]) {
  if (!RUNTIMES.includes(v as RuntimeName)) {
    console.error(`c512k doctor: ${flag} must be node, deno or bun, got "${v}"\n${USAGE}`);
    process.exit(2);
  }
}
if (!(WEBSOCKET_KINDS as readonly string[]).includes(values.websocket!)) {
  console.error(
    `c512k doctor: --websocket must be ${WEBSOCKET_KINDS.join(" or ")}, got "${values.websocket}"\n${USAGE}`,
  );
  process.exit(2);
}
if (!Number.isInteger(endpoints) || endpoints < 1) {
  console.error(`c512k doctor: --endpoints must be a whole number from 1, got "${values.endpoints}"`);
  process.exit(2);
}

const diagnosis = diagnose(readMachine(os.availableParallelism?.() ?? os.cpus().length), {
  server: values.server as RuntimeName,
  client: values.client as RuntimeName,
  websocket: values.websocket as WebSocketKind,
  clientHere: !values["client-elsewhere"],
  endpoints,
});
const color = useColor();
console.log(values.json ? JSON.stringify(diagnosis) : formatDiagnosis(diagnosis, { color }));
