#!/usr/bin/env bash
# The README's first command, as a new user meets it: with the ports the example used to
# take (18080, 18081) held by another process, examples/summer/run still succeeds on free
# ports, and with PORT_BASE pointing at the taken ports it fails at once, naming the port.
set -euo pipefail
cd "$(dirname "$0")/../.."

stranger_pids=()
trap 'kill "${stranger_pids[@]}" 2>/dev/null || true' EXIT
for port in 18080 18081; do
  python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
  stranger_pids+=($!)
done
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/18081) 2>/dev/null && break
  sleep 0.1
done

out="$(examples/summer/run 2>&1)" || { echo "$out"; echo "examples/summer/run failed while 18080/18081 were taken" >&2; exit 1; }
echo "$out" | tail -n 12
pairs="$(echo "$out" | grep -c 'sum(1, 2) = {"sum":3}')"
langs="$(ls -d examples/summer/*/serve | wc -l)"
[ "$pairs" -eq $((langs * langs)) ] || { echo "expected $((langs * langs)) client/server pairs, saw $pairs" >&2; exit 1; }

if out="$(PORT_BASE=18080 examples/summer/run 2>&1)"; then
  echo "$out"; echo "examples/summer/run succeeded although PORT_BASE=18080 is taken" >&2; exit 1
fi
echo "$out" | grep -q 'port 18080 .* is already in use' || { echo "$out"; echo "the taken-port message does not name the port" >&2; exit 1; }
echo "taken PORT_BASE: $(echo "$out" | tail -n 1)"
