// connect-es (JSON codec) against the Rust, Go and PHP summer servers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Code, createClient } from "@connectrpc/connect";
import { compressionGzip } from "@connectrpc/connect-node";

import {
  codes,
  connectError,
  emitZeros,
  transport,
} from "../lib/clients.js";
import { loadRegistry, service } from "../lib/descriptors.js";
import { binaries, httpVersions, selected, startServer } from "../lib/servers.js";

const registry = loadRegistry();
const summer = service(registry, "summer");

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

const servers = [
  {
    name: "rust",
    bin: binaries.summerRust,
    // examples/summer/rust/src/lib.rs: checked_add, else Error::out_of_range.
    overflow: { error: codes.out_of_range, message: "the sum does not fit in 64 bits" },
  },
  {
    name: "go",
    bin: binaries.summerGo,
    // examples/summer/go/cmd/server/main.go: the same check as the Rust server.
    overflow: { error: codes.out_of_range, message: "the sum does not fit in 64 bits" },
  },
  {
    name: "php",
    bin: binaries.summerPhp,
    // examples/summer/php/src/Adder.php: PHP's int overflows to a float, which it checks.
    overflow: { error: codes.out_of_range, message: "the sum does not fit in 64 bits" },
  },
].filter((s) => selected(s.name));

for (const s of servers) {
  describe(`summer (${s.name} server)`, () => {
    let server;
    const transports = [];
    const client = (httpVersion, extra) => {
      const t = transport(server.url, httpVersion, extra);
      transports.push(t);
      return createClient(summer, t.transport);
    };

    before(async () => {
      server = await startServer(s.bin);
    });
    after(async () => {
      for (const t of transports) t.close();
      await server?.stop();
    });

    for (const httpVersion of httpVersions(s.name)) {
      describe(`HTTP/${httpVersion}`, () => {
        test("sum(1, 2) = 3 (int64 sent as JSON strings)", async () => {
          const out = await client(httpVersion).sum({ a: 1n, b: 2n });
          assert.equal(out.sum, 3n);
          assert.equal(out.info, undefined);
        });

        test("negative values", async () => {
          const out = await client(httpVersion).sum({ a: -40n, b: -2n });
          assert.equal(out.sum, -42n);
        });

        test("gzip-compressed request body", async () => {
          const c = client(httpVersion, {
            sendCompression: compressionGzip,
            compressMinBytes: 0,
          });
          const out = await c.sum({ a: 20n, b: 22n });
          assert.equal(out.sum, 42n);
        });

        test("connect-es's default JSON omits zero values; brief rejects the field as missing", async () => {
          // proto3 JSON leaves out b = 0; brief fields without `?` are required.
          const err = await connectError(() => client(httpVersion).sum({ a: 5n, b: 0n }));
          assert.equal(err.code, Code.InvalidArgument);
          assert.match(err.rawMessage, /\bb\b/);
          // With alwaysEmitImplicit the zero is written and accepted.
          const out = await client(httpVersion, emitZeros).sum({ a: 5n, b: 0n });
          assert.equal(out.sum, 5n);
        });

        // brief writes `int` as a JSON number (language.md's table), so the server's answer
        // is exact, but a JavaScript client reading it with JSON.parse keeps only 53 bits:
        // docs/protocol.md says so. What the server owes is checked on the bytes.
        test("int64 beyond 2^53: sent as strings, decoded exactly, answered with the exact number", async () => {
          for (const [a, b, sum] of [
            ["9007199254740993", "0", "9007199254740993"],
            [String(INT64_MAX), "0", String(INT64_MAX)],
            [String(INT64_MIN), String(INT64_MAX), "-1"],
          ]) {
            const res = await fetch(`${server.url}/summer/sum`, {
              method: "POST",
              headers: { "content-type": "application/json", "connect-protocol-version": "1" },
              body: JSON.stringify({ a, b }),
            });
            assert.equal(res.status, 200);
            assert.equal(await res.text(), `{"sum":${sum}}`);
          }
          // Within 53 bits connect-es reads the answer exactly.
          const out = await client(httpVersion, emitZeros).sum({ a: 2n ** 53n - 1n, b: 0n });
          assert.equal(out.sum, 2n ** 53n - 1n);
        });

        test("overflow: 2^63-1 + 1", async () => {
          const c = client(httpVersion);
          if (s.overflow.error !== undefined) {
            const err = await connectError(() => c.sum({ a: INT64_MAX, b: 1n }));
            assert.equal(err.code, s.overflow.error);
            assert.equal(err.rawMessage, s.overflow.message);
          } else {
            const out = await c.sum({ a: INT64_MAX, b: 1n });
            assert.equal(out.sum, s.overflow.sum);
          }
        });

        test("unknown method → unimplemented", async () => {
          // Repeated: the failure mode is a race on the connection.
          const c = client(httpVersion);
          for (let i = 0; i < 20; i++) {
            const err = await connectError(() => c.nosuch({ a: 1n, b: 2n }));
            assert.equal(err.code, Code.Unimplemented, `call ${i + 1}: ${err.message}`);
          }
          // The connection (pool) still works afterwards.
          for (let i = 0; i < 5; i++) {
            assert.equal((await c.sum({ a: 1n, b: 1n })).sum, 2n);
          }
        });
      });
    }
  });
}
