#!/usr/bin/env bash
# PHP: the generator's output for every valid contract (php -l, PSR-12, every class
# loads, byte-identical twice), the runtime (PHPUnit: the shared vectors, the codec, the
# server, the loopback scenarios under php-fpm + nginx), and the PHP parts of the nine
# client × server pairs among Rust, Go and PHP (the PHP client against the Rust and Go
# servers; the Rust and Go interop tests and connect-es against the PHP servers).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
brief="$target/brief"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== php: cargo build (brief, the Rust probe and summer servers)"
cargo build -q -p brief -p summer-example --bins
cargo build -q -p brief-tests --bin probe-server

echo "== php: generated code for every valid contract and the adversarial names: php -l, PSR-12,"
echo "   every class loads, messages and errors round-trip, every rpc is served; deterministic"
# The contracts Rust and Go compile too (tests/rust/build.rs, compiler/tests/gen_go.rs),
# each folder generated on its own as a user would.
contracts=(tests/corpus/valid tests/corpus/warn tests/names/keywords tests/names/scopes
  tests/names/packages tests/go/contracts tests/php/contracts tests/rust/contracts)
for c in "${contracts[@]}"; do
  name="$(echo "$c" | tr '/' '_')"
  "$brief" codegen "$c" --lang php --out "$work/$name" 2>/dev/null
  "$brief" codegen "$c" --lang php --out "$work/again/$name" 2>/dev/null
  diff -r "$work/$name" "$work/again/$name" >/dev/null \
    || { echo "generated PHP for $c differs between two runs" >&2; exit 1; }
  php tests/php/load-all.php "$work/$name"
done
rm -rf "$work/again"
find "$work" runtime/php tests/php examples/summer/php -name '*.php' -not -path '*/gen/*' -print0 \
  | xargs -0 -n 200 -P 2 sh -c 'for f; do php -l "$f" >/dev/null || { php -l "$f"; exit 1; }; done' _
phpcs -q --standard=PSR12 --report=summary "$work" runtime/php tests/php/tests tests/php/support \
  tests/php/probe tests/php/bench tests/php/fixtures tests/php/load-all.php examples/summer/php/src \
  examples/summer/php/public \
  examples/summer/php/bin examples/summer/php/preload.php \
  examples/summer/php/gen

echo "== php: examples/summer/php/gen is current"
if ! "$brief" codegen examples/summer/rpc --check; then
  echo "examples/summer/php/gen is stale; regenerate it with: target/debug/brief codegen examples/summer/rpc" >&2
  exit 1
fi
php tests/php/load-all.php examples/summer/php/gen

echo "== php: PHPUnit (vectors, codec, server, loopback under php-fpm + nginx, PHP client → Rust and Go)"
rm -rf tests/php/gen
"$brief" codegen tests/php/contracts tests/rust/contracts/probe.brief --lang php --out tests/php/gen \
  --php-runtime ../../../runtime/php 2>/dev/null
(cd tests/interop/go && go build -o "$work/probe-server-go" ./cmd/probe-server)
(cd examples/summer/go && go build -o "$work/summer-server-go" ./cmd/server && go build -o "$work/summer-call-go" ./cmd/call)
export PROBE_SERVER_RUST="$target/probe-server" PROBE_SERVER_GO="$work/probe-server-go"
export PROBE_SERVER_PHP="$root/tests/php/probe-server"
export SUMMER_SERVER_RUST="$target/summer-server" SUMMER_SERVER_GO="$work/summer-server-go"
export SUMMER_SERVER_PHP="$root/examples/summer/php/serve"
export SUMMER_CALL_RUST="$target/summer-call" SUMMER_CALL_GO="$work/summer-call-go"
export SUMMER_CALL_PHP="$root/examples/summer/php/call"
BRIEF_INTEROP=1 phpunit -c tests/php/phpunit.xml --do-not-cache-result

echo "== php: Rust client → PHP servers (tests/rust/tests/interop.rs, with the PHP servers in the Go servers' place)"
PROBE_SERVER_GO="$PROBE_SERVER_PHP" SUMMER_SERVER_GO="$SUMMER_SERVER_PHP" \
  cargo test -q -p brief-tests --test interop

echo "== php: Go client → PHP servers (tests/interop/go, with the PHP servers in the Rust servers' place)"
(cd tests/interop/go && PROBE_SERVER_RUST="$PROBE_SERVER_PHP" SUMMER_SERVER_RUST="$SUMMER_SERVER_PHP" \
  go test -count=1 -run 'TestGoClientRustServer|TestChainGoRustGo|TestSummerGoClientRustServer' ./...)

echo "== php: connect-es → PHP servers"
(cd tests/connect-es && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
  && CONNECT_ES_SERVERS=php node --test --test-reporter=dot test/*.test.js)

echo "== php: ok"
