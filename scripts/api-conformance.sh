#!/usr/bin/env bash
# The REST API against its own OpenAPI document, by schemathesis (from PyPI): a real
# server on a seeded database, a real key with every scope, and schemathesis's checks
# for server errors, undocumented status codes, content types and responses that do
# not match their schema. Zero failures, or this fails.
#
#   scripts/api-conformance.sh <database url>    (make test runs it after the browser tests)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

database_url="${1:?usage: scripts/api-conformance.sh <database url>}"
schemathesis="$CASEWORK_CACHE/schemathesis/bin/schemathesis"
# The release build by default (what make test builds); another with API_CONFORMANCE_BIN.
bin="${API_CONFORMANCE_BIN:-$CASEWORK_BIN}"
[ -x "$schemathesis" ] || die "schemathesis is not installed: run scripts/bootstrap.sh --test"
port="${API_CONFORMANCE_PORT:-3391}"
base="http://127.0.0.1:$port"

key="$(DATABASE_URL="$database_url" "$bin" create-api-key \
  --tenant demo --admin admin@demo.test --name "API conformance (make test)")"

log="$(mktemp)"
DATABASE_URL="$database_url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$CASEWORK_SITE_ROOT" PUBLIC_URL="$base" LOG_LEVEL=warn \
  RATE_LIMIT_API_KEY="free=1000000/min" RATE_LIMIT_ANONYMOUS="1000000/min" \
  STORAGE_URL="$ROOT/.data/conformance-objects" WORKERS=0 \
  "$bin" serve >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$base/api/health/live" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; die "the server did not start"; }
  sleep 0.2
done

# The seed makes every run start from the same data; the budget keeps CI's time fixed.
# One worker: with two, schemathesis's threads call hypothesis's ast.parse at once, and
# CPython 3.11's parser is not thread-safe there ("AST constructor recursion depth
# mismatch", a runtime error that failed a CI run while every generated case passed).
"$schemathesis" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${API_CONFORMANCE_EXAMPLES:-60}" \
  --seed 23 \
  --workers 1 \
  --no-color || {
    say "server log:"
    tail -n 50 "$log"
    exit 1
  }
