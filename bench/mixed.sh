#!/usr/bin/env bash
# `make bench-mixed`: the mixed-load benchmark (bench/mixed.py). Uses `make bench`'s data
# set (loaded the first time, a few minutes), adds what the mix reads, builds and starts
# the server as shipped, and drives it with Locust (installed into .data/bench-venv from
# PyPI, pinned). BENCH_MIXED_SECONDS (default 60) sets the measured time.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$ROOT"

scripts/bootstrap.sh
venv="$ROOT/.data/bench-venv"
if [ ! -x "$venv/bin/locust" ]; then
  say "installing Locust (PyPI) into $venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    [ "$(id -u)" = 0 ] || die "python3-venv is missing: sudo apt-get install python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q "locust==2.47.0"
fi
export LOCUST="$venv/bin/locust"

say "starting the benchmark PostgreSQL"
url="$(scripts/pg.sh start bench)"
export BENCH_PG_LOG="$(scripts/pg.sh log bench)"
export BENCH_ADMIN_URL="${url%/*}/postgres"
export BENCH_DATABASE_URL="${url%/*}/casework_bench"

if [ -z "${SKIP_BUILD:-}" ]; then
  say "release build (the site), then the server as shipped (profile production)"
  cargo leptos build --release --split
  node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
  LEPTOS_OUTPUT_NAME=casework cargo build --profile production --package=casework --bin=casework \
    --no-default-features --features=ssr
fi
export CASEWORK_BIN="${CASEWORK_BENCH_BIN:-$CARGO_TARGET_DIR/production/casework}"

exec python3 bench/mixed.py "$@"
