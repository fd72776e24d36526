#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (compiler, runtime, generated-code
# tests), the Go runtime and generated Go code. Used by .ci/run and by developers.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (workspace)"
cargo test --workspace --locked

if [ -f runtime/go/go.mod ]; then
  echo "== go vet + go test (runtime/go)"
  (cd runtime/go && go vet ./... && go test -race -count=1 ./...)
fi

echo "== interop: Go and Rust, each as client and server"
bash tests/interop/run.sh

echo "== connect-es (the real Connect client) against the Rust and Go servers"
bash tests/connect-es/run.sh
