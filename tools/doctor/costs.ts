/**
 * What one socket costs, as measured on the reference machine (BENCHMARKS.md has the commands).
 * End-point figures (memory at N sockets less idle, over N): they include the pools and heap a
 * process grows while ramping, so a plan made with them does not come up short.
 */

import type { WebSocketKind } from "../../client/options.ts";

import type { RuntimeName } from "../../src/stats.ts";

export type { RuntimeName };

/** Kernel memory per TCP socket end (Slab growth at 30,000 loopback connections, 2026-11-27). */
export const KERNEL_BYTES_PER_SOCKET = 4_742;

/** Server RSS per socket through the Hono app, by runtime (15,000 sockets, 2026-11-28: BENCHMARKS.md, "Server memory per socket at 15,000 sockets"). */
export const SERVER_BYTES_PER_SOCKET: Record<RuntimeName, number> = {
  node: 3_871,
  deno: 17_377,
  bun: 1_638,
};

/**
 * Client RSS per socket, by WebSocket and runtime (dist/client.js, 15,000 sockets): the runtime's
 * own class and the lean one, 2026-11-27 (BENCHMARKS.md, "Client memory per socket at 15,000 sockets").
 */
export const CLIENT_BYTES_PER_SOCKET: Record<WebSocketKind, Record<RuntimeName, number>> = {
  runtime: { node: 13_558, deno: 23_419, bun: 7_741 },
  lean: { node: 8_110, deno: 11_428, bun: 3_881 },
};

/** RSS of one idle process (a server worker, a client worker), by runtime. */
export const PROCESS_BASELINE_BYTES: Record<RuntimeName, number> = {
  node: 67 * 2 ** 20,
  deno: 51 * 2 ** 20,
  bun: 40 * 2 ** 20,
};
