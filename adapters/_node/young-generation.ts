/**
 * The V8 flag Node's socket-holding processes start with: young-generation semi-spaces of 1 MB,
 * V8's starting size, which it otherwise grows to 16 MB when a process allocates fast, as a ramp
 * of accepts does, and then keeps. That room is per process, not per socket, yet it fills during
 * the ramp: at 100,000 sockets over 7 workers it was ~200 MB, 1.9 of the 5.9 KB of RSS per socket,
 * on the raw `ws` baseline as on ours. With 1 MB: 4.0 KB per socket, and no CPU per accept or per
 * message the benchmarks could tell from noise (docs/topics/node-accept.md, "The young generation").
 * Deno's V8 is not given it: there the round trip's p99 went from ~60 ms to 2.5–3.4 s.
 */
export const YOUNG_GENERATION_FLAG = "--max-semi-space-size=1";

/**
 * `execArgv` with the flag added, unless the user set a semi-space size of their own, on the
 * command line or in NODE_OPTIONS (V8 takes `_` or `-` in a flag's name).
 */
export function withYoungGeneration(execArgv: readonly string[], nodeOptions = ""): string[] {
  const own = [...execArgv, nodeOptions].some((arg) => /--max[-_]semi[-_]space[-_]size/.test(arg));
  return own ? [...execArgv] : [...execArgv, YOUNG_GENERATION_FLAG];
}
