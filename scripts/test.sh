#!/usr/bin/env bash
# `make test`: every check CI runs. Lint, the Rust tests against a throwaway
# PostgreSQL (one database per test), then the release build driven by Playwright in
# headless Debian Chromium.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

scripts/bootstrap.sh --test
scripts/prune-target.sh

say "rustfmt"
cargo fmt --all --check
scripts/check-migrations.sh
say "clippy (server)"
cargo clippy --workspace --all-targets --features ssr,app/ssr -- -D warnings
say "clippy (browser)"
cargo clippy -p casework -p app --lib --features hydrate,app/hydrate --target wasm32-unknown-unknown -- -D warnings

say "starting the throwaway test PostgreSQL"
test_url="$(scripts/pg.sh start test)"
# Throwaway: stop it however the run ends (it starts again in under a second).
trap 'scripts/pg.sh stop test || true' EXIT
say "test PostgreSQL at $test_url"
# sqlx::test creates (and drops) one database per test on this server.
export DATABASE_URL="${test_url%/*}/postgres"

say "Rust tests"
cargo nextest run --workspace --features ssr,app/ssr --no-fail-fast

say "release build"
cargo leptos build --release --split
node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
say "browser bundle budget (MISSION.md: initial load ≤ 350 KB brotli)"
node scripts/bundle-size.mjs "$CASEWORK_SITE_ROOT" --markdown
cargo build --release -p zoho --features fake --bin fake-zoho

say "end-to-end tests"
e2e_db="casework_e2e"
psql_admin=(psql "${test_url%/*}/postgres" -q -v ON_ERROR_STOP=1)
"${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)" -c "CREATE DATABASE $e2e_db"
export CASEWORK_E2E_DATABASE_URL="${test_url%/*}/$e2e_db"
# Photos the browser tests sync, in a directory of their own, empty at the start.
export CASEWORK_E2E_STORAGE="$ROOT/.data/e2e-objects"
rm -rf "$CASEWORK_E2E_STORAGE"
DATABASE_URL="$CASEWORK_E2E_DATABASE_URL" "$CASEWORK_BIN" seed --demo >/dev/null
npx playwright test -c end2end

say "REST API against its OpenAPI document (schemathesis)"
api_db="casework_api"
"${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $api_db WITH (FORCE)" -c "CREATE DATABASE $api_db"
DATABASE_URL="${test_url%/*}/$api_db" "$CASEWORK_BIN" seed --demo >/dev/null
scripts/api-conformance.sh "${test_url%/*}/$api_db"

say "cluster faults under load (make test-cluster: primary + replica, Redis, 3 instances, nginx)"
SKIP_BUILD=1 scripts/test-cluster.sh
