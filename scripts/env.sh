# Shared environment for the project's scripts; source it, don't run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# The build cache lives outside the clone so a fresh clone (CI) reuses earlier builds.
export CASEWORK_CACHE="${CASEWORK_CACHE:-$HOME/.cache/casework}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CASEWORK_CACHE/target}"

# cargo-leptos looks for tailwindcss and wasm-opt on PATH before trying to download
# them (which fails offline): put the npm-installed ones first.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# The embedded PostgreSQL clusters: one for `make run`, one throwaway for tests.
export CASEWORK_PG_PORT="${CASEWORK_PG_PORT:-54329}"
# The test cluster picks a free port from 54339 up unless CASEWORK_TEST_PG_PORT is set.

# Where cargo-leptos puts the built site (the server's LEPTOS_SITE_ROOT).
export CASEWORK_SITE_ROOT="$ROOT/target/site"
export CASEWORK_BIN="$CARGO_TARGET_DIR/release/casework"
# The fake Zoho CRM (zoho crate, feature `fake`): the demo's and the browser tests' CRM.
export FAKE_ZOHO_BIN="$CARGO_TARGET_DIR/release/fake-zoho"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
