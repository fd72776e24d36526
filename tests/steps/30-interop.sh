#!/usr/bin/env bash
# Go and Rust, each as client and server, over real sockets.
set -euo pipefail
exec bash "$(dirname "$0")/../interop/run.sh"
