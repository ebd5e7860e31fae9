// The ramp's window of handshakes in flight: halves on a slow or failed handshake, grows back
// by one per window of fast ones, never past the cap nor under its floor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIN_WINDOW, RampWindow, SLOW_HANDSHAKE_MS, TARGET_WAIT_MS } from "../client/ramp-window.ts";

describe("the ramp window", () => {
  it("starts at --max-pending and stays there while handshakes are fast", () => {
    const w = new RampWindow(100);
    for (let i = 0; i < 1_000; i++) w.took(50, i);
    assert.equal(w.size, 100);
  });

  it("halves on a slow handshake, once per slow period, and on a failed one", () => {
    const w = new RampWindow(100);
    w.took(SLOW_HANDSHAKE_MS + 1, 10_000);
    assert.equal(w.size, 50);
    // Handshakes sent into the same queue come back slow too: no second halving for them.
    w.took(SLOW_HANDSHAKE_MS * 2, 10_000 + SLOW_HANDSHAKE_MS - 1);
    assert.equal(w.size, 50);
    w.took(Infinity, 10_000 + SLOW_HANDSHAKE_MS + 1);
    assert.equal(w.size, 25);
  });

  it("never falls under its floor, nor under the cap when the cap is lower", () => {
    const w = new RampWindow(100);
    for (let i = 0; i < 20; i++) w.took(Infinity, i * (SLOW_HANDSHAKE_MS + 1));
    assert.equal(w.size, MIN_WINDOW);
    const small = new RampWindow(3);
    for (let i = 0; i < 20; i++) small.took(Infinity, i * (SLOW_HANDSHAKE_MS + 1));
    assert.equal(small.size, 3);
  });

  it("grows back by about one per window of fast handshakes, up to the cap", () => {
    const w = new RampWindow(100);
    w.took(Infinity, 0);
    assert.equal(w.size, 50);
    for (let i = 0; i < 50; i++) w.took(10, 1);
    assert.ok(w.size > 50.9 && w.size < 51.1, `after one window of fast handshakes: ${w.size}`);
    for (let i = 0; i < 100_000; i++) w.took(10, 1);
    assert.equal(w.size, 100);
  });

  it("keeps in flight no more than TARGET_WAIT_MS of the recent accept rate, so a slow server's queue stays short", () => {
    const w = new RampWindow(1_000);
    // Quick handshakes: the window only, from the first one (no slow start at the floor).
    assert.equal(w.allowed(0), 1_000);
    for (let i = 0; i < 200; i++) w.took(20, 10_000 + i * 10);
    assert.equal(w.allowed(12_000), 1_000);
    // 100 handshakes a second for 2 s, queued 0.9 s each: ~100 in flight is 1 s of queue.
    for (let i = 0; i < 200; i++) w.took(900, 20_000 + i * 10);
    const allowed = w.allowed(22_000);
    assert.ok(allowed >= 0.5 * 100 * TARGET_WAIT_MS / 1000 && allowed <= 100 * TARGET_WAIT_MS / 1000, `${allowed}`);
    // Quick again for longer than the rate's span: the window only.
    for (let i = 0; i < 20_000; i++) w.took(1, 30_000 + i / 10);
    assert.equal(w.allowed(32_500), 1_000);
  });
});
