#!/usr/bin/env bash
# `make test-cluster`: a fresh cluster of its own (scripts/cluster.sh, under
# .data/cluster-test, on ports apart from `make cluster`'s), the faults of
# scripts/test-cluster.py against it under load, then the cluster stopped and removed.
#
#   scripts/test-cluster.sh              build (release), every fault
#   SKIP_BUILD=1 scripts/test-cluster.sh kill rolling
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

export CASEWORK_CLUSTER_DIR="$ROOT/.data/cluster-test"
export CASEWORK_CLUSTER_PORT="${CASEWORK_CLUSTER_TEST_PORT:-3300}"
export CASEWORK_CLUSTER_PG_PORT="${CASEWORK_CLUSTER_TEST_PG_PORT:-25470}"
# The load is many requests of one person: the route-class limits are set far above it
# (they are tested on their own, in tests/rate_limits.rs), but stay on, so every request
# is checked in Redis, as in production (the Redis fault needs that). Sign-in limits stay.
high="free=1000000/min,pro=1000000/min,enterprise=1000000/min"
export RATE_LIMIT_READS="$high" RATE_LIMIT_WRITES="$high" RATE_LIMIT_TENANT="$high"

scripts/cluster.sh destroy
trap 'scripts/cluster.sh destroy' EXIT
scripts/cluster.sh start
say "faults under load"
python3 scripts/test-cluster.py "$@"
