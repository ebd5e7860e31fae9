// The kernel's TCP counters, as /proc/net/netstat and /proc/net/snmp write them: pairs of lines,
// names then values, under a prefix.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { parseProcNet, readTcpCounters, TCP_COUNTERS, tcpCountersSince } from "../system/tcp-counters.ts";

const NETSTAT =
  `TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPSynRetrans TCPAbortOnData TCPBacklogDrop TCPSYNChallenge
TcpExt: 12 3 346384 346390 1732153 12532 4 1732150
IpExt: InNoRoutes InTruncatedPkts
IpExt: 0 7
`;
const SNMP = `Tcp: RtoAlgorithm RtoMin AttemptFails EstabResets RetransSegs OutRsts
Tcp: 1 200 41 9 77 5120
`;

/** Two CPUs' rows of /proc/net/softnet_stat: processed, dropped, time squeezed, … in hex. */
const SOFTNET = `17037dff 00006efa 00000048 00000000 00000000 00000000 00000000 00000000 00000000
16af7c67 00009acd 00000049 00000000 00000000 00000000 00000000 00000000 00000000
`;

describe("the kernel's TCP counters", () => {
  it("reads each value under its own prefix and name", () => {
    const values = parseProcNet(NETSTAT);
    assert.equal(values.get("TcpExt:ListenOverflows"), 346384);
    assert.equal(values.get("IpExt:InTruncatedPkts"), 7);
    assert.equal(values.get("Tcp:ListenOverflows"), undefined);
  });

  it("picks the counters that explain slow handshakes, 0 for one the kernel lacks", () => {
    assert.deepEqual(readTcpCounters([NETSTAT, SNMP], SOFTNET), {
      backlogDrops: 0x6efa + 0x9acd,
      squeezed: 0x48 + 0x49,
      listenOverflows: 346384,
      listenDrops: 346390,
      synCookiesSent: 12,
      synRetransmits: 1732153,
      synChallenges: 1732150,
      abortOnData: 12532,
      retransmits: 77,
      socketBacklogDrops: 4,
      resetsSent: 5120,
      attemptFails: 41,
    });
    assert.equal(readTcpCounters([SNMP], "").listenOverflows, 0);
    assert.equal(readTcpCounters([SNMP], "").backlogDrops, 0);
  });

  it("gives what happened between two readings", () => {
    const before = readTcpCounters([NETSTAT, SNMP]);
    const after = readTcpCounters([NETSTAT.replace("346384", "346484"), SNMP.replace("5120", "5121")]);
    const delta = tcpCountersSince(before, after);
    assert.equal(delta.listenOverflows, 100);
    assert.equal(delta.resetsSent, 1);
    assert.equal(delta.synRetransmits, 0);
  });

  it("names only counters this machine's kernel has", () => {
    // A misspelt name would read 0 for ever and explain nothing.
    const here = new Map([
      ...parseProcNet(readFileSync("/proc/net/netstat", "utf8")),
      ...parseProcNet(readFileSync("/proc/net/snmp", "utf8")),
    ]);
    for (const key of Object.values(TCP_COUNTERS)) assert.ok(here.has(key), `${key} is not in /proc/net`);
    const before = readTcpCounters();
    assert.ok(Object.values(tcpCountersSince(before)).every((d) => d >= 0));
  });
});
