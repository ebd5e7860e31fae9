/**
 * What a scenario module (served at `GET /scenario`) is handed by the client, and must export.
 * Shared by the server's default scenario, any operator's `--scenario FILE`, and the client.
 */

export interface ScenarioOptions {
  /**
   * The WebSocket endpoints, e.g. `ws://127.0.0.1:8080/ws`; socket i goes to `urls[i % length]`.
   * Several, because one source address reaches only ~28K sockets on one server ip:port.
   */
  urls: string[];
  /** Sockets to open. */
  connections: number;
  /** Connections opened per second during the ramp. */
  rate: number;
  /**
   * Handshakes in flight at most: the ramp waits below this, so it never offers connections
   * faster than the server takes them (an overrun fills accept queues and fails connects).
   */
  maxPending: number;
  /** Seconds between one socket's messages (jittered ±10% by the seed scenario). */
  interval: number;
  /** Messages each socket sends before it is done; 0 = until stopped. */
  messages: number;
  /** Open a socket again, with backoff, when the server or the network closes it. */
  reconnect: boolean;
  /** Seconds a handshake may take before the attempt counts as failed ("handshake timeout"). */
  handshakeTimeout: number;
}

/** The part of the WHATWG WebSocket that scenarios use; `ws` and every runtime's global fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

import type { RampState } from "./ramp-gate.ts";

/** The client's counters and histograms; the scenario reports every event to it. */
export interface Recorder {
  /** A connection attempt started. */
  connecting(): void;
  /** The handshake finished after `ms`. */
  opened(ms: number): void;
  /** An opened socket has closed, for any reason. */
  closed(): void;
  /**
   * A socket failed to open, or was lost for good: dropped without `reconnect`, or not reopened
   * by the end. The runtime's message is fine: the recorder groups it by cause. `afterMs`: for
   * a connect, how long after it began it failed (a cause that always strikes at one age is a timer).
   */
  failed(reason: string, afterMs?: number): void;
  /**
   * An open socket closed without the scenario asking (the server, the network). A 1001 is the
   * server going away: not a failure, and a message then in flight (`inFlight`) is not lost.
   */
  dropped(code: number, reason: string, inFlight: boolean): void;
  /** A dropped socket is open again (`reconnect`), its handshake having taken `ms`. */
  reconnected(ms: number): void;
  /** An attempt to reopen a dropped socket failed; the scenario will try again. */
  retrying(reason: string): void;
  sent(): void;
  /** The right answer arrived `ms` after its message was sent. */
  answered(ms: number): void;
  /** A wrong answer to a message we sent. */
  mismatched(expected: string, got: unknown): void;
  /** A message that answers nothing we sent (or a wrong greeting). */
  unexpected(expected: string, got: unknown): void;
  /**
   * The ramp paused, resumed, ended complete ("done"), or stopped for good short of the count
   * ("held": the machine holds no more), and why, with the figures that made it.
   */
  ramp(state: RampState, why: string): void;
}

export interface ScenarioContext {
  options: ScenarioOptions;
  WebSocket: WebSocketConstructor;
  recorder: Recorder;
  /** Aborted on `--duration` or SIGINT: stop sending, collect answers in flight, close. */
  signal: AbortSignal;
  /**
   * Aborted when the ramp is ended from outside (the run's hold, SIGUSR2), its `reason` a string
   * saying why: open no more sockets, keep those open and their traffic, report the ramp "held".
   * Optional: a scenario that ignores it ramps on.
   */
  hold?: AbortSignal;
}

/** A scenario module's default export; it resolves when every socket it opened has closed. */
export type Scenario = (context: ScenarioContext) => Promise<void>;
