/**
 * The lean client's transport on Bun's own TCP API (`Bun.connect`), picked on Bun by
 * client/socket.ts. Why not `node:net` there too: on Bun a `net.Socket` is a stream wrapper over
 * this same socket, and its stream state is most of what a lean socket costs the client
 * (docs/topics/lean-client.md). Here one set of handlers serves every socket
 * and a socket holds only this small object.
 */
import type { Connect, Transport, TransportOwner, TransportTarget } from "./transport.ts";

interface BunSocket {
  data: BunTransport;
  /** Bytes taken (fewer when the kernel's buffer is full: the rest waits for drain), -1 if closed. */
  write(data: Uint8Array): number;
  /** Flushes, then closes the socket whole. */
  end(): void;
  /** Half-closes: sends FIN, still reads. */
  shutdown(): void;
  terminate(): void;
  setNoDelay?(on: boolean): boolean;
}

interface BunConnectOptions {
  hostname: string;
  port: number;
  tls?: { rejectUnauthorized: boolean; serverName?: string };
  data: BunTransport;
  socket: typeof handlers;
}

const bun = (globalThis as unknown as { Bun: { connect(options: BunConnectOptions): Promise<BunSocket> } }).Bun;

const handlers = {
  open(socket: BunSocket) {
    socket.data.opened(socket);
  },
  // With this handler Bun calls open before the TLS handshake, and bytes written then are lost:
  // a TLS transport starts writing here. Without it, a refused certificate would close the
  // socket with no word of why.
  handshake(socket: BunSocket, success: boolean, error: Error | null) {
    socket.data.handshaken(socket, success, error);
  },
  data(socket: BunSocket, chunk: Buffer) {
    socket.data.owner.received(chunk);
  },
  drain(socket: BunSocket) {
    socket.data.flush();
  },
  end(socket: BunSocket) {
    socket.data.peerEnded();
  },
  error(socket: BunSocket, error: Error) {
    socket.data.owner.errored(error);
  },
  close(socket: BunSocket, error?: Error) {
    socket.data.gone(error);
  },
};

class BunTransport implements Transport {
  readonly owner: TransportOwner;
  #socket: BunSocket | null = null;
  /** Bytes not yet taken by the socket: written before it opened, or past a full buffer. */
  #queue: Uint8Array[] | null = null;
  /** Our side is to end (FIN) once the queue is out. */
  #ending = false;
  #peerEnded = false;
  #destroyed = false;
  #done = false;
  /** Over TLS, and then whether a certificate that does not verify fails the connection. */
  readonly #secure: boolean;
  readonly #rejectUnauthorized: boolean;

  constructor(target: TransportTarget, owner: TransportOwner) {
    this.owner = owner;
    this.#secure = target.secure;
    this.#rejectUnauthorized = target.rejectUnauthorized;
    bun.connect({
      hostname: target.host,
      port: target.port,
      ...(target.secure
        ? { tls: { rejectUnauthorized: target.rejectUnauthorized, serverName: target.servername } }
        : {}),
      data: this,
      socket: handlers,
    }).catch((error: Error) => this.gone(named(error, target))); // refused, unreachable: never opened
  }

  write(data: Uint8Array | string): void {
    if (this.#done || this.#destroyed) return;
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    if (this.#queue || !this.#socket) (this.#queue ??= []).push(bytes);
    else this.#send(bytes);
  }

  /** Writes `bytes`, queueing what the socket did not take. */
  #send(bytes: Uint8Array): boolean {
    const taken = this.#socket!.write(bytes);
    if (taken >= bytes.length) return true;
    if (taken < 0) return false; // closed: the close handler follows
    (this.#queue ??= []).unshift(bytes.subarray(taken));
    return false;
  }

  /** @internal The socket took all it could last time and has room again. */
  flush(): void {
    if (!this.#socket) return;
    const queue = this.#queue ?? [];
    this.#queue = null;
    for (let i = 0; i < queue.length; i++) {
      if (!this.#send(queue[i])) {
        // What is left of queue[i] went to the front of a new queue: the rest follow it.
        if (this.#queue) (this.#queue as Uint8Array[]).push(...queue.slice(i + 1));
        return;
      }
    }
    this.#finish();
  }

  /**
   * With nothing left to send: once both sides have ended, closes; if only ours is to end,
   * half-closes. Bun's `end()` closes the socket whole, where node:net's sends a FIN and goes on
   * reading, and the close handshake needs the latter: the peer's last bytes come after our FIN.
   */
  #finish(): void {
    if (this.#peerEnded) this.#socket!.end();
    else if (this.#ending) this.#socket!.shutdown();
  }

  end(): void {
    if (this.#done || this.#ending) return;
    this.#ending = true;
    if (this.#socket && !this.#queue) this.#finish();
  }

  /** @internal The peer ended its side: end ours, as node:net does when half-open sockets are not allowed. */
  peerEnded(): void {
    this.#peerEnded = true;
    if (this.#socket && !this.#queue) this.#finish();
  }

  destroy(): void {
    if (this.#done) return;
    this.#destroyed = true;
    this.#queue = null;
    this.#socket?.terminate();
  }

  /** @internal Connected; over TLS, the handshake comes next. */
  opened(socket: BunSocket): void {
    if (!this.#secure) this.#ready(socket);
  }

  /** @internal The TLS handshake is over: go on, or fail on a certificate that does not verify. */
  handshaken(socket: BunSocket, success: boolean, error: Error | null): void {
    if (!success && this.#rejectUnauthorized) {
      this.owner.errored(error ?? new Error("TLS handshake failed"));
      return socket.terminate();
    }
    this.#ready(socket);
  }

  #ready(socket: BunSocket): void {
    this.#socket = socket;
    if (this.#destroyed) return socket.terminate();
    socket.setNoDelay?.(true);
    this.flush();
  }

  /** @internal Closed, or never connected: tells the owner once. */
  gone(error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = null;
    if (error) this.owner.errored(error);
    this.owner.closed();
  }
}

/**
 * Bun says "Failed to connect" and keeps the cause in `code`; the client's failure reasons read
 * the message, so it names the cause as Node's does ("connect ECONNREFUSED 127.0.0.1:8080").
 */
function named(error: Error & { code?: string; syscall?: string }, target: TransportTarget): Error {
  if (!error.code || error.message.includes(error.code)) return error;
  const message = `${error.syscall ?? "connect"} ${error.code} ${target.host}:${target.port}`;
  return Object.assign(new Error(message, { cause: error }), { code: error.code });
}

export const connectBun: Connect = (target, owner) => new BunTransport(target, owner);
