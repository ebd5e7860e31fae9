/**
 * `--ehash N`: the experiment in a network namespace of its own, whose TCP connection hash (the
 * table each arriving packet looks its socket up in) has N buckets instead of the host's.
 *
 * On loopback both ends of every connection sit in that one table: a million connections were
 * ~7.6 sockets a bucket in this machine's 262,144, and the lookup was the first item of the CPU
 * profile (docs/topics/tcp-hash.md). The host's table is sized at boot
 * (`thash_entries=`); Linux 6.1 added `net.ipv4.tcp_child_ehash_entries`, the size new network
 * namespaces get. So: set it, start ourselves again under `unshare --net` with loopback up, and
 * put the host's value back as soon as the namespace exists. Root only (both steps need it).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";

export const CHILD_EHASH = "/proc/sys/net/ipv4/tcp_child_ehash_entries";
const EHASH = "/proc/sys/net/ipv4/tcp_ehash_entries";
/**
 * A new namespace starts with the kernel's defaults, and sizes tcp_max_syn_backlog from its hash:
 * these the run copies from the host, so that the hash is the one thing that differs.
 */
export const COPIED_SYSCTLS = ["net/ipv4/ip_local_port_range", "net/core/somaxconn", "net/ipv4/tcp_max_syn_backlog"];
/** Set in the experiment started inside the namespace: the host's values of COPIED_SYSCTLS, as JSON. */
const INSIDE = "C512K_NETNS_SYSCTLS";
/** Set in the experiment started inside the namespace: why its table was chosen, to say so there. */
const WHY = "C512K_NETNS_WHY";
/** The kernel's bounds for tcp_child_ehash_entries (it rounds up to a power of two). */
export const EHASH_MIN = 128;
export const EHASH_MAX = 2 ** 24;

/** This network namespace's hash buckets; negative when it shares the host's table. null: not shown (Linux < 6.1). */
export function ehashEntries(): number | null {
  try {
    return Number(readFileSync(EHASH, "utf8").trim());
  } catch {
    return null;
  }
}

/** True in the experiment that `rerunInOwnNetns` started. */
export const insideOwnNetns = () => process.env[INSIDE] !== undefined;

/** Inside: why the run that started it chose this table. */
export const ownNetnsWhy = (): string | undefined => process.env[WHY];

/** Inside: the host's values of the sysctls a new namespace would otherwise reset. */
export function copyHostSysctls(): void {
  const values = JSON.parse(process.env[INSIDE] ?? "{}") as Record<string, string>;
  for (const [path, value] of Object.entries(values)) writeFileSync(`/proc/sys/${path}`, value);
  delete process.env[INSIDE];
}

/** A process's network namespace (`net:[inode]`), or null once it is gone or not yet there. */
function netnsOf(pid: number | "self" | undefined): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/** Why `--ehash` cannot run here, or null when it can. */
export function ehashUnavailable(): string | null {
  if (!existsSync(CHILD_EHASH)) return `--ehash needs Linux 6.1 or later (no ${CHILD_EHASH})`;
  for (const [tool, pkg] of [["unshare", "util-linux"], ["ip", "iproute2"]]) {
    if (spawnSync(tool, ["-V"]).error) return `--ehash needs ${tool} (${pkg}), not found on PATH`;
  }
  return null;
}

/**
 * Starts this process's command again in a new network namespace with `buckets` hash buckets,
 * and resolves to its exit code. Signals reach it through us (it has its own process group, so a
 * terminal's Ctrl-C is passed on once, not twice).
 */
export async function rerunInOwnNetns(buckets: number, why = ""): Promise<number> {
  // Everything read before the one write, so that nothing can fail between it and putting it back.
  const before = readFileSync(CHILD_EHASH, "utf8").trim();
  const host = Object.fromEntries(COPIED_SYSCTLS.map((p) => [p, readFileSync(`/proc/sys/${p}`, "utf8").trim()]));
  const ours = netnsOf("self");
  try {
    writeFileSync(CHILD_EHASH, String(buckets));
  } catch (err) {
    throw new Error(`--ehash needs root: cannot write ${CHILD_EHASH} (${(err as NodeJS.ErrnoException).code})`);
  }
  const child = spawn(
    "unshare",
    [
      "--net",
      "--",
      "sh",
      "-c",
      'ip link set lo up && exec "$@"',
      "sh",
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    {
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
      env: { ...process.env, [INSIDE]: JSON.stringify(host), [WHY]: why },
    },
  );
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    child.once("error", () => resolve(1));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  try {
    // unshare(2) comes before its exec: once the child's namespace is not ours, the hash exists.
    const start = Date.now();
    while (child.exitCode === null && (netnsOf(child.pid) ?? ours) === ours && Date.now() - start < 10_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    writeFileSync(CHILD_EHASH, before);
  }
  return await exited;
}
