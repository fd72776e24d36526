#!/usr/bin/env bash
# Generated Rust passes clippy: the corpus (valid and warn), the adversarial names of
# tests/names and the loopback contracts, as compiled by tests/rust with
# #![deny(warnings)]. (cargo test in 10-cargo.sh builds it and runs gen_go.rs, which
# vets and builds the same contracts generated as Go.)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo clippy -p brief-tests --all-targets --locked -- -D warnings
