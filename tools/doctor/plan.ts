/**
 * `doctor`: every limit that bounds how many sockets this machine holds, what each allows, the
 * command that raises it, and which binds first. Pure: it judges a `Machine` (machine.ts reads one).
 */
import Table from "cli-table3";
import {
  CLIENT_BYTES_PER_SOCKET,
  KERNEL_BYTES_PER_SOCKET,
  PROCESS_BASELINE_BYTES,
  type RuntimeName,
  SERVER_BYTES_PER_SOCKET,
} from "./costs.ts";
import type { WebSocketKind } from "../../client/options.ts";
import { socketsPerWorker } from "../../system/limits.ts";
import type { Machine } from "../../system/machine.ts";

export interface DoctorOptions {
  server: RuntimeName;
  client: RuntimeName;
  /** The client's WebSocket, for its cost per socket. */
  websocket: WebSocketKind;
  /** The client runs here too (the experiment), so each connection costs two sockets here. */
  clientHere: boolean;
  /** Server endpoints (addresses × ports) the client spreads over. */
  endpoints: number;
}

export interface LimitRow {
  name: string;
  value: string;
  allows: string;
  raise: string;
  /** Connections this limit allows in all, where it bounds the count. */
  bound?: number;
}

export interface Diagnosis {
  options: DoctorOptions;
  rows: LimitRow[];
  largest: number;
  bindsFirst: string;
  bytesPerConnection: number;
  workers: { server: number; client: number };
  /** The seed stopped at 524,285: which of its two explanations holds here. */
  seed: string;
}

const n = (x: number) => x.toLocaleString("en-US");
const mib = (b: number) => `${n(Math.round(b / 2 ** 20))} MiB`;

export function diagnose(m: Machine, options: DoctorOptions): Diagnosis {
  const { server, client, websocket, clientHere, endpoints } = options;
  const clientBytes = CLIENT_BYTES_PER_SOCKET[websocket][client];
  const ends = clientHere ? 2 : 1;
  const perWorker = socketsPerWorker(m.openFilesSoft);
  const rows: LimitRow[] = [];

  rows.push({
    name: "open files per process (soft / hard)",
    value: `${n(m.openFilesSoft)} / ${n(m.openFilesHard)}`,
    allows: `${n(perWorker)} sockets per worker process (80% of the soft limit); one process alone: ${
      n(m.openFilesSoft - 3)
    }`,
    raise:
      `ulimit -n ${m.openFilesHard} (soft, up to the hard); hard: LimitNOFILE= in the systemd unit, nofile in /etc/security/limits.conf, or prlimit --nofile=N:N --pid PID (up to fs.nr_open)`,
  });
  if (m.nrOpen !== undefined) {
    rows.push({
      name: "fs.nr_open",
      value: n(m.nrOpen),
      allows: `a hard open-files limit up to ${n(m.nrOpen)} per process`,
      raise: `sysctl -w fs.nr_open=${n(Math.max(m.nrOpen, 2 ** 21)).replaceAll(",", "")}`,
    });
  }
  if (m.fileMax !== undefined) {
    const free = m.fileMax - (m.filesInUse ?? 0);
    rows.push({
      name: "fs.file-max (in use)",
      value: `${n(m.fileMax)} (${n(m.filesInUse ?? 0)})`,
      allows: `${n(Math.floor(free / ends))} connections (${
        ends === 2 ? "two files each: both ends are here" : "one file each"
      })`,
      raise: "sysctl -w fs.file-max=4194304",
      bound: Math.floor(free / ends),
    });
  }
  if (m.localPortRange) {
    const [lo, hi] = m.localPortRange;
    const ports = hi - lo + 1;
    rows.push({
      name: "net.ipv4.ip_local_port_range",
      value: `${lo}-${hi} (${n(ports)} ports)`,
      allows: `${n(ports)} sockets from one client IP to one server ip:port; × ${endpoints} endpoint${
        endpoints === 1 ? "" : "s"
      } = ${n(ports * endpoints)}`,
      raise:
        'sysctl -w net.ipv4.ip_local_port_range="1024 65535", or spread: client --targets 127.0.0.1-64 (loopback), server --ports A-B',
      bound: ports * endpoints,
    });
  }
  if (m.somaxconn !== undefined) {
    rows.push({
      name: "net.core.somaxconn",
      value: n(m.somaxconn),
      allows: `${n(m.somaxconn)} connections waiting for accept per listening socket: bounds a burst, not the count`,
      raise: "sysctl -w net.core.somaxconn=65535",
    });
  }
  if (m.tcpMaxSynBacklog !== undefined) {
    rows.push({
      name: "net.ipv4.tcp_max_syn_backlog",
      value: n(m.tcpMaxSynBacklog),
      allows: `${n(m.tcpMaxSynBacklog)} half-open handshakes: bounds the ramp rate, not the count`,
      raise: "sysctl -w net.ipv4.tcp_max_syn_backlog=65535",
    });
  }
  if (m.tcpEhashEntries !== undefined) {
    // On loopback both ends of a connection are in this one table: a million connections were
    // ~7.6 sockets a bucket in the host's 262,144, and the lookup (`__inet_lookup_established`)
    // was the first item of a CPU profile (docs/topics/tcp-hash.md).
    const buckets = Math.abs(m.tcpEhashEntries);
    const shared = m.tcpEhashEntries < 0 ? " (shared with the host)" : "";
    rows.push({
      name: "net.ipv4.tcp_ehash_entries",
      value: `${n(buckets)}${shared}`,
      allows: `${n(Math.floor(buckets / ends))} connections at one socket a bucket${
        ends === 2 ? " (both ends are here)" : ""
      }; past that every packet's lookup walks a longer chain: bounds CPU per message, not the count`,
      raise: "boot with thash_entries=4194304; or, Linux ≥ 6.1, a network namespace of its own: " +
        "sysctl -w net.ipv4.tcp_child_ehash_entries=4194304, then unshare -n (the experiment's --ehash N does both)",
    });
  }
  // Since Linux 5.x conntrack hooks in only when a rule needs it: loaded is not tracking.
  const idle = m.conntrackCount === 0 && (m.tcpInUse ?? 0) > 0;
  rows.push(
    m.conntrackMax === undefined
      ? { name: "conntrack", value: "not loaded", allows: "no limit from connection tracking", raise: "-" }
      : idle
      ? {
        name: "net.netfilter.nf_conntrack_max",
        value: `${n(m.conntrackMax)} (tracking 0 of ${n(m.tcpInUse!)} TCP sockets)`,
        allows: "no limit now: loaded, but no firewall rule uses it; a rule that does would cap connections here",
        raise: "sysctl -w net.netfilter.nf_conntrack_max=2097152 (before adding such a rule)",
      }
      : {
        name: "net.netfilter.nf_conntrack_max",
        value: `${n(m.conntrackMax)} (tracking ${n(m.conntrackCount ?? 0)})`,
        allows: `${n(m.conntrackMax)} tracked connections, loopback ones too${
          m.tcpInUse ? "" : " (no TCP socket open to tell whether it tracks: assumed so)"
        }`,
        raise: "sysctl -w net.netfilter.nf_conntrack_max=2097152",
        bound: m.conntrackMax,
      },
  );
  if (m.tcpMem) {
    const high = m.tcpMem[2] * m.pageSize;
    rows.push({
      name: "net.ipv4.tcp_mem (pages)",
      value: m.tcpMem.map(n).join(" / "),
      allows: `${
        mib(high)
      } of socket buffers before the kernel refuses more: the seed's idle sockets hold almost none, so not the count`,
      raise: `sysctl -w net.ipv4.tcp_mem="${m.tcpMem[0]} ${m.tcpMem[1]} ${m.tcpMem[2] * 2}"`,
    });
  }
  const bytesPerConnection = SERVER_BYTES_PER_SOCKET[server] + ends * KERNEL_BYTES_PER_SOCKET +
    (clientHere ? clientBytes : 0);
  if (m.memAvailable !== undefined) {
    // Workers come with a baseline each: solve memory = baselines(workers(x)) + x × perConnection.
    const baseline = (x: number) =>
      Math.ceil(x / perWorker) * (PROCESS_BASELINE_BYTES[server] + (clientHere ? PROCESS_BASELINE_BYTES[client] : 0));
    let x = Math.floor(m.memAvailable / bytesPerConnection);
    while (x > 0 && baseline(x) + x * bytesPerConnection > m.memAvailable) x -= Math.max(1, Math.floor(x / 100));
    rows.push({
      name: "memory available",
      value: mib(m.memAvailable),
      allows: `${n(x)} connections at ${(bytesPerConnection / 1024).toFixed(1)} KB each (server on ${server} ${
        (SERVER_BYTES_PER_SOCKET[server] / 1024).toFixed(1)
      } KB${
        clientHere ? `, client on ${client} (${websocket} WebSocket) ${(clientBytes / 1024).toFixed(1)} KB` : ""
      }, kernel ${(KERNEL_BYTES_PER_SOCKET / 1024).toFixed(1)} KB × ${ends}) plus each worker's idle RSS`,
      raise: "more RAM, or a leaner server/client runtime (BENCHMARKS.md)",
      bound: x,
    });
  }

  const binding = rows.filter((r) => r.bound !== undefined).sort((a, b) => a.bound! - b.bound!)[0];
  const largest = binding?.bound ?? 0;
  // The seed's two readings of its 524,285, judged on this machine.
  const oneProcess = m.openFilesSoft - 3;
  const eightClients = m.localPortRange ? 8 * (m.localPortRange[1] - m.localPortRange[0] + 1) : Infinity;
  const seed = `The seed stopped at 524,285 = 2^19 − 3: either its one server process hit an open-files limit of ` +
    `524,288 (today's systemd default hard limit) less stdin, stdout and stderr, or its 8 client IPs ran out of ports ` +
    `to one server port (8 × 65,536). Here one server process may hold ${n(oneProcess)} and 8 client IPs reach ${
      n(eightClients)
    } on one port: ${oneProcess <= eightClients ? "the open-files limit" : "the port range"} binds first` +
    `${m.openFilesHard === 2 ** 19 ? " (and this machine has the seed's very limit, 524,288)" : ""}.`;
  return {
    options,
    rows,
    largest,
    bindsFirst: binding?.name ?? "none found",
    bytesPerConnection,
    workers: { server: Math.ceil(largest / perWorker), client: clientHere ? Math.ceil(largest / perWorker) : 0 },
    seed,
  };
}

export function formatDiagnosis(d: Diagnosis, { color = false } = {}): string {
  const table = new Table({
    head: ["limit", "value", "allows", "raise with"],
    colWidths: [24, 18, 50, 48],
    wordWrap: true,
    ...(color ? {} : { style: { head: [], border: [] } }),
  });
  for (const r of d.rows) table.push([r.name, r.value, r.allows, r.raise]);
  const { server, client, clientHere } = d.options;
  return [
    table.toString(),
    `Largest count here: ${n(d.largest)} connections, bound first by ${d.bindsFirst} ` +
    `(server on ${server}${
      clientHere ? `, client on ${client} on this machine too` : ""
    }: ${d.workers.server} server workers${clientHere ? `, ${d.workers.client} client workers` : ""}).`,
    d.seed,
  ].join("\n");
}
