import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { freePort, quietSpans } from "../server/free-port.ts";

test("port 0 picks outside the ephemeral range, where outgoing connections never take it", async () => {
  for (let i = 0; i < 20; i++) {
    const port = await freePort("127.0.0.1", [32768, 60999]);
    assert.ok(port >= 61000 || (port >= 10000 && port < 32768), `picked ${port}`);
  }
});

test("the spans outside the range, and none when the range takes every port", () => {
  assert.deepEqual(quietSpans([32768, 60999]), [[61000, 65535], [10000, 32767]]);
  assert.deepEqual(quietSpans([1024, 65535]), []);
  assert.deepEqual(quietSpans(undefined), []);
});

test("with no room outside the range it takes the kernel's pick, and the port is free", async () => {
  const port = await freePort("127.0.0.1", [1024, 65535]);
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  await new Promise((r) => server.close(r));
});

test("an address not on this machine is refused with the kernel's reason", async () => {
  await assert.rejects(freePort("192.0.2.1", [32768, 60999]), /EADDRNOTAVAIL/);
});
