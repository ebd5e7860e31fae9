/** Node's lazy upgrade Request answers as the real one built from the same IncomingMessage would. */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { before, describe, it } from "node:test";
import { upgradeRequest } from "../adapters/_node/upgrade-request.ts";

/** One real upgrade's IncomingMessage, sent with `headers` as raw pairs (so a name may repeat). */
function upgradeWith(headers: [string, string][]): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("upgrade", (incoming: IncomingMessage, socket: Duplex) => {
      resolve(incoming);
      socket.destroy();
      server.close();
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      const req = httpRequest({ port, path: "/ws?x=1", agent: false, headers: headers.flat() as never });
      req.on("error", () => {}); // the server ends it once it has the request
      req.end();
    });
    server.on("error", reject);
  });
}

describe("the Node adapter's upgrade Request", () => {
  let incoming: IncomingMessage;
  let lazy: Request;
  let real: Request;
  before(async () => {
    incoming = await upgradeWith([
      ["Upgrade", "websocket"],
      ["Connection", "Upgrade"],
      ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
      ["X-Twice", "a"],
      ["X-Twice", "b"],
      ["Set-Cookie", "a=1"], // the one name Node keeps as a list
      ["Set-Cookie", "b=2"],
    ]);
    const url = `http://${incoming.headers.host}${incoming.url}`;
    lazy = upgradeRequest(incoming, url);
    const headers = new Headers();
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
      headers.append(incoming.rawHeaders[i], incoming.rawHeaders[i + 1]);
    }
    real = new Request(url, { method: incoming.method, headers });
  });

  it("is a Request, with the method, URL and header values of a real one", () => {
    assert.ok(lazy instanceof Request);
    assert.equal(lazy.method, real.method);
    assert.equal(lazy.url, real.url);
    for (const name of ["upgrade", "Connection", "SEC-WEBSOCKET-KEY", "x-twice", "set-cookie", "x-missing"]) {
      assert.equal(lazy.headers.get(name), real.headers.get(name), name);
      assert.equal(lazy.headers.has(name), real.headers.has(name), name);
    }
  });

  it("builds the real object for anything else: every header listed, a signal, a clone", () => {
    assert.deepEqual([...lazy.headers.entries()], [...real.headers.entries()]);
    assert.ok(lazy.signal instanceof AbortSignal);
    assert.equal(lazy.signal.aborted, false);
    assert.equal(lazy.clone().url, real.url);
    assert.equal(lazy.bodyUsed, false);
    assert.equal(Object.prototype.toString.call(lazy), "[object Request]");
  });
});
