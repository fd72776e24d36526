#!/usr/bin/env bash
# Interop between the Rust and Go runtimes and generated code, over real sockets:
#   - Go client → Rust servers and the Go → Rust → Go chain (tests/interop/go, go test);
#   - Rust client → Go servers (tests/rust/tests/interop.rs, cargo test);
#   - the summer example both ways.
# Both sides use one contract, tests/rust/contracts/probe.brief; its Go code is committed
# in tests/interop/go/gen and checked here to be current. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/debug"

if ! command -v go >/dev/null 2>&1; then
  echo "== interop: SKIPPED, go is not installed" >&2
  exit 0
fi

echo "== interop: cargo build (brief CLI, Rust probe-server, summer example)"
cargo build -p brief
cargo build -p brief-tests --bin probe-server
cargo build -p summer-example --bins

echo "== interop: generated Go in tests/interop/go/gen is current"
codegen=("$target/brief" codegen tests/rust/contracts --lang go --out tests/interop/go/gen
  --go-import-path github.com/brief-rpc/brief/tests/interop/go/gen)
if ! "${codegen[@]}" --check; then
  echo "tests/interop/go/gen is stale; regenerate it from the repository root with:" >&2
  echo "  target/debug/brief codegen tests/rust/contracts --lang go --out tests/interop/go/gen --go-import-path github.com/brief-rpc/brief/tests/interop/go/gen" >&2
  exit 1
fi

echo "== interop: gofmt + go vet + go build (Go servers and clients)"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(
  cd tests/interop/go
  unformatted="$(gofmt -l .)"
  if [ -n "$unformatted" ]; then
    echo "gofmt would change: $unformatted" >&2
    exit 1
  fi
  go vet ./...
  go build -o "$bin/probe-server-go" ./cmd/probe-server
)
(cd examples/summer/go && go build -o "$bin/summer-server-go" ./cmd/server && go build -o "$bin/summer-call-go" ./cmd/call)

export PROBE_SERVER_RUST="$target/probe-server"
export SUMMER_SERVER_RUST="$target/summer-server"
export SUMMER_CALL_RUST="$target/summer-call"
export PROBE_SERVER_GO="$bin/probe-server-go"
export SUMMER_SERVER_GO="$bin/summer-server-go"
export SUMMER_CALL_GO="$bin/summer-call-go"

echo "== interop: Go client → Rust servers, Go → Rust → Go chain (go test -race)"
(cd tests/interop/go && go test -race -count=1 ./...)

echo "== interop: Rust client → Go servers (cargo test --test interop)"
cargo test -p brief-tests --test interop

echo "== interop: ok"
