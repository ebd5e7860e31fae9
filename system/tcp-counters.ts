/**
 * The kernel's own TCP counters (/proc/net/netstat, /proc/net/snmp), read before and after a run:
 * when a handshake fails or takes seconds, they say whether the kernel dropped it (a full accept
 * queue, SYN cookies, retransmits) rather than the runtime. They count for the whole machine.
 */
import { read } from "./proc.ts";

/** The counters that explain slow or failed handshakes, by the name the report gives them. */
export const TCP_COUNTERS = {
  /** A connection was ready but the listener's accept queue was full: the kernel dropped it. */
  listenOverflows: "TcpExt:ListenOverflows",
  listenDrops: "TcpExt:ListenDrops",
  /** The SYN queue was full: the kernel answered with a SYN cookie. */
  synCookiesSent: "TcpExt:SyncookiesSent",
  /** SYNs and SYN-ACKs sent again: each one is a handshake that waited 1 s or more. */
  synRetransmits: "TcpExt:TCPSynRetrans",
  /**
   * A SYN or SYN-ACK that met a connection already open, answered with a challenge ACK: a resend
   * that was not needed, nothing lost. A listener with TCP_DEFER_ACCEPT (Bun's) keeps a handshake
   * half-open until the client's first bytes and resends its SYN-ACK after 1 s without them; the
   * client, open since the first, answers so. Then the retransmit measures a client late to send
   * its request, not the network (docs/topics/tcp-counters.md).
   */
  synChallenges: "TcpExt:TCPSYNChallenge",
  /**
   * Segments sent again, SYNs included: on loopback each is a packet dropped on the way (a full
   * input backlog), and a data segment's costs its message at least the 200 ms minimum timeout.
   */
  retransmits: "Tcp:RetransSegs",
  /** Packets for a socket its owner held locked, dropped because its backlog was full. */
  socketBacklogDrops: "TcpExt:TCPBacklogDrop",
  /** Connections reset with unread data, or while closing. */
  abortOnData: "TcpExt:TCPAbortOnData",
  /** Resets sent and connection attempts that failed (Tcp: in /proc/net/snmp). */
  resetsSent: "Tcp:OutRsts",
  attemptFails: "Tcp:AttemptFails",
} as const;

/**
 * From /proc/net/softnet_stat, summed over the CPUs: packets a CPU's input backlog had no room
 * for (`net.core.netdev_max_backlog`). Loopback delivers every packet through that backlog, so
 * a SYN dropped there is retransmitted 1 s later, as a full accept queue's is, with no TCP
 * counter to say why. `squeezed`: the times a CPU's packet work ran out of budget with packets left.
 */
export const SOFTNET_COUNTERS = ["backlogDrops", "squeezed"] as const;

export type TcpCounters = Record<keyof typeof TCP_COUNTERS | typeof SOFTNET_COUNTERS[number], number>;

/** Columns 2 and 3 of /proc/net/softnet_stat (hexadecimal, a row a CPU), summed. */
export function parseSoftnet(text: string): { backlogDrops: number; squeezed: number } {
  let backlogDrops = 0;
  let squeezed = 0;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    backlogDrops += parseInt(f[1], 16) || 0;
    squeezed += parseInt(f[2], 16) || 0;
  }
  return { backlogDrops, squeezed };
}

/**
 * `/proc/net/netstat` and `/proc/net/snmp` hold pairs of lines: "Prefix: name name …" then
 * "Prefix: value value …". Returns "Prefix:name" → value.
 */
export function parseProcNet(text: string): Map<string, number> {
  const values = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i].trim().split(/\s+/);
    const numbers = lines[i + 1].trim().split(/\s+/);
    if (names[0] !== numbers[0] || !names[0].endsWith(":")) continue;
    for (let k = 1; k < names.length; k++) values.set(`${names[0]}${names[k]}`, Number(numbers[k]));
  }
  return values;
}

/** The counters now; a counter this kernel does not have reads 0. */
export function readTcpCounters(
  texts = [read("/proc/net/netstat"), read("/proc/net/snmp")],
  softnet = read("/proc/net/softnet_stat"),
): TcpCounters {
  const all = new Map(texts.flatMap((t) => [...parseProcNet(t)]));
  const picked = { ...parseSoftnet(softnet) } as TcpCounters;
  for (const [name, key] of Object.entries(TCP_COUNTERS)) picked[name as keyof TcpCounters] = all.get(key) ?? 0;
  return picked;
}

export function tcpCountersSince(before: TcpCounters, after: TcpCounters = readTcpCounters()): TcpCounters {
  const delta = {} as TcpCounters;
  for (const name of [...Object.keys(TCP_COUNTERS), ...SOFTNET_COUNTERS] as (keyof TcpCounters)[]) {
    delta[name] = after[name] - before[name];
  }
  return delta;
}
