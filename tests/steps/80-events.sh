#!/usr/bin/env bash
# Events through brief-bus, every language as publisher and as consumer: each published
# event arrives at every consumer decoded and equal, and an event published twice with
# one id (a retry after a lost answer) arrives once (examples/events/run). The bus's own
# tests (embedded store; JetStream with nats-server) and the generated Rust publisher and
# consumer through an in-process bus (examples/events/rust/tests) run in 10-cargo.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec examples/events/run
