/**
 * Node's handshake timeout counts the client's time, not the server's: a worker that could not
 * run for longer than `--handshake-timeout` (here stopped with SIGSTOP, as a worker starved of
 * CPU at 512,000 sockets is) still answers the handshake whose headers arrived in time, and
 * still closes one whose headers never came.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClusterStatsSnapshot } from "../../src/stats.ts";
import { handshake, rawConnect, receivedWhen } from "../_raw-ws.ts";
import { startServer, type TestServer } from "../../tools/local-server.ts";

const TIMEOUT_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Node's handshake deadline, with a worker late for the CPU", () => {
  let server: TestServer;
  let port: number;
  let workerPid: number;
  before(async () => {
    server = await startServer("node", ["--workers", "1", "--handshake-timeout", String(TIMEOUT_S)]);
    port = Number(new URL(server.url).port);
    workerPid = ((await (await fetch(`${server.url}/stats`)).json()) as ClusterStatsSnapshot).workers[0].pid;
  });
  after(async () => {
    if (workerPid) process.kill(workerPid, "SIGCONT"); // never leave it stopped, whatever failed
    await server?.stop("SIGKILL");
  });

  /** Connects, lets the worker accept, then stops it for 1.5 × the timeout while `write` runs. */
  async function acrossAStall(write: (socket: import("node:net").Socket) => void) {
    const peer = await rawConnect(port);
    await sleep(300); // the worker, idle, accepts now: its deadline starts
    process.kill(workerPid, "SIGSTOP");
    try {
      write(peer.socket);
      await sleep(TIMEOUT_S * 1500);
    } finally {
      process.kill(workerPid, "SIGCONT");
    }
    return peer;
  }

  it("answers 101 and Welcome! to a handshake that arrived while the worker could not run", async () => {
    const peer = await acrossAStall((socket) => socket.write(handshake()));
    const answer = (await receivedWhen(peer, (d) => d.includes("Welcome!"))).toString("latin1");
    peer.socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 101 /);
  });

  it("answers 408 to half a handshake, once it has looked at what arrived", async () => {
    const peer = await acrossAStall((socket) => socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    const answer = (await receivedWhen(peer, (d) => d.includes("\r\n\r\n"))).toString("latin1");
    await peer.ended;
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });
});
