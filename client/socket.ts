/** The client's one socket picker: the runtime's own WebSocket, or `ws` on Node. */
import process from "node:process";
import type { WebSocketConstructor } from "../src/scenario-contract.ts";

export interface SocketChoice {
  runtime: { name: string; version: string };
  WebSocket: WebSocketConstructor;
  /** What the client says it uses, e.g. "ws 8" or "Bun's global WebSocket". */
  label: string;
}

export async function pickWebSocket(): Promise<SocketChoice> {
  const g = globalThis as unknown as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    WebSocket?: WebSocketConstructor;
  };
  if (g.Bun && g.WebSocket) {
    return { runtime: { name: "bun", version: g.Bun.version }, WebSocket: g.WebSocket, label: "Bun's WebSocket" };
  }
  if (g.Deno && g.WebSocket) {
    return {
      runtime: { name: "deno", version: g.Deno.version.deno },
      WebSocket: g.WebSocket,
      label: "Deno's WebSocket",
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
  };
}
