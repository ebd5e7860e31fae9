/** The seed's WebSocket behaviour: greet with `Welcome!`, answer each text upper-cased. */
import type { WSEvents } from "hono/ws";
import { BINARY_REFUSED, MESSAGE_TOO_BIG, MESSAGE_TOO_BIG_APP } from "./close-codes.ts";
import type { Counters } from "./stats.ts";
import type { Closable, SocketRegistry } from "./socket-registry.ts";

export const WELCOME = "Welcome!";
/** WebSocket readyState OPEN (WHATWG); WSContext reports the runtime socket's. */
const OPEN = 1;

export interface EchoOptions {
  counters: Counters;
  registry: SocketRegistry;
  /** Largest accepted message, in bytes. */
  maxPayload: number;
}

/** UTF-8 length without allocating: one pass over the characters, no encoder, no buffer. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * One events object shared by every socket: the handlers keep no per-socket state, so a
 * socket costs the core one registry entry and nothing else. Nor do they keep the context past
 * their call (only `ws.raw`, the runtime's socket): an adapter may hand every event the same one.
 */
export function createEcho({ counters, registry, maxPayload }: EchoOptions): WSEvents {
  // A string of n UTF-16 units is at most 3n bytes: below this, no need to measure.
  const safeChars = Math.floor(maxPayload / 3);
  return {
    onOpen(_event, ws) {
      counters.opened();
      registry.add(ws.raw as Closable);
      ws.send(WELCOME);
      counters.messagesOut++;
      counters.bytesOut += WELCOME.length;
    },
    onMessage(event, ws) {
      counters.messagesIn++;
      // Closing (shutdown, or refused above): RFC 6455 says no more data frames. Deno throws
      // on such a send, and then drops the connection before its close frame reaches the peer.
      if (ws.readyState !== OPEN) return;
      const data = event.data;
      if (typeof data !== "string") {
        ws.close(BINARY_REFUSED, "binary messages are not accepted; send text");
        return;
      }
      const bytes = utf8Length(data);
      counters.bytesIn += bytes;
      if (data.length > safeChars && bytes > maxPayload) {
        counters.oversized++;
        ws.close(MESSAGE_TOO_BIG_APP, `message over ${maxPayload} bytes`);
        return;
      }
      const answer = data.toUpperCase();
      ws.send(answer);
      counters.messagesOut++;
      // Upper-casing may change the length (ß → SS): measured again only when it did.
      counters.bytesOut += answer.length === data.length ? bytes : utf8Length(answer);
    },
    onClose(event, ws) {
      // A runtime may report a close for a socket whose open never reached us.
      if (!registry.delete(ws.raw as Closable)) return;
      const code = (event as { code?: number } | undefined)?.code;
      // The runtime closed it for a message over its own limit (Node's ws, Bun): 1009.
      if (code === MESSAGE_TOO_BIG) counters.oversized++;
      counters.ended(code);
    },
  };
}
