#!/usr/bin/env bash
# `brief openapi`: every valid corpus contract's document passes openapi-spec-validator,
# and real requests to the generated Rust and Go servers, and their answers, match the
# documents (openapi-core). The Python packages are in tests/openapi/.venv (setup.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
py=tests/openapi/.venv/bin/python
if [ ! -x "$py" ]; then
  echo "openapi: $py is missing; run bash tests/setup.sh" >&2
  exit 1
fi

cargo build --locked -p brief --bin brief -p brief-tests --bin probe-server -p summer-example --bin summer-server

echo "== openapi: openapi-spec-validator on every valid corpus contract"
mapfile -t contracts < <(find tests/corpus/valid -name '*.brief' | sort)
"$py" tests/openapi/validate.py "$target/brief" "${contracts[@]}"

targets=(
  "rust-summer=$target/summer-server:examples/summer/rpc/summer.brief"
  "rust-probe=$target/probe-server:tests/rust/contracts/probe.brief"
)
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
if command -v go >/dev/null 2>&1; then
  (cd tests/interop/go && go build -o "$bin/probe-server-go" ./cmd/probe-server)
  (cd examples/summer/go && go build -o "$bin/summer-server-go" ./cmd/server)
  targets+=(
    "go-summer=$bin/summer-server-go:examples/summer/rpc/summer.brief"
    "go-probe=$bin/probe-server-go:tests/rust/contracts/probe.brief"
  )
else
  echo "== openapi: go is not installed: replaying against the Rust servers only" >&2
fi

echo "== openapi: replay against running servers (openapi-core)"
"$py" tests/openapi/replay.py "$target/brief" "${targets[@]}"
