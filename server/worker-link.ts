/** What a supervisor and its workers say to each other: environment in, stats lines out. */

/** Set in a worker's environment: its slot number. Its absence makes a process the supervisor. */
export const WORKER_ENV = "C512K_WORKER";
/** Set in a worker's environment: where the supervisor serves the totals (`GET /stats`). */
export const CONTROL_ENV = "C512K_CONTROL";
/** Set in a worker's environment: the ports, resolved (port 0 becomes a real one). */
export const PORTS_ENV = "C512K_PORTS";
/**
 * Set in a worker's environment: the scenario the supervisor bundled, so that a worker does not
 * run esbuild again (it was most of a Bun worker's start-up: ~550 ms against raw's ~70 ms,
 * docs/server.md, "Workers"). Left unset for a bundle too big for
 * one environment string (Linux: 128 KiB); the worker then bundles it itself.
 */
export const SCENARIO_ENV = "C512K_SCENARIO";
/** Bytes (UTF-8): the kernel's bound on one environment string is in bytes, not characters. */
export const SCENARIO_ENV_MAX = 100_000;

/**
 * A worker's stdout line, in answer to SIGUSR2: its memory after a full garbage collection, and
 * its open sockets, for benchmarks that fit memory against sockets (`npm run compare`).
 */
export const MEMORY_PREFIX = "@c512k-memory ";
