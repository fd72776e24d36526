#!/usr/bin/env bash
# The real Connect client (connect-es) against the Rust and Go servers.
set -euo pipefail
exec bash "$(dirname "$0")/../connect-es/run.sh"
