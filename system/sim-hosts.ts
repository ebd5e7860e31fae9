/**
 * Simulated hosts: one network namespace per host, each with its own address, joined by a bridge
 * made for the run, so that a fleet of clients and their server talk over a network (veth pairs
 * and a bridge) instead of one loopback. Addresses come from 198.18.0.0/15, the range set aside
 * for benchmarks (RFC 2544), and exist only inside these namespaces: the bridge has none, so the
 * host never routes to them. Root only. Everything made here is named after the process that
 * made it (`c5k-<pid>-…`), so what a killed run left behind is found and removed by the next.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { CHILD_EHASH, COPIED_SYSCTLS } from "./netns.ts";

export interface SimHost {
  /** host-0, host-1, …; "server" for the server's. */
  name: string;
  netns: string;
  address: string;
  /** The host's end of its veth pair, on the bridge. */
  link: string;
}

export interface SimNetwork {
  bridge: string;
  server: SimHost;
  clients: SimHost[];
}

const PREFIX = "c5k";
const MASK = 15;
export const SERVER_ADDRESS = "198.18.0.1";

/** Client i's address: 198.18.1.1 onwards, 254 a /24. */
export function clientAddress(i: number): string {
  return `198.18.${1 + Math.floor(i / 254)}.${(i % 254) + 1}`;
}

function ip(args: string[], allowFail = false): string {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.error) throw new Error(`ip ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why simulated hosts cannot be made here, or null when they can. */
export function simHostsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "simulated hosts need root (network namespaces, a bridge, veth pairs)";
  if (spawnSync("ip", ["-V"]).error) return "simulated hosts need ip (iproute2), not found on PATH";
  const probe = spawnSync("ip", ["link", "help"], { encoding: "utf8" });
  if (!`${probe.stdout}${probe.stderr}`.includes("veth")) {
    return "simulated hosts need veth links (ip link help lists none)";
  }
  return null;
}

/** The command that runs `command` on host `netns`. */
export const onHost = (netns: string, command: string[]): string[] => ["ip", "netns", "exec", netns, ...command];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const ours = (name: string) => name.match(new RegExp(`^${PREFIX}-(\\d+)-`));

/** Stops every process in `netns` (ours: only our runs make these) and removes it. */
function removeNetns(netns: string): void {
  for (const pid of ip(["netns", "pids", netns], true).split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone already */ }
  }
  ip(["netns", "del", netns], true);
}

/** Removes what runs whose process is gone left behind; says what it removed. */
export function removeLeftovers(): string[] {
  const removed: string[] = [];
  for (const line of ip(["netns", "list"], true).split("\n")) {
    const name = line.split(" ")[0];
    const m = ours(name);
    if (m && !alive(Number(m[1]))) {
      removeNetns(name);
      removed.push(name);
    }
  }
  for (const line of ip(["-o", "link", "show"], true).split("\n")) {
    const name = line.match(/^\d+: ([^:@]+)/)?.[1];
    const m = name?.match(new RegExp(`^${PREFIX}(\\d+)(?:br|v\\d+)$`));
    if (name && m && !alive(Number(m[1]))) {
      ip(["link", "del", name], true);
      removed.push(name);
    }
  }
  return removed;
}

function sysctl(netns: string, key: string, value: string): void {
  ip(["netns", "exec", netns, "sh", "-c", `echo "$1" > /proc/sys/${key}`, "sh", value]);
}

/**
 * Makes the server's host and `clients` client hosts. Each gets the host's values of the
 * sysctls a new namespace resets (COPIED_SYSCTLS), clients `portRange` if given. On failure,
 * removes what it made and throws.
 */
export function createSimNetwork(
  clients: number,
  portRange?: [number, number],
  /**
   * Each host's TCP connection hash, in buckets (system/netns.ts): a table of its own instead of
   * the one every namespace made with tcp_child_ehash_entries at 0 shares with the host.
   */
  ehash?: { server: number; client: number },
): SimNetwork {
  const tag = `${PREFIX}-${process.pid}`;
  const bridge = `${PREFIX}${process.pid}br`;
  const host = Object.fromEntries(COPIED_SYSCTLS.map((p) => [p, readFileSync(`/proc/sys/${p}`, "utf8").trim()]));
  const net: SimNetwork = {
    bridge,
    // Interface names stop at 15 characters: the host's ends are named by number.
    server: { name: "server", netns: `${tag}-s`, address: SERVER_ADDRESS, link: `${PREFIX}${process.pid}v0` },
    clients: Array.from({ length: clients }, (_, i) => ({
      name: `host-${i}`,
      netns: `${tag}-c${i}`,
      address: clientAddress(i),
      link: `${PREFIX}${process.pid}v${i + 1}`,
    })),
  };
  const hostEhash = ehash ? readFileSync(CHILD_EHASH, "utf8").trim() : null;
  try {
    ip(["link", "add", bridge, "type", "bridge"]);
    ip(["link", "set", bridge, "up"]);
    for (const h of [net.server, ...net.clients]) {
      // A namespace takes the size set when it is made: set for each, put back below.
      if (ehash) writeFileSync(CHILD_EHASH, String(h === net.server ? ehash.server : ehash.client));
      ip(["netns", "add", h.netns]);
      ip(["link", "add", h.link, "type", "veth", "peer", "name", "eth0", "netns", h.netns]);
      ip(["link", "set", h.link, "master", bridge, "up"]);
      ip(["-n", h.netns, "addr", "add", `${h.address}/${MASK}`, "dev", "eth0"]);
      ip(["-n", h.netns, "link", "set", "eth0", "up"]);
      ip(["-n", h.netns, "link", "set", "lo", "up"]);
      for (const [key, value] of Object.entries(host)) sysctl(h.netns, key, value);
      if (portRange && h !== net.server) sysctl(h.netns, "net/ipv4/ip_local_port_range", portRange.join(" "));
    }
  } catch (err) {
    removeSimNetwork(net);
    throw err;
  } finally {
    if (hostEhash !== null) writeFileSync(CHILD_EHASH, hostEhash);
  }
  return net;
}

/** Stops every process on the hosts, removes the hosts and the bridge. Safe to call twice. */
export function removeSimNetwork(net: SimNetwork): void {
  for (const h of [net.server, ...net.clients]) {
    removeNetns(h.netns);
    // A namespace goes away in the background once unused, its veth with it; this one goes now.
    ip(["link", "del", h.link], true);
  }
  ip(["link", "del", net.bridge], true);
}

/** The namespaces and links of `net` that still exist (for tests: none after a run). */
export function leftOf(net: SimNetwork): string[] {
  const netns = ip(["netns", "list"], true);
  const links = ip(["-o", "link", "show"], true);
  return [
    ...[net.server, ...net.clients].map((h) => h.netns).filter((n) =>
      netns.split("\n").some((l) => l.split(" ")[0] === n)
    ),
    ...[net.bridge, ...[net.server, ...net.clients].map((h) => h.link)].filter((l) =>
      links.includes(`${l}:`) || links.includes(`${l}@`)
    ),
  ];
}
