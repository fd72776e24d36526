#!/usr/bin/env bash
# The PHP benchmark, written into docs/benchmarks.md (between <!-- php:start --> and
# <!-- php:end -->):
#   1. the generated summer server (examples/summer/php) under php-fpm behind nginx against
#      a bare PHP script (tests/php/bench/bare.php) behind the same nginx and php-fpm
#      configuration doing the same json_decode/json_encode work: wrk, interleaved rounds,
#      median requests/s (target: at least 80% of the bare script's);
#   2. the generated PHP client's time per call against a bare curl call (one reused
#      handle each), both calling the Rust summer server.
#   bash tests/php/bench.sh            (ROUNDS=5 SECONDS_PER_ROUND=5 CONNECTIONS=32)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds="${ROUNDS:-5}"
seconds="${SECONDS_PER_ROUND:-5}"
connections="${CONNECTIONS:-32}"
workers="${BRIEF_FPM_WORKERS:-4}"
for tool in wrk php nginx; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "bench: $tool is not installed" >&2; exit 1; }
done
cargo build -q -p summer-example --bin summer-server
target="${CARGO_TARGET_DIR:-$root/target}/debug"

free_port() { php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];'; }
pid=
start() {
  local port
  port="$(free_port)"
  LISTEN="127.0.0.1:$port" BRIEF_DRAIN_DELAY=0 BRIEF_PHP_SERVER=fpm BRIEF_FPM_WORKERS="$workers" \
    "$@" >/dev/null 2>&1 &
  pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && return
    sleep 0.05
  done
  echo "bench: $* did not become ready" >&2
  exit 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; }
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true' EXIT

# CPU time (clock ticks) of every process under the server's script: nginx and php-fpm.
ticks() {
  local pids=("$pid") all=() p
  while [ ${#pids[@]} -gt 0 ]; do
    all+=("${pids[@]}")
    mapfile -t pids < <(for p in "${pids[@]}"; do ps -o pid= --ppid "$p"; done | tr -d ' ')
  done
  for p in "${all[@]}"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{t += $1} END {print t + 0}'
}

# One wrk run: prints requests/s, the latency percentiles p50 and p99, and the server's
# CPU time per request in µs (nginx and php-fpm together: fair when wrk and other
# processes share the cores).
measure() {
  local out before after
  wrk -t1 -c"$connections" -d1s -s tests/php/bench/post.lua "$1/summer/sum" >/dev/null
  before="$(ticks)"
  out="$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s tests/php/bench/post.lua "$1/summer/sum")"
  after="$(ticks)"
  if grep -q "Non-2xx" <<<"$out"; then echo "bench: errors from $1:" >&2; echo "$out" >&2; exit 1; fi
  local requests
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out") $(awk -v t=$((after - before)) -v r="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1e6 / hz / r}')"
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

bare=() brief=() bare_lat=() brief_lat=() bare_cpu=() brief_cpu=()
for r in $(seq 1 "$rounds"); do
  BRIEF_PRELOAD= start runtime/php/server/serve tests/php/bench/bare.php
  read -r rps p50 p99 cpu <<<"$(measure "$url")"
  bare+=("$rps"); bare_lat+=("$p50 $p99"); bare_cpu+=("$cpu")
  stop
  start examples/summer/php/serve
  read -r rps p50 p99 cpu <<<"$(measure "$url")"
  brief+=("$rps"); brief_lat+=("$p50 $p99"); brief_cpu+=("$cpu")
  stop
  echo "round $r: bare ${bare[-1]} req/s ${bare_cpu[-1]} µs CPU, brief ${brief[-1]} req/s ${brief_cpu[-1]} µs CPU" >&2
done
bare_median="$(printf '%s\n' "${bare[@]}" | median)"
brief_median="$(printf '%s\n' "${brief[@]}" | median)"
bare_cpu_median="$(printf '%s\n' "${bare_cpu[@]}" | median)"
brief_cpu_median="$(printf '%s\n' "${brief_cpu[@]}" | median)"
cpu_ratio="$(awk -v a="$brief_cpu_median" -v b="$bare_cpu_median" 'BEGIN {printf "%.2f", a / b}')"
cpu_share="$(awk -v a="$brief_cpu_median" -v b="$bare_cpu_median" 'BEGIN {printf "%d", 100 * b / a + 0.5}')"
pick_lat() {
  local -n values=$1 lats=$2
  local m=$3 i
  for i in "${!values[@]}"; do
    if [ "${values[$i]}" = "$m" ]; then echo "${lats[$i]}"; return; fi
  done
}
read -r bare_p50 bare_p99 <<<"$(pick_lat bare bare_lat "$bare_median")"
read -r brief_p50 brief_p99 <<<"$(pick_lat brief brief_lat "$brief_median")"
ratio="$(awk -v a="$brief_median" -v b="$bare_median" 'BEGIN {printf "%d", 100 * a / b + 0.5}')"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

port="$(free_port)"
LISTEN="127.0.0.1:$port" "$target/summer-server" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.05; done
client="$(php tests/php/bench/client.php "http://127.0.0.1:$port" 7 2000)"
stop
pid=
client_brief="$(awk '$1 == "brief" {print $2}' <<<"$client")"
client_bare="$(awk '$1 == "bare" {print $2}' <<<"$client")"
overhead="$(awk -v a="$client_brief" -v b="$client_bare" 'BEGIN {printf "%.1f", a - b}')"

nginx_version="$( (nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1) | sed 's|.*/||')"
section="$(cat <<MD
<!-- php:start -->
## PHP: generated summer server under php-fpm + nginx vs a bare PHP script

wrk (1 thread, $connections keep-alive connections, 1 s warm-up, then ${seconds} s) against POST /summer/sum
with {"a":1,"b":2}; one server at a time, started fresh for each of $rounds interleaved
rounds; median requests/s. Both behind the same nginx $nginx_version (1 worker) and php-fpm (PHP $(php -r 'echo PHP_VERSION;'), opcache, APCu,
$workers static workers) configuration of runtime/php/server, on $(nproc) cores shared with wrk, $(date -u +%Y-%m-%d).
The bare script (tests/php/bench/bare.php) json_decodes the body and json_encodes the sum; the generated
server (examples/summer/php) routes, checks the method, content type and size, decodes with the
contract's rules, sets up the request context and deadline, encodes, and counts /metrics in APCu;
its classes are preloaded (opcache.preload, examples/summer/php/preload.php), as docs/php.md advises.
\`bash tests/php/bench.sh\`

| server | requests/s (median) | p50 | p99 | server CPU per request (median) |
|---|---|---|---|---|
| bare PHP script, same json_decode/json_encode | $bare_median | $bare_p50 | $bare_p99 | $bare_cpu_median µs |
| generated (brief), classes preloaded | $brief_median | $brief_p50 | $brief_p99 | $brief_cpu_median µs |

Generated / bare: ${ratio}% of the requests/s (target: at least 80%); ${cpu_ratio}× the server CPU per
request (nginx and php-fpm together, from /proc), so ${cpu_share}% of the bare script's requests/s where the
server has the cores to itself. The load average was $load during the run (other work shared the
cores), so the rounds' requests/s vary widely and the CPU per request is the measure to trust.
Rounds, requests/s: bare ${bare[*]}; brief ${brief[*]}.

Where the difference goes: php-fpm sets up anew, in every request, each function the request runs
(its run-time caches, the static members of its class). Timed inside one request, the generated
server's whole path (server, decoding, context, handler, encoding, metrics) takes about three times as
long the first time as when it runs a second time in the same request; the work itself is a third of
the difference to the bare script, that setup the rest. Preloading already spares the loading of the
classes; the path runs in as few functions as its checks allow.

The generated PHP client against a bare curl call with the same request (one reused curl handle each,
so both keep their connection alive), calling the Rust summer server: median of 7 rounds of 2000 calls.

| client | µs per call |
|---|---|
| bare curl | $client_bare |
| generated (brief) | $client_brief |

Client overhead per call: ${overhead} µs (encoding, context and trace headers, deadline, decoding, metrics).
<!-- php:end -->
MD
)"
if grep -q '<!-- php:start -->' docs/benchmarks.md; then
  SECTION="$section" python3 - <<'PY'
import os, re
p = 'docs/benchmarks.md'
s = open(p).read()
s = re.sub(r'<!-- php:start -->.*?<!-- php:end -->', lambda m: os.environ['SECTION'], s, flags=re.S)
open(p, 'w').write(s)
PY
else
  printf '%s\n' "$section" >>docs/benchmarks.md
fi
echo "$section"
