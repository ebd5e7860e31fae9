/**
 * Close codes the server uses, in one place so the client and the tests read the same numbers.
 *
 * Deno's WebSocket lets application code send only 1000 and 3000–4999 (as the WHATWG spec
 * says), so codes the app sends itself are 4xxx on every runtime; 1009 comes only from the
 * runtime's own frame parser (`ws` maxPayload, Bun maxPayloadLength), before it buffers.
 */

/** A binary message: this server echoes text only (RFC 6455's 1003, moved to the 4xxx range). */
export const BINARY_REFUSED = 4003;

/** A message over `--max-payload`, refused by the runtime before it is buffered (Node, Bun). */
export const MESSAGE_TOO_BIG = 1009;

/**
 * A message over `--max-payload` that reached the app: only on Deno, which has no limit
 * setting and buffers a message whole before the app sees it (see docs/server.md, "Message size").
 */
export const MESSAGE_TOO_BIG_APP = 4009;

/** The server is shutting down (SIGINT/SIGTERM). */
export const GOING_AWAY = 1001;
