/** Reads the machine facts that bound how many sockets it can hold (Linux /proc; absent elsewhere). */
import { existsSync, readFileSync } from "node:fs";
import { openFileLimits } from "./limits.ts";

export interface Machine {
  openFilesSoft: number;
  openFilesHard: number;
  /** Largest hard limit a process may be given (fs.nr_open). */
  nrOpen?: number;
  /** System-wide file handles (fs.file-max), and how many are in use now. */
  fileMax?: number;
  filesInUse?: number;
  /** Ephemeral ports: [low, high]. */
  localPortRange?: [number, number];
  somaxconn?: number;
  tcpMaxSynBacklog?: number;
  /**
   * Buckets of the hash that finds each packet's connection (Linux ≥ 6.1 shows it). Negative: this
   * network namespace shares the host's table of that size.
   */
  tcpEhashEntries?: number;
  /** nf_conntrack_max and nf_conntrack_count, when the conntrack module is loaded. */
  conntrackMax?: number;
  conntrackCount?: number;
  /** TCP sockets in use now (/proc/net/sockstat). */
  tcpInUse?: number;
  /** tcp_mem [low, pressure, high], in pages. */
  tcpMem?: [number, number, number];
  pageSize: number;
  memAvailable?: number;
  memTotal?: number;
  cores: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function numbers(path: string): number[] | undefined {
  const text = read(path);
  return text === undefined ? undefined : text.split(/\s+/).map(Number);
}

function meminfo(key: string): number | undefined {
  const m = read("/proc/meminfo")?.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) * 1024 : undefined;
}

export function readMachine(cores: number): Machine {
  const files = openFileLimits();
  const fileNr = numbers("/proc/sys/fs/file-nr");
  const ports = numbers("/proc/sys/net/ipv4/ip_local_port_range");
  const tcpMem = numbers("/proc/sys/net/ipv4/tcp_mem");
  const conntrack = "/proc/sys/net/netfilter/nf_conntrack_max";
  return {
    openFilesSoft: files.soft,
    openFilesHard: files.hard,
    nrOpen: numbers("/proc/sys/fs/nr_open")?.[0],
    fileMax: numbers("/proc/sys/fs/file-max")?.[0],
    filesInUse: fileNr?.[0],
    localPortRange: ports && [ports[0], ports[1]],
    somaxconn: numbers("/proc/sys/net/core/somaxconn")?.[0],
    tcpMaxSynBacklog: numbers("/proc/sys/net/ipv4/tcp_max_syn_backlog")?.[0],
    tcpEhashEntries: numbers("/proc/sys/net/ipv4/tcp_ehash_entries")?.[0],
    conntrackMax: existsSync(conntrack) ? numbers(conntrack)?.[0] : undefined,
    conntrackCount: numbers("/proc/sys/net/netfilter/nf_conntrack_count")?.[0],
    tcpInUse: Number(read("/proc/net/sockstat")?.match(/^TCP: inuse (\d+)/m)?.[1] ?? NaN) || undefined,
    tcpMem: tcpMem && [tcpMem[0], tcpMem[1], tcpMem[2]],
    pageSize: 4096,
    memAvailable: meminfo("MemAvailable"),
    memTotal: meminfo("MemTotal"),
    cores,
  };
}
