// connect-es (JSON codec) against the Rust and PHP probe servers
// (tests/rust/contracts/probe.brief).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Code, createClient } from "@connectrpc/connect";

import {
  codes,
  connectError,
  emitZeros,
  transport,
} from "../lib/clients.js";
import { loadRegistry, service } from "../lib/descriptors.js";
import { binaries, httpVersions, selected, startServer } from "../lib/servers.js";

const registry = loadRegistry();
const probe = service(registry, "probe");
const Color = registry.getEnum("Color");

/** An Everything with every required field set (zeros), for `next`. */
const minimal = {
  flag: false,
  count: 0n,
  ratio: 0,
  name: "",
  blob: new Uint8Array(),
  at: { seconds: 0n, nanos: 0 },
  color: Color.values.find((v) => v.name === "red").number,
  item: { id: 0n },
  scores: {},
};

function everything(count, scores) {
  return {
    flag: true,
    count,
    ratio: 0.25,
    name: "héllo \u2603 \"quoted\"\n",
    blob: new Uint8Array([0, 255, 254, 1, 62, 63]),
    // 2023-11-14T22:13:20.123456Z: microseconds, brief's precision.
    at: { seconds: 1700000000n, nanos: 123456000 },
    color: Color.values.find((v) => v.name === "blueish").number,
    tags: ["a", "b", ""],
    scores,
    item: { id: 7n, label: "seven" },
    maybe: 0n,
    maybeItem: { id: -1n },
    next: { ...minimal, tags: ["inner"] },
  };
}

/** The fields connect-es gives back, without protobuf-es bookkeeping ($typeName). */
function plain(msg) {
  return JSON.parse(
    JSON.stringify(msg, (k, v) =>
      k === "$typeName" ? undefined : typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
    ),
  );
}

const servers = [
  { name: "rust", bin: binaries.probeRust },
  { name: "php", bin: binaries.probePhp },
].filter((s) => selected(s.name));

for (const s of servers) describe(`probe (${s.name} server)`, () => {
  let server;
  const transports = [];
  const client = (httpVersion, extra = emitZeros) => {
    const t = transport(server.url, httpVersion, extra);
    transports.push(t);
    return createClient(probe, t.transport);
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
      test("echo: int64, bytes, time, enum, nested message, list, map, optional", async () => {
        const input = everything(123456789n, { x: -5n, y: 0n, z: 9007199254740991n });
        const out = await client(httpVersion).echo(input);
        assert.deepEqual(plain(out), plain({ ...input, maybeAt: undefined }));
        assert.equal(out.maybeAt, undefined);
        assert.equal(Color.values.find((v) => v.number === out.color).name, "blueish");
      });

      test("fail: every code arrives as its connect-es Code", async () => {
        const c = client(httpVersion);
        for (const [name, code] of Object.entries(codes)) {
          const err = await connectError(() => c.fail({ code: name, message: `asked for ${name}` }));
          assert.equal(err.code, code, `${name}: ${err.message}`);
          assert.equal(err.rawMessage, `asked for ${name}`);
        }
        const err = await connectError(() => c.fail({ code: "bogus", message: "" }));
        assert.equal(err.code, Code.InvalidArgument);
        assert.match(err.rawMessage, /bogus/);
      });

      test("find: typed errors arrive with code, message and details", async () => {
        const c = client(httpVersion);
        assert.equal((await c.find({ id: 5n, conflict: false })).id, 5n);

        const notFound = await connectError(() => c.find({ id: 0n, conflict: false }));
        assert.equal(notFound.code, Code.NotFound);
        // The message the handler chose; Conflict below goes with the contract's doc.
        assert.equal(notFound.rawMessage, "no item with id 0");
        assert.equal(notFound.details.length, 1);
        const [d] = notFound.details;
        assert.equal(d.type, "probe.NotFound");
        // brief puts the JSON of the fields in `value` (Connect would put protobuf binary).
        assert.deepEqual(JSON.parse(new TextDecoder().decode(d.value)), { id: 0, what: "item" });
        assert.deepEqual(d.debug, { id: 0, what: "item" });

        const conflict = await connectError(() => c.find({ id: 5n, conflict: true }));
        assert.equal(conflict.code, Code.AlreadyExists);
        assert.equal(conflict.rawMessage, "It exists already");
        assert.equal(conflict.details[0]?.type, "probe.Conflict");
      });

      test("deadline: timeoutMs travels as Connect-Timeout-Ms", async () => {
        const c = client(httpVersion);
        await c.sleep({ millis: 10n }, { timeoutMs: 2000 });
        const err = await connectError(() => c.sleep({ millis: 1500n }, { timeoutMs: 100 }));
        assert.equal(err.code, Code.DeadlineExceeded);
      });

      test("unknown method → unimplemented", async () => {
        const c = client(httpVersion);
        for (let i = 0; i < 20; i++) {
          const err = await connectError(() => c.nosuch({}));
          assert.equal(err.code, Code.Unimplemented, `call ${i + 1}: ${err.message}`);
        }
        for (let i = 0; i < 5; i++) {
          assert.equal((await c.find({ id: 1n, conflict: false })).id, 1n);
        }
      });
    });
  }
});
