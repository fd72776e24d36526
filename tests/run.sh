#!/usr/bin/env bash
# Runs every test of the project: installs what is missing (tests/setup.sh), then runs
# each step in tests/steps/ in name order, timing each. Used by .ci/run and by developers.
#   bash tests/run.sh            every step
#   bash tests/run.sh go interop only the steps whose names contain one of the words
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh

# Servers wait BRIEF_DRAIN_DELAY (default 5 s, for load balancers) after SIGTERM before
# they close; the tests stop many servers and have no balancer to wait for. Tests of the
# drain itself set their own.
export BRIEF_DRAIN_DELAY="${BRIEF_DRAIN_DELAY:-0s}"

start=$SECONDS
declare -a timings=()
for step in tests/steps/*.sh; do
  name="$(basename "$step" .sh)"
  if [ $# -gt 0 ]; then
    wanted=
    for word in "$@"; do [[ "$name" == *"$word"* ]] && wanted=1; done
    [ -n "$wanted" ] || continue
  fi
  echo "== step $name"
  t0=$SECONDS
  bash "$step"
  timings+=("$(printf '%-28s %4ds' "$name" $((SECONDS - t0)))")
done

echo "== all steps passed in $((SECONDS - start))s"
printf '   %s\n' "${timings[@]}"
