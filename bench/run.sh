#!/usr/bin/env bash
# `make bench`: the benchmarks MISSION.md's targets are measured with. Loads the full
# data set (1,000,000 cases, 2,000 employees, 5,000,000 comments) into its own
# PostgreSQL cluster the first time (a few minutes), builds and starts the release
# server, drives it with wrk, runs the same SQL through pgbench, and writes
# bench/RESULTS.md. BENCH_SECONDS (default 10) and BENCH_CLIENTS ("1 8 32 128") tune it.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"

scripts/bootstrap.sh
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || die "wrk is missing: sudo apt-get install wrk"
  say "installing wrk (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
command -v redis-server >/dev/null || {
  say "installing Redis (Debian), for the shared rate limits' variant"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
}
command -v pgbench >/dev/null || die "pgbench is missing (it comes with the PostgreSQL client: apt-get install postgresql-client)"

say "starting the benchmark PostgreSQL"
url="$(scripts/pg.sh start bench)"
export BENCH_PG_LOG="$(scripts/pg.sh log bench)"
export BENCH_ADMIN_URL="${url%/*}/postgres"
export BENCH_DATABASE_URL="${url%/*}/casework_bench"

say "release build (the site), then the server as shipped (profile production)"
cargo leptos build --release --split
node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
LEPTOS_OUTPUT_NAME=casework cargo build --profile production --package=casework --bin=casework \
  --no-default-features --features=ssr
export CASEWORK_BIN="$CARGO_TARGET_DIR/production/casework"

say "what one rate-limit decision costs, alone (benches/limiter.rs)"
export BENCH_LIMITER_JSON="$CARGO_TARGET_DIR/bench-limiter.json"
cargo bench -p casework --no-default-features --features ssr --bench limiter > "$BENCH_LIMITER_JSON"

exec python3 bench/run.py "$@"
