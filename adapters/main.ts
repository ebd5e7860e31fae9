/** Server entry for every runtime: the one place that picks an adapter by runtime. */
import process from "node:process";
import type { Adapter } from "../server/adapter.ts";
import { runServer } from "../server/run-server.ts";

const { adapter }: { adapter: Adapter } = "Bun" in globalThis
  ? await import("./bun.ts")
  : "Deno" in globalThis
  ? await import("./deno.ts")
  : await import("./node.ts");

await runServer(adapter, process.argv.slice(2));
