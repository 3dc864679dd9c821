#!/usr/bin/env bash
# `make run`: install what is missing, start the embedded PostgreSQL (unless
# DATABASE_URL points elsewhere), build the release site, load the demo tenant, serve.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
[ -f .env ] && { set -a; source .env; set +a; }

scripts/bootstrap.sh
if [ -z "${DATABASE_URL:-}" ]; then
  say "starting the embedded PostgreSQL (.data/pg, port $CASEWORK_PG_PORT)"
  DATABASE_URL="$(scripts/pg.sh start dev)"
  export DATABASE_URL
fi
say "building (release)"
cargo leptos build --release --split
node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CASEWORK_SITE_ROOT}"
if [ -z "${ZOHO_ACCOUNTS_URL:-}" ]; then
  # The demo's Zoho CRM is the fake one (zoho/src/fake): connect it at Admin → Zoho CRM.
  cargo build --release -p zoho --features fake --bin fake-zoho
  "$FAKE_ZOHO_BIN" --addr 127.0.0.1:4190 --contacts 300 --latency-ms 20 &
  fake_zoho=$!
  trap 'kill $fake_zoho 2>/dev/null || true' EXIT
  export ZOHO_ACCOUNTS_URL=http://127.0.0.1:4190
  say "a fake Zoho CRM (300 contacts) at $ZOHO_ACCOUNTS_URL: connect it at Admin → Zoho CRM with client id 1000.FAKECLIENTID, secret fake-client-secret, refresh token 1000.fake-refresh-token"
fi
"$CASEWORK_BIN" seed --demo
say "serving http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops; 'make db-stop' stops the database)"
"$CASEWORK_BIN" serve
