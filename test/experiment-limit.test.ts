// The experiment's "limit that stopped it": the stall when sockets never opened, the failures
// when they account for what is missing, the errno when one names the wall.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientReport } from "../client/report.ts";
import { findLimit } from "../tools/experiment/report.ts";

const client = (failures: Record<string, number>) =>
  ({ failed: Object.values(failures).reduce((a, b) => a + b, 0), failures }) as unknown as ClientReport;

describe("the experiment's limit", () => {
  it("is none when the target was reached", () => {
    assert.equal(findLimit(1000, 1000, client({}), ""), null);
  });

  it("is the stall when most missing sockets never opened", () => {
    const limit = findLimit(512_000, 511_202, client({ "connect: Connection ended": 6 }), "", 120);
    assert.equal(
      limit,
      "the ramp stalled: no new socket for 120 s at 511202; 792 never opened, 6 failed (see failures)",
    );
  });

  it("names a server worker's death in the server's own words", () => {
    const log = "listening on http://0.0.0.0:8080 (bun 1.4.5)\nc512k: worker 7 (pid 4242) died (1); restarting it\n";
    assert.equal(
      findLimit(512_000, 491_922, client({ "dropped: close 1006": 19_993 }), log, 120),
      "a server worker died: c512k: worker 7 (pid 4242) died (1); restarting it",
    );
  });

  it("is the failures when they account for every missing socket, stall or not", () => {
    const failures = { "connect: Connection ended": 4386, "connect: ECONNRESET": 675 };
    const expected = 'connects failed: 4386 × "connect: Connection ended" (see failures)';
    assert.equal(findLimit(512_000, 506_939, client(failures), "", 60), expected);
    assert.equal(findLimit(512_000, 506_939, client(failures), ""), expected);
  });

  it("names the open-file wall before anything else", () => {
    const limit = findLimit(30_000, 20_000, client({ "connect: EMFILE": 5 }), "", 30);
    assert.equal(limit, "open files per process (EMFILE)");
  });
});
