// What connect-es puts on the wire, recorded by a plain Node HTTP server: proof that the
// interop tests exercise int64-as-string and chunked request bodies.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { createClient } from "@connectrpc/connect";

import { transport } from "../lib/clients.js";
import { loadRegistry, service } from "../lib/descriptors.js";

const summer = service(loadRegistry(), "summer");
let server;
let url;
const seen = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"sum":"3"}');
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test("connect-es over HTTP/1.1: chunked JSON body, int64 as strings", async () => {
  const t = transport(url, "1.1");
  const out = await createClient(summer, t.transport).sum({ a: 1n, b: 2n });
  assert.equal(out.sum, 3n);
  const [req] = seen;
  assert.equal(req.method, "POST");
  assert.equal(req.url, "/summer/sum");
  assert.equal(req.headers["content-type"], "application/json");
  assert.equal(req.headers["connect-protocol-version"], "1");
  assert.equal(req.headers["transfer-encoding"], "chunked");
  assert.equal(req.headers["content-length"], undefined);
  assert.deepEqual(JSON.parse(req.body), { a: "1", b: "2" });
});
