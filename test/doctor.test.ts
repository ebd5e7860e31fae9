/** `c512k doctor`: the limits it reads, what binds first, and the seed's 524,285 explained. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { diagnose, type DoctorOptions } from "../tools/doctor/plan.ts";
import type { Machine } from "../system/machine.ts";
import { run } from "../system/child-process.ts";
import { ROOT, runCommand, RUNTIMES } from "../system/runtimes.ts";

const GiB = 2 ** 30;
const machine: Machine = {
  openFilesSoft: 20_000,
  openFilesHard: 20_000,
  nrOpen: 1_048_576,
  fileMax: 10_000_000,
  filesInUse: 1_000,
  localPortRange: [32768, 60999],
  somaxconn: 4096,
  tcpMaxSynBacklog: 2048,
  tcpMem: [100, 200, 300_000],
  pageSize: 4096,
  memAvailable: 24 * GiB,
  memTotal: 24 * GiB,
  cores: 2,
};
const options: DoctorOptions = { server: "bun", client: "bun", websocket: "runtime", clientHere: true, endpoints: 64 };

describe("doctor", () => {
  it("finds memory binding first on a roomy machine, and plans the workers", () => {
    const d = diagnose(machine, options);
    assert.equal(d.bindsFirst, "memory available");
    assert.ok(d.largest > 500_000 && d.largest < 2_000_000, `largest ${d.largest}`);
    assert.equal(d.workers.server, Math.ceil(d.largest / 15_948));
  });

  it("plans with the lean client's lighter sockets when told --websocket lean", () => {
    const runtime = diagnose(machine, options);
    const lean = diagnose(machine, { ...options, websocket: "lean" });
    assert.ok(lean.bytesPerConnection < runtime.bytesPerConnection, `${lean.bytesPerConnection}`);
    assert.ok(lean.largest > runtime.largest, `lean ${lean.largest}, runtime ${runtime.largest}`);
    const memory = lean.rows.find((r) => r.name === "memory available")!;
    assert.match(memory.allows, /client on bun \(lean WebSocket\) [\d.]+ KB/);
  });

  it("says the port range binds when the client has one endpoint", () => {
    const d = diagnose(machine, { ...options, endpoints: 1 });
    assert.equal(d.bindsFirst, "net.ipv4.ip_local_port_range");
    assert.equal(d.largest, 28_232);
  });

  it("gives the TCP connection hash's size in connections, and how to grow it", () => {
    const row = (m: Machine) => diagnose(m, options).rows.find((r) => r.name === "net.ipv4.tcp_ehash_entries");
    const here = row({ ...machine, tcpEhashEntries: 262_144 })!;
    assert.equal(here.value, "262,144");
    assert.match(here.allows, /^131,072 connections at one socket a bucket \(both ends are here\);/);
    assert.match(here.raise, /thash_entries=4194304.*tcp_child_ehash_entries=4194304, then unshare -n/);
    assert.equal(here.bound, undefined, "a speed limit, not a count limit");
    const shared = row({ ...machine, tcpEhashEntries: -262_144 })!;
    assert.equal(shared.value, "262,144 (shared with the host)");
    const remote = diagnose({ ...machine, tcpEhashEntries: 262_144 }, { ...options, clientHere: false }).rows
      .find((r) => r.name === "net.ipv4.tcp_ehash_entries")!;
    assert.match(remote.allows, /^262,144 connections at one socket a bucket;/);
    assert.equal(row(machine), undefined, "not shown where the kernel does not say");
  });

  it("counts conntrack only when it tracks", () => {
    const tracking = diagnose({ ...machine, conntrackMax: 100_000, conntrackCount: 50, tcpInUse: 60 }, options);
    assert.equal(tracking.bindsFirst, "net.netfilter.nf_conntrack_max");
    assert.equal(tracking.largest, 100_000);
    const idle = diagnose({ ...machine, conntrackMax: 100_000, conntrackCount: 0, tcpInUse: 4_000 }, options);
    assert.equal(idle.bindsFirst, "memory available");
  });

  it("explains the seed's 524,285 by the open-files limit where it binds, by ports where they do", () => {
    const seeds =
      diagnose({ ...machine, openFilesSoft: 524_288, openFilesHard: 524_288, localPortRange: [1024, 65535] }, options)
        .seed;
    assert.match(
      seeds,
      /one server process may hold 524,285 and 8 client IPs reach 516,096 on one port: the port range binds first \(and this machine has the seed's very limit, 524,288\)/,
    );
    const here = diagnose(machine, options).seed;
    assert.match(
      here,
      /one server process may hold 19,997 and 8 client IPs reach 225,856 on one port: the open-files limit binds first\.$/,
    );
  });

  for (const runtime of RUNTIMES) {
    it(`runs on ${runtime} and reads this machine's own limits`, async () => {
      const soft = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+)/m)![1];
      const { code, stdout, output } = await run([...runCommand(runtime), `${ROOT}dist/doctor.js`, "--json"]);
      assert.equal(code, 0, output);
      const d = JSON.parse(stdout);
      assert.equal(d.rows[0].value.split(" / ")[0].replaceAll(",", ""), soft);
      assert.ok(d.largest > 0 && typeof d.bindsFirst === "string");
      const table = await run([...runCommand(runtime), `${ROOT}dist/doctor.js`]);
      assert.match(table.stdout, /^Largest count here: [\d,]+ connections, bound first by /m);
    });
  }

  it("`npm run doctor -- --websocket lean` (the README's) plans with lighter client sockets", async () => {
    const lean = await run(["npm", "run", "--silent", "doctor", "--", "--websocket", "lean", "--json"]);
    assert.equal(lean.code, 0, lean.output);
    const runtime = await run(["npm", "run", "--silent", "doctor", "--", "--json"]);
    assert.equal(runtime.code, 0, runtime.output);
    const [l, r] = [JSON.parse(lean.stdout), JSON.parse(runtime.stdout)];
    assert.equal(l.options.websocket, "lean");
    assert.ok(
      l.bytesPerConnection < r.bytesPerConnection,
      `lean ${l.bytesPerConnection}, runtime ${r.bytesPerConnection}`,
    );
  });

  it("refuses a bad flag with the usage, exit 2", async () => {
    const { code, output } = await run([...runCommand("node"), `${ROOT}dist/doctor.js`, "--server", "java"]);
    assert.equal(code, 2);
    assert.match(output, /--server must be node, deno or bun, got "java"/);
    const ws = await run([...runCommand("node"), `${ROOT}dist/doctor.js`, "--websocket", "socketio"]);
    assert.equal(ws.code, 2);
    assert.match(ws.output, /--websocket must be runtime or lean, got "socketio"/);
  });
});
