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
cargo leptos build --release
node scripts/precompress.mjs "$CASEWORK_SITE_ROOT/pkg"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CASEWORK_SITE_ROOT}"
"$CASEWORK_BIN" seed --demo
say "serving http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops; 'make db-stop' stops the database)"
exec "$CASEWORK_BIN" serve
