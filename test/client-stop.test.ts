/**
 * How the tools stop a client they started and read its report (tools/client-stop.ts); a real
 * client's report read by it: test/client-errors.test.ts, "on SIGINT".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLIENT_STOP_MS, clientReportFrom } from "../tools/client-stop.ts";
import { stopGraceMs } from "../client/run-local.ts";
import { socketsPerWorker } from "../system/limits.ts";

describe("stopping a client the tools started", () => {
  it("waits longer than a client worker holding a full share may take to end", () => {
    assert.ok(
      CLIENT_STOP_MS > stopGraceMs(socketsPerWorker()),
      `${CLIENT_STOP_MS} ms against a worker's ${stopGraceMs(socketsPerWorker())} ms`,
    );
  });

  it("a client that printed nothing: says so, how it ended, and its output", () => {
    assert.throws(
      () => clientReportFrom("", "SIGKILL", "c512k client: SIGINT, closing sockets"),
      /printed no report \(it ended with SIGKILL; nothing on stdout\):\nc512k client: SIGINT, closing sockets/,
    );
    assert.throws(() => clientReportFrom('{"opened": 3', 0, ""), /its last line is not JSON/);
  });
});
