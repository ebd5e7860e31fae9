/**
 * Many clients, one run (docs/fleet.md): the simulated hosts of `npm run fleet`, the seed's port
 * cap reproduced small, and the run's faults: a client killed mid-run, a server worker killed.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { RunView } from "../../src/runs/run-shapes.ts";
import { run, start, waitFor } from "../../system/child-process.ts";
import { CLIENT, runCommand } from "../../system/runtimes.ts";
import { simHostsUnavailable } from "../../system/sim-hosts.ts";
import { CHILD_EHASH } from "../../system/netns.ts";
import { startServer } from "../../tools/local-server.ts";

type FleetJson = RunView & { hosts: { name: string; address: string }[]; serverAddress: string };

const noHosts = simHostsUnavailable();
const EHASH_FILE = "/proc/sys/net/ipv4/tcp_ehash_entries";
/** Linux < 6.1 has no per-namespace table: every host then shares the host's (a negative size). */
const ownTables = existsSync(CHILD_EHASH);
const childEhashBefore = ownTables ? readFileSync(CHILD_EHASH, "utf8").trim() : "";
const fleet = (...args: string[]) =>
  start(["node", "--import", "tsx", "tools/fleet/main.ts", "--runtime", "node", "--client-runtime", "node", ...args]);

/** Namespaces and links named after `pid` that still exist. */
function leftBy(pid: number): string[] {
  const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout;
  return [...`${netns}\n${links}`.matchAll(new RegExp(`c5k-?${pid}[-\\w]*`, "g"))].map((m) => m[0]);
}

const client = (url: string, ...args: string[]) => [
  ...runCommand("node"),
  CLIENT,
  url,
  ...["--connections", "100", "--rate", "400", "--interval", "0.5", "--workers", "1"],
  ...args,
];

describe("fleet: simulated hosts", { skip: noHosts ?? false }, () => {
  it("runs 3 client hosts against a server host, merges them, and leaves nothing behind", async () => {
    const f = fleet("--hosts", "3", "--connections", "400", "--hold", "5", "--interval", "1", "--json");
    // From this host, through the fleet's forward: the dashboard and the run, during the hold.
    const [, here, run] = await waitFor(
      f,
      /watch it live: (http:\/\/127\.0\.0\.1:\d+)\/dashboard.*the run: \S+\/runs\/(\S+)/,
    );
    await waitFor(f, /holding 5 s/);
    // Each host a TCP hash of its own (--ehash auto): two buckets an end, the kernel's power of two.
    const buckets = (host: string) =>
      Number(
        execFileSync("ip", ["netns", "exec", `c5k-${f.proc.pid}-${host}`, "cat", EHASH_FILE], { encoding: "utf8" }),
      );
    if (ownTables) {
      assert.deepEqual([buckets("s"), buckets("c0")], [4096, 1024]);
      assert.equal(readFileSync(CHILD_EHASH, "utf8").trim(), childEhashBefore, "the host's setting put back");
    } else assert.ok(buckets("s") < 0, "shared with the host");
    const live = await (await fetch(`${here}/runs/${run}`)).json() as RunView;
    assert.equal(live.state, "running");
    assert.equal(live.total.open, 1200);
    assert.match(await (await fetch(`${here}/dashboard`)).text(), /<title>c512k: node/);
    const code = await f.exited;
    assert.equal(code, 0, f.output());
    const out = JSON.parse(f.stdout()) as FleetJson;
    assert.equal(out.state, "done");
    assert.equal(out.serverAddress, "198.18.0.1");
    assert.deepEqual(out.hosts.map((h) => h.address), ["198.18.1.1", "198.18.1.2", "198.18.1.3"]);
    // The server saw each client from its own host's address.
    assert.deepEqual(out.clients.map((c) => c.address).sort(), out.hosts.map((h) => h.address));
    assert.equal(out.total.opened, 1200);
    assert.equal(out.total.peakOpen, 1200);
    assert.equal(out.total.failed + out.total.mismatched + out.total.unanswered, 0);
    assert.ok(out.total.answered > 1200);
    assert.deepEqual(leftBy(f.proc.pid!), []);
  });

  it("reproduces the seed's stop small: past each host's ephemeral ports to one server port, connects fail", async () => {
    // 1,000 ports a host, 2 hosts, 1 server port: at most 2,000 of the 2,400 asked.
    const args = ["--hosts", "2", "--connections", "1200", "--hold", "2", "--port-range", "61000-61999", "--json"];
    const capped = fleet(...args, "--stall", "10");
    assert.equal(await capped.exited, 1, capped.output());
    const out = JSON.parse(capped.stdout()) as FleetJson;
    // Each host's run reports keep one connection to the server's port too: a port or two less.
    for (const c of out.clients) {
      assert.ok(c.opened <= 1000 && c.opened >= 996, `${c.id}: ${c.opened} opened`);
      assert.equal(c.opened + c.failed, 1200);
    }
    assert.deepEqual(Object.keys(out.total.failures), ["connect: EADDRNOTAVAIL"]);
    assert.match(capped.output(), /at most 2,000 sockets \(2 hosts × 1,000 ports \(61000–61999\) × 1 server port\)/);
    // Two server ports: twice the room, and all 2,400 open.
    const spread = fleet(...args, "--ports", "8080-8081");
    assert.equal(await spread.exited, 0, spread.output());
    assert.equal((JSON.parse(spread.stdout()) as FleetJson).total.peakOpen, 2400);
    assert.deepEqual([...leftBy(capped.proc.pid!), ...leftBy(spread.proc.pid!)], []);
  });

  it("on Ctrl-C stops the clients and the server and removes every host", async () => {
    const f = fleet("--hosts", "2", "--connections", "300", "--hold", "600");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no hold:\n${f.output()}`)), 60_000);
      const poll = setInterval(() => {
        if (/holding 600 s/.test(f.output())) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
    });
    f.proc.kill("SIGINT");
    await f.exited;
    assert.match(f.stdout(), /run fleet-\d+: done, 2 of 2 clients/);
    assert.deepEqual(leftBy(f.proc.pid!), []);
  });
});

describe("runs: faults", () => {
  it("shows a client killed mid-run as lost, with what it last reported, and the run still ends", async () => {
    const server = await startServer("node", ["--run-lost-after", "20"]);
    try {
      const doomed = start(client(server.url, "--run", "lossy", "--hosts", "2", "--client-id", "doomed"));
      const survivor = run(client(server.url, "--duration", "6", "--run", "lossy", "--hosts", "2"), { ms: 90_000 });
      const viewOf = async () => {
        const res = await fetch(`${server.url}/runs/lossy`);
        return res.ok ? await res.json() as RunView : { clients: [], state: "waiting" } as unknown as RunView;
      };
      let view = await viewOf();
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; view = await viewOf()) {
        if ((view.clients.find((c) => c.id === "doomed")?.sent ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      doomed.proc.kill("SIGKILL");
      assert.equal((await survivor).code, 0);
      // The server takes a client for lost after --run-lost-after (20 s) without a word.
      for (
        const deadline = Date.now() + 45_000;
        view.state !== "done" && Date.now() < deadline;
        view = await viewOf()
      ) {
        await new Promise((r) => setTimeout(r, 1_000));
      }
      assert.equal(view.state, "done");
      const lost = view.clients.find((c) => c.id === "doomed")!;
      assert.equal(lost.state, "lost");
      assert.ok(lost.sent > 0 && lost.opened === 100, JSON.stringify(lost));
      assert.equal(lost.open, 0);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("loses nothing of the run when a server worker is killed mid-run", async () => {
    const server = await startServer("node", ["--workers", "2"]);
    try {
      const clients = [0, 1].map((i) =>
        start(
          client(
            server.url,
            "--duration",
            "6",
            "--reconnect",
            "--run",
            "restart",
            "--hosts",
            "2",
            "--client-id",
            `c${i}`,
          ),
        )
      );
      const stats = async () => await (await fetch(`${server.controlUrl}/stats`)).json();
      let s = await stats();
      for (const deadline = Date.now() + 15_000; s.connections.open < 200 && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 200));
        s = await stats();
      }
      assert.equal(s.connections.open, 200);
      process.kill(s.workers[0].pid, "SIGKILL");
      await Promise.all(clients.map((c) => c.exited));
      const view = await (await fetch(`${server.url}/runs/restart`)).json() as RunView;
      assert.equal(view.state, "done", JSON.stringify(view));
      assert.deepEqual(view.clients.map((c) => c.state), ["done", "done"]);
      assert.equal(view.total.opened, 200);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
