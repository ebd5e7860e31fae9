/** When a worker near its open-file limit stops accepting, and when it starts again (every runtime's guard). */
import { openFileLimit } from "../system/limits.ts";

export interface AcceptBounds {
  /** Connections at which this process stops accepting. */
  high: number;
  /** Connections below which it accepts again. */
  low: number;
  /** How often a paused process looks again. */
  checkMs: number;
}

/** Bounds for a process that may open `limit` files: a few dozen are its own (stdio, IPC, epoll, listeners). */
export function acceptBounds(limit: number): AcceptBounds {
  const high = Math.max(1, limit - 64);
  return { high, low: Math.max(0, high - 64), checkMs: 500 };
}

/** The bounds for this process, from its own open-file limit. */
export function processAcceptBounds(): AcceptBounds {
  return acceptBounds(openFileLimit());
}
