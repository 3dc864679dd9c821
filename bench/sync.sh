#!/usr/bin/env bash
# `make bench-sync`: the CRM sync benchmark (bench/sync.py) — full syncs from the fake
# Zoho at 50 ms a request, incremental syncs, and the directory page — on the benchmark
# database of `make bench` (loaded the first time), with the server as shipped.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"

scripts/bootstrap.sh
command -v wrk >/dev/null || die "wrk is missing: run make bench once (it installs it)"

say "starting the benchmark PostgreSQL"
url="$(scripts/pg.sh start bench)"
export BENCH_PG_LOG="$(scripts/pg.sh log bench)"
export BENCH_ADMIN_URL="${url%/*}/postgres"
export BENCH_DATABASE_URL="${url%/*}/casework_bench"

say "release build (the site), the server as shipped, and the fake Zoho"
cargo leptos build --release --split
node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
LEPTOS_OUTPUT_NAME=casework cargo build --profile production --package=casework --bin=casework \
  --no-default-features --features=ssr
cargo build --release -p zoho --features fake --bin fake-zoho
export CASEWORK_BIN="$CARGO_TARGET_DIR/production/casework"

say "one photo's CPU, step by step (photos/benches/photos.rs)"
PHOTO_BENCH="$(cargo bench -p photos 2>/dev/null | tail -1)"
export PHOTO_BENCH

exec python3 bench/sync.py "$@"
