/** Runs the scenario in this process, until it ends, `duration` passes, or `stop` is aborted. */
import type { Scenario, WebSocketConstructor } from "./scenario-contract.ts";
import type { ClientOptions } from "./options.ts";
import { ClientRecorder } from "./recorder.ts";

/**
 * Once stopped, a scenario gets this long to end: the seed needs at most 25 s (up to 20 s for
 * answers in flight on a slow machine, 5 s for close handshakes), plus the time to close its
 * sockets, which on a loaded machine is not small: at 508,000 sockets on 2 cores, 32 of 33
 * client workers (~15,400 sockets each) took over 15 s (docs/experiment.md, "How the client paces itself"). Hence 2 ms
 * more per socket. One that takes longer is left behind, and reported.
 */
export const STOP_GRACE_MS = 30_000;
const STOP_GRACE_PER_SOCKET_MS = 2;

/** How long a scenario of `connections` sockets gets to end once stopped. */
export const stopGraceMs = (connections: number) => STOP_GRACE_MS + connections * STOP_GRACE_PER_SOCKET_MS;

export async function runLocal(
  run: Scenario,
  WebSocket: WebSocketConstructor,
  options: ClientOptions,
  stop: AbortController,
  /** Called with the recorder before the run starts, for live progress. */
  onStart: (recorder: ClientRecorder) => void = () => {},
  /** Aborted (with a why) to end the ramp and hold what is open. */
  hold?: AbortSignal,
): Promise<ClientRecorder> {
  const recorder = new ClientRecorder(options.connections);
  onStart(recorder);
  const timer = options.duration > 0 ? setTimeout(() => stop.abort(), options.duration * 1000) : undefined;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const graceMs = stopGraceMs(options.connections);
  const overran = new Promise<"overran">((resolve) => {
    const arm = () => (grace = setTimeout(() => resolve("overran"), graceMs));
    if (stop.signal.aborted) arm();
    else stop.signal.addEventListener("abort", arm, { once: true });
  });
  const say = (why: string) => {
    console.error(`c512k client: ${why}`);
    recorder.failed(why);
  };
  try {
    const ended = await Promise.race([
      run({
        options: {
          urls: options.urls,
          connections: options.connections,
          rate: options.rate,
          maxPending: options.maxPending,
          interval: options.interval,
          messages: options.messages,
          reconnect: options.reconnect,
          handshakeTimeout: options.handshakeTimeout,
        },
        WebSocket,
        recorder,
        signal: stop.signal,
        ...(hold ? { hold } : {}),
      }),
      overran,
    ]);
    if (ended === "overran") say(`scenario did not end within ${graceMs / 1000} s of being stopped; left it`);
  } catch (err) {
    say(`scenario threw: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
  }
  return recorder;
}
