#!/usr/bin/env bash
# A migration, once committed, is never edited, renamed or deleted. sqlx records the
# checksum of every migration it applies and refuses to migrate a database that applied
# another text of one, and `casework serve` migrates before it listens: an edited
# migration, even a comment in it, stops every server whose database ran the old text.
# Change the schema with a new migration instead.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

# Edits made before this check existed, to migrations no release had applied. A
# database that ran the old text needs the checksum in its _sqlx_migrations row set to
# the new file's SHA-384 by hand.
allowed=(
  37a34b024076dd0d8f541a5e159fe5993deabc83 # migrations/20261129000001_companies.sql: comments and sort-key columns, same day
  07c7f8d0a670124eecf943534ad34e254840ed11 # migrations/20261130400001_queue_by_updated_index.sql: a figure in a comment
)

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  say "not a git checkout: cannot tell whether a migration changed; skipping"
  exit 0
fi

failed=0
commit=""
# Every commit that changed, renamed or deleted a file under migrations/ it did not add.
while IFS= read -r line; do
  if [[ "$line" =~ ^commit\ ([0-9a-f]{40})$ ]]; then
    commit="${BASH_REMATCH[1]}"
    continue
  fi
  [ -n "$line" ] || continue
  ok=0
  for hash in "${allowed[@]}"; do
    [ "$commit" = "$hash" ] && ok=1
  done
  if [ "$ok" = 0 ]; then
    echo "migration changed after it was committed, in ${commit:0:10}: $line" >&2
    failed=1
  fi
done < <(git log --diff-filter=MDR --format='commit %H' --name-only -- migrations/)

# And in the working tree, before it is committed.
while IFS= read -r file; do
  [ -n "$file" ] || continue
  echo "committed migration changed in the working tree: $file (add a new migration instead)" >&2
  failed=1
done < <(git diff HEAD --diff-filter=MDR --name-only -- migrations/)

[ "$failed" = 0 ] || die "committed migrations must not change (see scripts/check-migrations.sh)"
say "migrations: none changed after it was committed"
