/** `npm run fleet`'s flags and the doctor's arithmetic it prints (the run itself: test/scale/fleet.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFleetOptions, UsageError } from "../tools/fleet/options.ts";
import { portCap } from "../tools/fleet/port-cap.ts";
import { fleetClientCommand } from "../tools/fleet/client-command.ts";

describe("fleet options", () => {
  it("defaults to the seed's set-up: 8 hosts × 64,000 on Bun, one port, a 60 s hold", () => {
    const o = parseFleetOptions([])!;
    assert.deepEqual(
      [o.runtime, o.clientRuntime, o.hosts, o.connections, o.hold, o.interval, o.ports, o.portRange],
      ["bun", "bun", 8, 64000, 60, 25, [8080, 8080], undefined],
    );
    assert.equal(o.ehash, "auto", "each host a TCP hash of its own where the kernel allows");
  });

  it("refuses bad flags with the reason", () => {
    const cases: [string[], RegExp][] = [
      [["--hosts", "0"], /--hosts must be a whole number from 1 to 250/],
      [["--runtime", "java"], /--runtime must be one of node, node26, node24, deno, bun/],
      [["--port-range", "65535-1024"], /--port-range must be LO-HI/],
      [["--ports", "8080-"], /--ports must be LO-HI/],
      [["--nope"], /Unknown option '--nope'/],
      [["--ehash", "4096"], /--ehash must be auto or host/],
    ];
    for (const [args, reason] of cases) {
      assert.throws(() => parseFleetOptions(args), (e) => e instanceof UsageError && reason.test(e.message));
    }
  });

  it("each host gets its share of the ramp, and every server port", () => {
    const o = parseFleetOptions(["--hosts", "4", "--ports", "8080-8083", "--rate", "10000"])!;
    const args = fleetClientCommand(o, "http://198.18.0.1:8080", "r", "host-3");
    assert.equal(args[args.indexOf("--rate") + 1], "2500");
    assert.equal(args[args.indexOf("--max-pending") + 1], "500");
    assert.equal(args[args.indexOf("--ports") + 1], "8080-8083");
    assert.deepEqual(args.slice(-6), ["--run", "r", "--hosts", "4", "--client-id", "host-3"]);
  });
});

describe("the doctor's arithmetic for a fleet", () => {
  it("is hosts × ephemeral ports × server ports: the seed's 8 × 64,512 = 516,096", () => {
    assert.deepEqual(portCap(8, [1024, 65535], 1), {
      perHost: 64512,
      total: 516096,
      why: "8 hosts × 64,512 ports (1024–65535) × 1 server port",
    });
    assert.equal(portCap(8, [32768, 60999], 8).total, 8 * 28232 * 8);
  });
});
