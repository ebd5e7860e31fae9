// The ramp's window of handshakes in flight: halves on a slow or failed handshake, grows back
// by one per window of fast ones, never past the cap nor under its floor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIN_WINDOW, RampWindow, SLOW_HANDSHAKE_MS } from "../client/ramp-window.ts";

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
});
