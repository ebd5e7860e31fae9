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
  /**
   * Set when this process cannot do what was asked and must run again under this command (Deno
   * reads "accept any certificate" only from its own command line).
   */
  relaunch?: string[];
}

/** Set in a relaunched Deno client: the flag is on, do not relaunch again. */
const INSECURE_ENV = "C512K_INSECURE";

/** `insecure`: accept any TLS certificate (--insecure). */
export async function pickWebSocket(insecure: boolean): Promise<SocketChoice> {
  const g = globalThis as unknown as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    WebSocket?: WebSocketConstructor;
  };
  const script = process.argv[1];
  if (g.Deno && g.WebSocket) {
    const flags = insecure ? ["run", "-A", "--unsafely-ignore-certificate-errors"] : ["run", "-A"];
    const selfCommand = [process.execPath, ...flags, script];
    const relaunch = insecure && process.env[INSECURE_ENV] !== "1" ? selfCommand : undefined;
    if (insecure) process.env[INSECURE_ENV] = "1";
    return {
      runtime: { name: "deno", version: g.Deno.version.deno },
      WebSocket: g.WebSocket,
      label: "Deno's WebSocket",
      selfCommand,
      relaunch,
    };
  }
  // Node's tls (under ws and undici) and Bun's fetch and WebSocket read this at connect time;
  // workers inherit it.
  if (insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  if (g.Bun && g.WebSocket) {
    return {
      runtime: { name: "bun", version: g.Bun.version },
      WebSocket: g.WebSocket,
      label: "Bun's WebSocket",
      selfCommand: [process.execPath, script],
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
