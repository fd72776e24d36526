#!/usr/bin/env bash
# Interop tests: the real connect-es client (@connectrpc/connect + connect-node, JSON
# codec, HTTP/1.1 and h2c) against the Rust and Go summer servers and the Rust probe
# server. Needs node >= 20, npm, protoc (Debian: protobuf-compiler), cargo and go.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

for tool in node npm protoc cargo go; do
  command -v "$tool" >/dev/null || { echo "connect-es tests: $tool not found" >&2; exit 1; }
done

echo "== connect-es: npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== connect-es: build servers"
(cd "$root" && cargo build --locked -q -p summer-example --bins && cargo build --locked -q -p brief-tests --bin probe-server)
mkdir -p "$here/.bin"
(cd "$root/examples/summer/go" && go build -o "$here/.bin/summer-server-go" ./cmd/server)

echo "== connect-es: node --test"
cd "$here"
export SUMMER_RUST_BIN="$root/target/debug/summer-server"
export PROBE_RUST_BIN="$root/target/debug/probe-server"
export SUMMER_GO_BIN="$here/.bin/summer-server-go"
exec node --test --test-reporter=spec test/*.test.js
