/**
 * The seed's scenario, served by default at `GET /scenario`: open `connections` sockets at
 * `rate`/s; each waits for `Welcome!`, then sends a random 30-character string about every
 * `interval` seconds and checks that the answer is the same string upper-cased.
 *
 * "Every `interval`" counts from the last send, not from its answer: a socket's period does not
 * stretch by its round trip, so a loaded server is offered the seed's rate, not less (at
 * 1,000,000 sockets the round trip, p50 1.6 s, and rounding up to the send tick had cut the
 * load offered by ~8%: an overload seen as a lower rate). One message in flight per socket: an
 * answer later than the next send's due time sends that one at once, and the schedule goes on
 * from then (no debt, no burst).
 *
 * Bundled by the server into one module: it may import types, and small pure modules with no
 * runtime's API (ramp-window.ts, ramp-gate.ts).
 */
import type { ScenarioContext, WebSocketLike } from "./scenario-contract.ts";
import { RampWindow } from "./ramp-window.ts";
import { RampGate, type RampState } from "./ramp-gate.ts";

const WELCOME = "Welcome!";
/** The server is going away (shutting down): RFC 6455's 1001. Not a failure. */
const GOING_AWAY = 1001;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 ";
const MESSAGE_LENGTH = 30;
/** How long the end waits for close handshakes, and at least for answers in flight. */
const GRACE_MS = 5_000;
/**
 * The end waits for answers in flight twice the slowest round trip seen, up to this long: at
 * 512,000 sockets on 2 cores the round trip p99 was 6.4 s, and a 5 s wait left 470 answers
 * uncounted (docs/experiment.md, "How the client paces itself"). run-local.ts's STOP_GRACE_MS covers it.
 */
const ANSWER_GRACE_MAX_MS = 20_000;
/**
 * Ramp tick. Not finer: with 33 client processes on 2 cores, 10 ms ticks were 3,300 wake-ups a
 * second, and a task switch is the dearest thing on such a machine (docs/experiment.md, "How the client paces itself").
 */
const TICK_MS = 100;
/**
 * Sends are grouped on ticks of a timing wheel, not one timer per socket: a burst per tick lets
 * client and server handle many sockets per wake-up. One timer per socket made every message
 * a wake-up of its own, which cost several times the echo itself at 33 processes a side
 * (BENCHMARKS.md, "Echo cost"). A tick is a tenth of the interval, at most 1 s.
 */
const MAX_SEND_TICK_MS = 1_000;
/** Reconnect backoff: the first wait, doubling to the cap, each jittered ±50%. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** How often handshakes that take too long are looked for: one timer, not one per socket. */
const HANDSHAKE_SWEEP_MS = 250;

function randomText(): string {
  let s = "";
  for (let i = 0; i < MESSAGE_LENGTH; i++) s += ALPHABET[(Math.random() * ALPHABET.length) | 0];
  return s;
}

interface Peer {
  /** Which socket of the scenario: it keeps its endpoint across reconnects. */
  index: number;
  ws: WebSocketLike;
  connectStart: number;
  isOpen: boolean;
  /** Has been open before: this handshake is a reconnect. */
  reopening: boolean;
  /** Failed reconnect attempts in a row, for the backoff. */
  attempts: number;
  welcomed: boolean;
  /** We started the close: a close is then not a drop. */
  closing: boolean;
  /** The upper-cased text we wait for, or null when nothing is in flight. */
  expected: string | null;
  sentAt: number;
  sent: number;
  /** The wheel tick its next message is due on. */
  due: number;
  error: string | undefined;
  /** Will do nothing more: sent all its messages, or closed for good. */
  finished: boolean;
}

export default async function seed({ options, WebSocket, recorder, signal, hold }: ScenarioContext): Promise<void> {
  const { urls, connections, rate, messages, maxPending } = options;
  const intervalMs = options.interval * 1000;
  const peers = new Set<Peer>();
  let started = 0;
  let pending = 0;
  const rampWindow = new RampWindow(maxPending);
  const gate = new RampGate(intervalMs);
  let finishedCount = 0;
  let inFlight = 0;
  let slowestAnswer = 0;
  let stopping = false;
  let wake: () => void = () => {};
  const changed = () => wake();
  const until = (ready: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      const timeout = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timeout);
        wake = () => {};
        resolve();
      }
      wake = () => ready() && finish();
      wake();
    });

  const finish = (peer: Peer) => {
    if (peer.finished) return;
    peer.finished = true;
    finishedCount++;
  };

  // The wheel: tick number → the peers due then. (Aligning every process's ticks to the wall
  // clock was tried: no CPU saved at 7+7 workers, and the round trip p50 went 13 → 72 ms.)
  const sendTick = Math.min(MAX_SEND_TICK_MS, Math.max(1, intervalMs / 10));
  const wheel = new Map<number, Peer[]>();
  let nextTick = Math.floor(performance.now() / sendTick);
  const intervalTicks = intervalMs / sendTick;
  const scheduleAt = (peer: Peer, tick: number) => {
    const at = Math.max(nextTick, tick);
    peer.due = at;
    const bucket = wheel.get(at);
    if (bucket) bucket.push(peer);
    else wheel.set(at, [peer]);
  };
  const schedule = (peer: Peer, delay: number) => scheduleAt(peer, Math.ceil((performance.now() + delay) / sendTick));
  /** The next message is due an interval (±10%) after the tick the last one was due on. */
  const scheduleNext = (peer: Peer) =>
    scheduleAt(peer, peer.due + Math.max(1, Math.round(intervalTicks * (0.9 + 0.2 * Math.random()))));
  const sender = setInterval(() => {
    const now = Math.floor(performance.now() / sendTick);
    for (; nextTick <= now; nextTick++) {
      const due = wheel.get(nextTick);
      if (!due) continue;
      wheel.delete(nextTick);
      // A peer rescheduled since (it reconnected) is due at its new tick only.
      for (const peer of due) if (peer.due === nextTick) send(peer);
    }
  }, sendTick);

  const send = (peer: Peer) => {
    if (stopping || peer.finished || !peer.isOpen) return;
    const text = randomText();
    peer.expected = text.toUpperCase();
    peer.sentAt = performance.now();
    peer.sent++;
    inFlight++;
    peer.ws.send(text);
    recorder.sent();
  };

  const handshakeMs = options.handshakeTimeout * 1000;
  const connecting = new Set<Peer>();
  const waiting = new Map<Peer, ReturnType<typeof setTimeout>>();
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const peer of connecting) {
      if (now - peer.connectStart < handshakeMs) continue;
      connecting.delete(peer);
      peer.error = `handshake timeout (${options.handshakeTimeout} s)`;
      peer.ws.close();
    }
  }, HANDSHAKE_SWEEP_MS);

  const reopenLater = (peer: Peer) => {
    const wait = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** peer.attempts) * (0.5 + Math.random());
    waiting.set(
      peer,
      setTimeout(() => {
        waiting.delete(peer);
        connect(peer);
      }, wait),
    );
  };

  const connect = (peer: Peer) => {
    peer.connectStart = performance.now();
    peer.isOpen = false;
    peer.welcomed = false;
    peer.error = undefined;
    if (!peer.reopening) recorder.connecting();
    const ws = new WebSocket(urls[peer.index % urls.length]);
    peer.ws = ws;
    pending++;
    connecting.add(peer);
    ws.onopen = () => {
      pending--;
      connecting.delete(peer);
      peer.isOpen = true;
      peer.attempts = 0;
      const now = performance.now();
      const ms = now - peer.connectStart;
      rampWindow.took(ms, now);
      gate.handshake(ms, now);
      if (peer.reopening) recorder.reconnected(ms);
      else recorder.opened(ms);
      peer.reopening = true;
    };
    ws.onerror = (event) => {
      const e = event as { message?: string; error?: { message?: string } };
      // A handshake timeout closes the socket, which then reports an error of its own.
      if (peer.error === undefined) peer.error = e.message || e.error?.message || undefined;
    };
    ws.onmessage = ({ data }) => {
      if (!peer.welcomed) {
        peer.welcomed = true;
        if (data !== WELCOME) recorder.unexpected(WELCOME, data);
        // Spread the first messages over one interval, as independent users would.
        schedule(peer, Math.random() * intervalMs);
        return;
      }
      if (peer.expected === null) {
        recorder.unexpected("(no message in flight)", data);
        return;
      }
      const now = performance.now();
      const rtt = now - peer.sentAt;
      gate.answer(rtt, now);
      if (rtt > slowestAnswer) slowestAnswer = rtt;
      if (data === peer.expected) recorder.answered(rtt);
      else recorder.mismatched(peer.expected, data);
      peer.expected = null;
      inFlight--;
      if (messages > 0 && peer.sent >= messages) {
        finish(peer);
      } else {
        scheduleNext(peer);
      }
      changed();
    };
    ws.onclose = ({ code, reason }) => {
      connecting.delete(peer);
      if (ws !== peer.ws) return;
      const wasOpen = peer.isOpen;
      const inFlightHere = peer.expected !== null;
      peer.isOpen = false;
      if (!wasOpen) pending--;
      // A handshake that failed counts as a slow one: the server may be shedding load.
      if (!wasOpen && !peer.closing) {
        const now = performance.now();
        rampWindow.took(Infinity, now);
        gate.handshake(now - peer.connectStart, now);
      }
      if (inFlightHere) {
        inFlight--;
        peer.expected = null;
      }
      if (wasOpen) recorder.closed();
      // A connect we abandoned at the end is neither opened nor failed.
      if (peer.closing) return end(peer);
      if (wasOpen) recorder.dropped(code, reason, inFlightHere);
      const why = wasOpen
        ? `dropped: close ${code}${reason ? ` ${reason}` : ""}`
        : `connect: ${peer.error ?? `closed ${code}`}`;
      // Reconnecting reopens sockets that were open; a first connect that fails stays failed.
      if (options.reconnect && !stopping && !peer.finished && (wasOpen || peer.reopening)) {
        if (!wasOpen) {
          recorder.retrying(why);
          peer.attempts++;
        }
        return reopenLater(peer);
      }
      // A connect that failed says how long it had been trying (its age names whose timer struck).
      const age = wasOpen ? undefined : performance.now() - peer.connectStart;
      if (!wasOpen || code !== GOING_AWAY) recorder.failed(why, age);
      end(peer);
    };
  };

  /** The peer is done with for good. */
  const end = (peer: Peer) => {
    peers.delete(peer);
    finish(peer);
    changed();
  };

  const open = (index: number) => {
    const peer: Peer = {
      index,
      ws: null as unknown as WebSocketLike,
      connectStart: 0,
      isOpen: false,
      reopening: false,
      attempts: 0,
      welcomed: false,
      closing: false,
      expected: null,
      sentAt: 0,
      sent: 0,
      due: -1,
      error: undefined,
      finished: false,
    };
    peers.add(peer);
    connect(peer);
  };

  // Ramp: at most `rate` opens a second, at most `rampWindow.allowed()` handshakes in flight, and
  // none while the gate says the machine's queues are deep. A tick's allowance does not pile up
  // while the server is slow: no burst when it catches up.
  let allowance = 1;
  let rampState: RampState = "ramping";
  // The next ramp tick reports it and stops the ramp, as when the gate holds by itself.
  const holdFromOutside = () =>
    gate.hold(typeof hold?.reason === "string" ? hold.reason : "told to hold from outside", performance.now());
  if (hold?.aborted) holdFromOutside();
  else hold?.addEventListener("abort", holdFromOutside, { once: true });
  const ramp = setInterval(() => {
    const now = performance.now();
    // `connecting` keeps insertion order: its first peer has waited longest.
    const oldest = connecting.values().next().value;
    const state = gate.check(now, oldest ? now - oldest.connectStart : 0);
    if (state !== rampState) recorder.ramp(rampState = state, gate.why);
    if (state === "held") return clearInterval(ramp);
    const perTick = (rate * gate.rateShare * TICK_MS) / 1000;
    allowance = Math.min(allowance + perTick, Math.max(1, perTick));
    while (
      state === "ramping" && allowance >= 1 && started < connections && pending < rampWindow.allowed(now) && !stopping
    ) {
      allowance--;
      open(started++);
    }
    if (started >= connections) {
      clearInterval(ramp);
      gate.complete();
      recorder.ramp("done", "");
    }
  }, TICK_MS);

  // Run until stopped, or until every socket started (all, or all before the ramp held) has sent
  // its messages or ended.
  const finished = () => (started === connections || rampState === "held") && finishedCount >= started;
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
    wake = () => finished() && resolve();
  });

  stopping = true;
  clearInterval(ramp);
  clearInterval(sender);
  wheel.clear();
  for (const [peer, timer] of waiting) {
    clearTimeout(timer);
    recorder.failed("dropped: not reconnected by the end");
    end(peer);
  }
  waiting.clear();
  await until(() => inFlight === 0, Math.min(ANSWER_GRACE_MAX_MS, Math.max(GRACE_MS, 2 * slowestAnswer)));
  for (const peer of peers) {
    peer.closing = true;
    peer.ws.close(1000, "scenario done");
  }
  await until(() => peers.size === 0, GRACE_MS);
  clearInterval(sweeper);
}
