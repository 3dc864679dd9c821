#!/usr/bin/env bash
# Keeps the shared build cache ($CARGO_TARGET_DIR, outside the clone so CI reuses it)
# from filling the disk. Every change to a crate's code or features leaves its old
# artifacts behind under a new hash; test binaries are ~370 MB each, and after a few
# days of work the cache had grown to 70 GB and a link failed on a full disk.
#
# When free space is under PRUNE_BELOW_GB (default 40: one build of every test binary takes ~20 GB), this deletes the incremental
# caches and, in every profile's deps/, all but the newest artifacts of each name: four
# of a library (one built for tests, for clippy and for the server differs only in its
# hash), one of an executable (a test binary is ~490 MB, and there are 39: keeping
# four of each filled 56 GB).
# What it deletes is rebuilt on demand; a build never finds half of one.
set -euo pipefail
source "$(dirname "$0")/env.sh"

below_kb=$(( ${PRUNE_BELOW_GB:-40} * 1024 * 1024 ))
[ -d "$CARGO_TARGET_DIR" ] || exit 0
free_kb="$(df --output=avail -k "$CARGO_TARGET_DIR" | tail -1 | tr -d ' ')"
[ "$free_kb" -lt "$below_kb" ] || exit 0

say "$(( free_kb / 1024 / 1024 )) GB free: pruning stale build artifacts in $CARGO_TARGET_DIR"
find "$CARGO_TARGET_DIR" -maxdepth 3 -type d -name incremental -prune -exec rm -rf {} +
find "$CARGO_TARGET_DIR" -maxdepth 4 -type d -name deps | while read -r deps; do
  # Newest first; "name-0123456789abcdef.ext" keyed by name and extension.
  find "$deps" -maxdepth 1 -type f -printf '%T@ %f\n' | sort -rn | cut -d' ' -f2- |
    sed -E 'h; s/-[0-9a-f]{16}//; G; s/\n/ /' |
    awk '{ keep = ($1 ~ /\.(rlib|rmeta|so|d)$/) ? 4 : 1; if (++seen[$1] > keep) print $2 }' |
    while read -r stale; do rm -f "$deps/$stale"; done
done
free_kb="$(df --output=avail -k "$CARGO_TARGET_DIR" | tail -1 | tr -d ' ')"
say "$(( free_kb / 1024 / 1024 )) GB free after pruning"
