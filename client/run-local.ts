/** Runs the scenario in this process, until it ends, `duration` passes, or `stop` is aborted. */
import type { Scenario, WebSocketConstructor } from "../src/scenario-contract.ts";
import type { ClientOptions } from "./options.ts";
import { ClientRecorder } from "./recorder.ts";

export async function runLocal(
  run: Scenario,
  WebSocket: WebSocketConstructor,
  options: ClientOptions,
  stop: AbortController,
  /** Called with the recorder before the run starts, for live progress. */
  onStart: (recorder: ClientRecorder) => void = () => {},
): Promise<ClientRecorder> {
  const recorder = new ClientRecorder(options.connections);
  onStart(recorder);
  const timer = options.duration > 0 ? setTimeout(() => stop.abort(), options.duration * 1000) : undefined;
  try {
    await run({
      options: {
        urls: options.urls,
        connections: options.connections,
        rate: options.rate,
        maxPending: options.maxPending,
        interval: options.interval,
        messages: options.messages,
      },
      WebSocket,
      recorder,
      signal: stop.signal,
    });
  } catch (err) {
    recorder.failed(`scenario threw: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return recorder;
}
