#!/usr/bin/env bash
# Retries, budgets, breakers, balancing and discovery of the generated clients, against
# the project's fault-injecting server; one result table for every language.
set -euo pipefail
exec bash "$(dirname "$0")/../resilience/run.sh"
