#!/usr/bin/env bash
# The resilience scenarios (tests/resilience/README.md): the fault server of the project,
# one scenario runner per language calling tests/resilience/contract through its
# generated client, and the driver that runs the scenario list against each runner and
# prints the results as one table. Also checks that examples/summer's call binaries use
# the resilient client. Exits non-zero on any failure.
#   bash tests/resilience/run.sh            every scenario
#   bash tests/resilience/run.sh WORD       only the scenarios whose names contain WORD
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/debug"

echo "== resilience: cargo build (brief CLI, Rust runner, summer example)"
cargo build -p brief -p brief-resilience-runner -p summer-example --bins

echo "== resilience: generate the Go client, build the fault server, driver and Go runner"
"$target/brief" codegen tests/resilience/contract --lang go --out tests/resilience/go/gen \
  --go-import-path github.com/brief-rpc/brief/tests/resilience/go/gen
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(
  cd tests/resilience/go
  unformatted="$(gofmt -l .)"
  if [ -n "$unformatted" ]; then
    echo "gofmt would change: $unformatted" >&2
    exit 1
  fi
  go vet ./...
  go build -o "$bin/" ./cmd/faultserver ./cmd/driver ./cmd/runner
)
(cd examples/summer/go && go build -o "$bin/summer-call-go" ./cmd/call)

echo "== resilience: generate the PHP client, check the PHP runner (php -l, PSR-12)"
"$target/brief" codegen tests/resilience/contract --lang php --out tests/resilience/php/gen \
  --php-runtime ../../../../runtime/php
for f in tests/resilience/php/*.php; do php -l "$f" >/dev/null || { php -l "$f"; exit 1; }; done
phpcs -q --standard=PSR12 --report=summary tests/resilience/php/runner.php tests/resilience/php/Runner.php

# The DNS scenario edits this file, which each runner sees as /etc/hosts.
cp /etc/hosts "$bin/hosts"

"$bin/driver" \
  -faultserver "$bin/faultserver" \
  -runner "rust=$target/brief-resilience-runner" \
  -runner "go=$bin/runner" \
  -runner "php=$root/tests/resilience/php/runner" \
  -runner "php-no-apcu=$root/tests/resilience/php/runner-no-apcu" \
  -hosts "$bin/hosts" \
  -summer-server "$target/summer-server" \
  -summer-call "rust=$target/summer-call" \
  -summer-call "go=$bin/summer-call-go" \
  -summer-call "php=$root/examples/summer/php/call" \
  ${1:+-only "$1"}
