#!/usr/bin/env bash
# A private PostgreSQL cluster under .data/, on its own port, using the system's
# PostgreSQL server binaries (installed with apt when missing and we are root).
#
#   scripts/pg.sh start dev|test|bench   initialise on first use, start, create `casework`
#   scripts/pg.sh stop  dev|test|bench
#   scripts/pg.sh url   dev|test|bench   print the connection URL
#   scripts/pg.sh status dev|test|bench
#   scripts/pg.sh log   dev|test|bench   print the path of the server's log
set -euo pipefail
source "$(dirname "$0")/env.sh"

action="${1:-}"; which="${2:-dev}"
case "$which" in
  dev)  name=pg ;;
  test) name=pg-test ;;
  bench) name=pg-bench ;;
  *) die "unknown cluster '$which' (dev, test or bench)" ;;
esac
data="$ROOT/.data/$name"
log="$ROOT/.data/$name.log"
port=""

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

ensure_binaries() {
  bindir="$(find_bindir)" && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL server binaries not found: installing them with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir="$(find_bindir)" || die "apt-get installed postgresql but initdb is still missing"
  else
    die "PostgreSQL server binaries (initdb, pg_ctl, postgres) are missing. Install them, e.g. 'sudo apt-get install postgresql', or set DATABASE_URL to a server you have."
  fi
}

# Postgres refuses to run as root: as root, run it as the `postgres` user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

prepare_owner() {
  [ "$(id -u)" = 0 ] || return 0
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  mkdir -p "$ROOT/.data"
  # The postgres user must be able to reach the data directory; a clone under a
  # private home (e.g. /root) is not reachable, so keep the cluster elsewhere then.
  if ! runuser -u postgres -- test -x "$ROOT/.data"; then
    local elsewhere; elsewhere="/var/lib/casework/$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
    mkdir -p "$elsewhere"; chown postgres "$elsewhere"
    data="$elsewhere/$name"
    log="$elsewhere/$name.log"
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The dev cluster has a fixed, documented port (it is DATABASE_URL's default). The test
# cluster takes the first free port from 54339 unless CASEWORK_TEST_PG_PORT says
# otherwise, so another checkout's tests (or anything else) on that port never block
# these. The port in use is recorded beside the data directory.
resolve_port() {
  local port_file; port_file="$(dirname "$data")/$name.port"
  if [ "$which" = dev ]; then
    port="$CASEWORK_PG_PORT"
  elif [ "$which" = bench ]; then
    port="${CASEWORK_BENCH_PG_PORT:-54349}"
  elif [ -n "${CASEWORK_TEST_PG_PORT:-}" ]; then
    port="$CASEWORK_TEST_PG_PORT"
  elif running && [ -f "$port_file" ]; then
    port="$(cat "$port_file")"
  else
    port=54339
    while port_taken "$port"; do port=$((port + 1)); done
  fi
  echo "$port" > "$port_file"
  url="postgres://postgres@127.0.0.1:$port/casework"
}

running() { [ -f "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  ensure_binaries
  prepare_owner
  if ! [ -f "$data/PG_VERSION" ]; then
    say "initialising a PostgreSQL cluster in $data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data" "$(dirname "$data")"
    chmod 700 "$data"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = ''"
      echo "max_connections = 200"
      if [ "$which" = bench ]; then
        # The benchmark data set (about 3 GB) mostly in memory, as on a real server.
        echo "shared_buffers = 2GB"
        echo "effective_cache_size = 8GB"
      else
        echo "shared_buffers = 256MB"
      fi
      if [ "$which" = test ]; then
        # Throwaway data: durability buys nothing and costs seconds per test run.
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi
  resolve_port
  if ! running; then
    if port_taken "$port"; then
      die "port $port is taken by another program; set CASEWORK_PG_PORT (or CASEWORK_TEST_PG_PORT) to a free port"
    fi
    [ "$(id -u)" = 0 ] && { touch "$log"; chown postgres "$log"; }
    as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start; see $log"
  fi
  if [ "$(as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'casework'")" != 1 ]; then
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres casework
  fi
}

stop() {
  ensure_binaries
  prepare_owner
  if running; then as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
}

case "$action" in
  start) start; echo "$url" ;;
  stop) stop ;;
  url) ensure_binaries; prepare_owner; resolve_port; echo "$url" ;;
  log) ensure_binaries; prepare_owner; echo "$log" ;;
  status) ensure_binaries; prepare_owner; resolve_port; if running; then echo "running at $url"; else echo "stopped"; exit 3; fi ;;
  *) die "usage: scripts/pg.sh start|stop|url|status|log dev|test|bench" ;;
esac
