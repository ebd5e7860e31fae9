/**
 * Checks a WebSocket opening handshake (RFC 6455 §4.2.1) before any runtime sees it, so that
 * every runtime gives a malformed one the same clear answer. Measured without this: Deno
 * upgraded a request with `Sec-WebSocket-Version: 7` and answered one with no key with a 500;
 * Node said 400 and Bun 426 to both.
 */
import type { Context } from "hono";

const SUPPORTED_VERSION = "13";

/** The key is 16 random bytes in base64: 22 characters and "==". */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

const hasToken = (header: string | undefined, token: string) =>
  header?.toLowerCase().split(",").some((t) => t.trim() === token) ?? false;

/**
 * The answer that refuses a malformed handshake, or null when it may go on (also when it is no
 * upgrade at all: the route's own 426 answers that). A plain function, not middleware: each
 * handler on the route is one more step per accept, and accepts are the product.
 */
export function refuseHandshake(c: Context): Response | null {
  if (!hasToken(c.req.header("upgrade"), "websocket")) return null;
  const version = c.req.header("sec-websocket-version");
  if (version !== SUPPORTED_VERSION) {
    return c.text(
      `426 Upgrade Required: Sec-WebSocket-Version must be ${SUPPORTED_VERSION}, got ${version ?? "none"}\n`,
      426,
      { "Sec-WebSocket-Version": SUPPORTED_VERSION },
    );
  }
  const key = c.req.header("sec-websocket-key");
  if (!key || !KEY.test(key.trim())) {
    return c.text("400 Bad Request: Sec-WebSocket-Key must be 16 bytes in base64\n", 400);
  }
  if (!hasToken(c.req.header("connection"), "upgrade")) {
    return c.text("400 Bad Request: a WebSocket handshake needs Connection: Upgrade\n", 400);
  }
  return null;
}
