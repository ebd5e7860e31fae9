/**
 * The byte stream under the lean WebSocket client: what it needs of the runtime's TCP or TLS
 * socket, so that each runtime can give it its leanest one (client/socket.ts picks).
 */

/** Where to connect. */
export interface TransportTarget {
  host: string;
  port: number;
  secure: boolean;
  /** For TLS: the name to check the certificate against (none for an IP address). */
  servername?: string;
  /** For TLS: refuse a certificate that does not verify (off with --insecure). */
  rejectUnauthorized: boolean;
}

/** What a transport tells its socket's owner, in this order: bytes, an error, then closed once. */
export interface TransportOwner {
  received(chunk: Buffer): void;
  errored(error: Error): void;
  closed(): void;
}

/** A connected (or connecting) byte stream. Writes before the connection opens are queued. */
export interface Transport {
  write(data: Uint8Array | string): void;
  /** Sends what is queued, then ends our side; the peer's end closes the stream. */
  end(): void;
  /** Closes at once, dropping what is queued. */
  destroy(): void;
}

export type Connect = (target: TransportTarget, owner: TransportOwner) => Transport;
