/**
 * One name per cause, whatever the runtime's words: ws says "connect ECONNREFUSED 127.0.0.1:9"
 * and "Unexpected server response: 503"; Bun "WebSocket connection to 'ws://…' failed: Expected
 * 101 status code: 503"; Deno "NetworkError: failed to connect to WebSocket: Invalid status
 * code: 503" and "… (os error 24)". Counting by cause needs the same key for the same cause.
 */

/** Linux errno numbers that Deno reports as "os error N". */
const OS_ERRORS: Record<string, string> = {
  "24": "EMFILE",
  "99": "EADDRNOTAVAIL",
  "104": "ECONNRESET",
  "110": "ETIMEDOUT",
  "111": "ECONNREFUSED",
};

export function failureReason(raw: string): string {
  const status = raw.match(/(?:server response|status code|status):? (\d{3})\b/i);
  if (status) return `HTTP ${status[1]}`;
  const errno = raw.match(/\b(E[A-Z]{4,})\b/);
  if (errno) return errno[1];
  const os = raw.match(/os error (\d+)/);
  if (os) return OS_ERRORS[os[1]] ?? `os error ${os[1]}`;
  // Otherwise the runtime's own words, without the URL (which would make every socket a key).
  return raw
    .replace(/^(NetworkError: )?failed to connect to WebSocket: /i, "")
    .replace(/^WebSocket connection to '[^']*' failed: /i, "")
    .replace(URL_IN_TEXT, "")
    .trim() || "no reason given";
}

/** A ws(s):// URL in a runtime's message, which would make every socket a key of its own. */
const URL_IN_TEXT = /\s*(to )?'?wss?:\/\/[^\s']*'?/g;

export const withoutUrls = (text: string): string => text.replace(URL_IN_TEXT, "");
