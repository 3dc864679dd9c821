#!/usr/bin/env bash
# Installs what building and testing Casework needs, from crates.io, npm and apt only
# (this project never downloads a prebuilt binary from anywhere else). Idempotent and
# quick when everything is already there.
#
#   scripts/bootstrap.sh          build tools
#   scripts/bootstrap.sh --test   build tools + Chromium and test tools
#   scripts/bootstrap.sh --cluster   build tools + what `make cluster` runs (Redis, nginx)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

want_test=false
want_cluster=false
[ "${1:-}" = "--test" ] && want_test=true
[ "${1:-}" = "--cluster" ] && want_cluster=true

CARGO_LEPTOS_VERSION=0.3.10

apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to install $* (or install them yourself: sudo apt-get install $*)"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    apt-get update -qq >/dev/null
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

command -v cargo >/dev/null || die "Rust is not installed (https://rustup.rs)"
command -v node >/dev/null && command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }
# The server's allocator (jemalloc, built from source by tikv-jemalloc-sys) needs make.
command -v make >/dev/null || { say "installing make"; apt_install make; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in clippy rustfmt; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores, once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_version" ] || die "wasm-bindgen not found in Cargo.lock"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  say "installing wasm-bindgen-cli $wb_version"
  # Not --locked: its lock names a crate version the registry mirror may lack.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# npm packages (tailwindcss, wasm-opt, Playwright...): reinstall only when the lock changed.
stamp="node_modules/.casework-lock"
if ! [ -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm packages"
  # Not `npm ci`: it insists on lock entries for other platforms' optional packages
  # (tailwind's native builds), which the registry mirror here does not carry.
  npm install --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

if $want_cluster; then
  command -v redis-server >/dev/null || { say "installing Redis (Debian)"; apt_install redis-server; }
  command -v nginx >/dev/null || { say "installing nginx (Debian)"; apt_install nginx-light || apt_install nginx; }
  # Debian starts the packaged nginx and Redis as services; the cluster runs its own.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx redis-server >/dev/null 2>&1 || true
  else
    service nginx stop >/dev/null 2>&1 || true
    service redis-server stop >/dev/null 2>&1 || true
  fi
fi

if $want_test; then
  command -v chromium >/dev/null || { say "installing Chromium (Debian)"; apt_install chromium; }
  # Shared rate limits are tested against a real Redis (tests/common/redis.rs).
  command -v redis-server >/dev/null || { say "installing Redis (Debian)"; apt_install redis-server; }
  command -v cargo-nextest >/dev/null || {
    say "installing cargo-nextest"
    cargo install cargo-nextest --locked
  }
  # schemathesis (PyPI) checks the REST API against its OpenAPI document
  # (scripts/api-conformance.sh), from a virtualenv of its own in the cache.
  if [ ! -x "$CASEWORK_CACHE/schemathesis/bin/schemathesis" ]; then
    say "installing schemathesis (PyPI)"
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    python3 -m venv "$CASEWORK_CACHE/schemathesis"
    "$CASEWORK_CACHE/schemathesis/bin/pip" install -q "schemathesis>=4.32,<5"
  fi
fi
exit 0
