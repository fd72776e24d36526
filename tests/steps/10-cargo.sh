#!/usr/bin/env bash
# The Rust workspace: compiler (corpus, compat, CLI, generators), runtime, generated
# Rust code compiled and run (tests/rust), the summer example.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --workspace --locked
