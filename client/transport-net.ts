/** The lean client's transport on `node:net` and `node:tls`, which Node, Deno and Bun all have. */
import net from "node:net";
import tls from "node:tls";
import type { Connect, TransportOwner } from "./transport.ts";

/** The socket's owner, so that one set of listeners serves every socket (no closures per socket). */
const OWNER = Symbol("transport-owner");
type Owned = net.Socket & { [OWNER]: TransportOwner };

export const connectNet: Connect = (target, owner) => {
  const { host, port } = target;
  const socket =
    (target.secure
      ? tls.connect({ host, port, servername: target.servername, rejectUnauthorized: target.rejectUnauthorized })
      : net.connect({ host, port })) as Owned;
  socket[OWNER] = owner;
  socket.setNoDelay(true);
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  return socket;
};

function onData(this: Owned, chunk: Buffer): void {
  this[OWNER].received(chunk);
}
function onError(this: Owned, error: Error): void {
  this[OWNER].errored(error);
}
function onClose(this: Owned): void {
  this[OWNER].closed();
}
