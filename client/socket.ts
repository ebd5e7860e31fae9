/**
 * The client's one runtime picker: which WebSocket to use (the runtime's own, or `ws` on Node),
 * and how to start this same client file again under this runtime, as a worker.
 */
import process from "node:process";
import type { WebSocketConstructor } from "./scenario-contract.ts";
import { LeanWebSocket } from "./lean-websocket.ts";
import { connectBun } from "./transport-bun.ts";
import type { WebSocketKind } from "./options.ts";

export interface SocketChoice {
  runtime: { name: string; version: string };
  WebSocket: WebSocketConstructor;
  /** What the client says it uses, e.g. "ws" or "Bun's WebSocket". */
  label: string;
  /** The command that runs this client file again under this runtime (then come its arguments). */
  selfCommand: string[];
  /**
   * Set when this process cannot do what was asked and must run again under this command (Deno
   * reads "accept any certificate" only from its own command line).
   */
  relaunch?: string[];
}

/** Set in a relaunched Deno client: the flag is on, do not relaunch again. */
const INSECURE_ENV = "C512K_INSECURE";

/** `insecure`: accept any TLS certificate (--insecure). `kind`: the runtime's client or ours. */
export async function pickWebSocket(insecure: boolean, kind: WebSocketKind = "runtime"): Promise<SocketChoice> {
  const g = globalThis as unknown as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    WebSocket?: WebSocketConstructor;
  };
  const script = process.argv[1];
  const lean = kind === "lean";
  // Node's tls (under ws, undici and the lean client) and Bun's fetch and WebSocket read this at
  // connect time; workers inherit it.
  if (insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  if (g.Deno && g.WebSocket) {
    // Even with the lean client, which takes rejectUnauthorized itself: the scenario's fetch is Deno's.
    const flags = insecure ? ["run", "-A", "--unsafely-ignore-certificate-errors"] : ["run", "-A"];
    const selfCommand = [process.execPath, ...flags, script];
    const relaunch = insecure && process.env[INSECURE_ENV] !== "1" ? selfCommand : undefined;
    if (insecure) process.env[INSECURE_ENV] = "1";
    return {
      runtime: { name: "deno", version: g.Deno.version.deno },
      ...(lean ? leanWebSocket() : { WebSocket: g.WebSocket, label: "Deno's WebSocket" }),
      selfCommand,
      relaunch,
    };
  }
  if (g.Bun && g.WebSocket) {
    return {
      runtime: { name: "bun", version: g.Bun.version },
      ...(lean ? leanWebSocket() : { WebSocket: g.WebSocket, label: "Bun's WebSocket" }),
      selfCommand: [process.execPath, script],
    };
  }
  const runtime = { name: "node", version: process.versions.node };
  if (lean) return { runtime, ...leanWebSocket(), selfCommand: [process.execPath, script] };
  // Node 20 has no global WebSocket; ws is bundled into dist/client.js. Compression off: the
  // server never negotiates it, and offering it costs a zlib context per socket in ws.
  const { WebSocket: WS } = await import("ws");
  class NodeWebSocket extends WS {
    constructor(url: string) {
      super(url, { perMessageDeflate: false });
    }
  }
  return {
    runtime,
    WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
    label: "ws",
    selfCommand: [process.execPath, script],
  };
}

/**
 * Our own client (--websocket lean) on this runtime's leanest byte stream: Bun's own sockets on
 * Bun (a `net.Socket` there is a stream wrapper over one), `node:net` elsewhere.
 */
export function leanWebSocket(): { WebSocket: typeof LeanWebSocket; label: string } {
  if ("Bun" in globalThis) {
    class BunLeanWebSocket extends LeanWebSocket {
      constructor(url: string) {
        super(url, connectBun);
      }
    }
    return { WebSocket: BunLeanWebSocket, label: "lean (Bun.connect)" };
  }
  return { WebSocket: LeanWebSocket, label: "lean (node:net)" };
}
