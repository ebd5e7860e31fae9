/**
 * Whether this Node's server workers each listen on a socket of their own (SO_REUSEPORT), as Bun's
 * and Deno's do, rather than share one through cluster. net's `reusePort` came in 22.12 (and
 * 23.1). With it the kernel spreads connections over the workers' queues by the 4-tuple's hash:
 * no primary in the path, and no worker that takes more than its share because it was first to
 * wake: at 100,000 sockets over 7 workers on Node 26, −3/+4% of the mean against −25/+19% with
 * cluster SCHED_NONE (BENCHMARKS.md, "Node's lines: reusePort against cluster"). Setting
 * NODE_CLUSTER_SCHED_POLICY asks for cluster, and gets it.
 */
export function reusesPort(version: string, env: Record<string, string | undefined>): boolean {
  if (env.NODE_CLUSTER_SCHED_POLICY) return false;
  const [major, minor] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}
