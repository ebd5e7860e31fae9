/**
 * The client's one runtime picker: which WebSocket to use (the runtime's own, or `ws` on Node),
 * and how to start this same client file again under this runtime, as a worker.
 */
import process from "node:process";
import type { WebSocketConstructor } from "../src/scenario-contract.ts";

export interface SocketChoice {
  runtime: { name: string; version: string };
  WebSocket: WebSocketConstructor;
  /** What the client says it uses, e.g. "ws" or "Bun's WebSocket". */
  label: string;
  /** The command that runs this client file again under this runtime (then come its arguments). */
  selfCommand: string[];
}

export async function pickWebSocket(): Promise<SocketChoice> {
  const g = globalThis as unknown as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    WebSocket?: WebSocketConstructor;
  };
  const script = process.argv[1];
  if (g.Bun && g.WebSocket) {
    return {
      runtime: { name: "bun", version: g.Bun.version },
      WebSocket: g.WebSocket,
      label: "Bun's WebSocket",
      selfCommand: [process.execPath, script],
    };
  }
  if (g.Deno && g.WebSocket) {
    return {
      runtime: { name: "deno", version: g.Deno.version.deno },
      WebSocket: g.WebSocket,
      label: "Deno's WebSocket",
      selfCommand: [process.execPath, "run", "-A", script],
    };
  }
  // Node 20 has no global WebSocket; ws is bundled into dist/client.js. Compression off: the
  // server never negotiates it, and offering it costs a zlib context per socket in ws.
  const { WebSocket: WS } = await import("ws");
  class NodeWebSocket extends WS {
    constructor(url: string) {
      super(url, { perMessageDeflate: false });
    }
  }
  return {
    runtime: { name: "node", version: process.versions.node },
    WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
    label: "ws",
    selfCommand: [process.execPath, script],
  };
}
