#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: Casework as it runs on several machines, on this
# one. A PostgreSQL primary and a streaming replica of it (pg_basebackup), a Redis for
# the shared rate limits, CASEWORK_CLUSTER_INSTANCES (default 3) `casework serve`
# processes, and nginx in front of them on http://127.0.0.1:$CASEWORK_CLUSTER_PORT
# (default 3100), passing event streams through unbuffered. Everything lives under
# .data/cluster/ and is started idempotently: running `start` again starts what is down.
#
#   scripts/cluster.sh start      build (release), start everything, load the demo data once
#   scripts/cluster.sh stop       stop everything (the data stays)
#   scripts/cluster.sh status     what runs
#   scripts/cluster.sh kill N     SIGKILL instance N        (for fault tests)
#   scripts/cluster.sh restart N  SIGTERM instance N, wait, start it again
#   scripts/cluster.sh replica-stop / replica-start             (for fault tests)
#   scripts/cluster.sh primary-restart / redis-stop / redis-start (for fault tests)
#   scripts/cluster.sh destroy    stop everything and delete its data
#   scripts/cluster.sh env        the addresses, as shell variables
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

action="${1:-start}"
dir="${CASEWORK_CLUSTER_DIR:-$ROOT/.data/cluster}"
port="${CASEWORK_CLUSTER_PORT:-3100}"
instances="${CASEWORK_CLUSTER_INSTANCES:-3}"
# Below the ephemeral port range (32768 and up): a port the kernel gave an outgoing
# connection (in TIME-WAIT for a minute after) cannot be listened on.
pg_base="${CASEWORK_CLUSTER_PG_PORT:-25460}"
replica_port=$((pg_base + 1))
redis_port=$((pg_base + 2))
app_port() { echo $((port + $1)); }
metrics_port() { echo $((port + 100 + $1)); }

# CASEWORK_CLUSTER_PRIMARY_URL: a primary of your own (say, the benchmark's database on
# this machine, which must accept replication connections): it is not started, seeded,
# stopped, restarted or deleted here; the replica is made from it.
external_primary="${CASEWORK_CLUSTER_PRIMARY_URL:-}"
if [ -n "$external_primary" ]; then
  primary_url="$external_primary"
  hostport="${external_primary#*@}"; hostport="${hostport%%/*}"
  primary_port="${hostport##*:}"
  dbname="${external_primary##*/}"
else
  primary_port="$pg_base"
  dbname=casework
  primary_url="postgres://postgres@127.0.0.1:$primary_port/$dbname"
fi
replica_url="postgres://postgres@127.0.0.1:$replica_port/$dbname"
redis_url="redis://127.0.0.1:$redis_port"
# The server binary (CASEWORK_CLUSTER_BIN: another build, e.g. the benchmark's).
bin="${CASEWORK_CLUSTER_BIN:-$CASEWORK_BIN}"

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_basebackup" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local p="$1" what="$2" i
  for i in $(seq 1 300); do answers "$p" && return 0; sleep 0.1; done
  die "$what did not start on port $p (see $dir/*.log)"
}

# PostgreSQL runs as `postgres`, which may not reach a checkout under a private home
# (/root): its data and logs then live under /var/lib/casework instead.
pgroot="$dir"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$dir"
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  if ! runuser -u postgres -- test -x "$dir"; then
    pgroot="/var/lib/casework/$(printf '%s' "$dir" | md5sum | cut -c1-12)-cluster"
  fi
  mkdir -p "$pgroot"; chown postgres "$pgroot"
fi
pg_dir() { echo "$pgroot/$1"; }

start_primary() {
  local data; data="$(pg_dir primary)"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising the primary ($data)"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"; chmod 700 "$data"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = ''"
      echo "max_connections = 300"
      echo "shared_buffers = 256MB"
      echo "wal_level = replica"
      echo "max_wal_senders = 10"
      # Enough WAL kept for a replica that was down a while to catch up by streaming.
      echo "wal_keep_size = 1GB"
      echo "hot_standby = on"
    } | as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi
  if ! answers "$primary_port"; then
    as_owner "$bindir/pg_ctl" -D "$data" -l "$pgroot/primary.log" -o "-p $primary_port" -w -t 60 start >/dev/null
  fi
  if [ "$(as_owner "$bindir/psql" -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'casework'")" != 1 ]; then
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$primary_port" -U postgres casework
  fi
}

start_replica() {
  local data; data="$(pg_dir replica)"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "making the replica (pg_basebackup of the primary)"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"; chmod 700 "$data"
    as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
      -D "$data" -R -X stream -c fast
  fi
  if ! answers "$replica_port"; then
    as_owner "$bindir/pg_ctl" -D "$data" -l "$pgroot/replica.log" -o "-p $replica_port" -w -t 60 start >/dev/null
  fi
}

start_redis() {
  answers "$redis_port" && return 0
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  wait_for_port "$redis_port" "redis-server"
}

start_instance() {
  local n="$1" p; p="$(app_port "$n")"
  answers "$p" && return 0
  (
    export DATABASE_URL="$primary_url" DATABASE_READ_URL="$replica_url" REDIS_URL="$redis_url"
    export LEPTOS_SITE_ADDR="127.0.0.1:$p" LEPTOS_SITE_ROOT="$CASEWORK_SITE_ROOT"
    export PUBLIC_URL="http://127.0.0.1:$port" TRUSTED_PROXIES="127.0.0.1"
    export INSTANCE_NAME="app-$n" LOG_FORMAT=json METRICS_ADDR="127.0.0.1:$(metrics_port "$n")"
    exec "$bin" serve >>"$dir/app-$n.log" 2>&1
  ) &
  echo $! > "$dir/app-$n.pid"
  wait_for_port "$p" "instance $n"
}

write_nginx_conf() {
  local n servers=""
  for n in $(seq 1 "$instances"); do
    # An instance being restarted is marked down first (see `restart`).
    local down=""
    [ -f "$dir/draining-$n" ] && down=" down"
    servers+="    server 127.0.0.1:$(app_port "$n") max_fails=1 fail_timeout=2s$down;"$'\n'
  done
  cat > "$dir/nginx.conf" <<EOF
# Written by scripts/cluster.sh.
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-tmp/body;
  proxy_temp_path $dir/nginx-tmp/proxy;
  fastcgi_temp_path $dir/nginx-tmp/fastcgi;
  uwsgi_temp_path $dir/nginx-tmp/uwsgi;
  scgi_temp_path $dir/nginx-tmp/scgi;
  client_max_body_size 60m;
  # No keep-alive connections to the instances: an instance shutting down closes its
  # idle ones, and a write nginx had just sent on one would fail with a 502 that nginx
  # must not retry (the write may have happened). A new connection per request is
  # refused instead, before anything is sent, and then safely tried on the next one.
  upstream casework {
$servers  }
  server {
    listen 127.0.0.1:$port;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Request-Id \$request_id;
    # An instance that refuses or drops a connection: the next one takes the request,
    # when retrying cannot do a write twice (nginx retries POSTs only if told to).
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 3;
    proxy_connect_timeout 1s;
    location / {
      proxy_pass http://casework;
      proxy_read_timeout 120s;
    }
    # Event streams: unbuffered, held open, the client's Last-Event-ID passed on.
    location ~ /events\$ {
      proxy_pass http://casework;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
    }
  }
}
EOF
  mkdir -p "$dir/nginx-tmp"
}

start_nginx() {
  write_nginx_conf
  nginx -t -c "$dir/nginx.conf" -p "$dir" 2>"$dir/nginx-check.log" || { cat "$dir/nginx-check.log" >&2; die "nginx refused its configuration"; }
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
    nginx -c "$dir/nginx.conf" -p "$dir" -s reload
  else
    nginx -c "$dir/nginx.conf" -p "$dir"
  fi
  wait_for_port "$port" "nginx"
}

stop_pid() {
  local file="$1" signal="${2:-TERM}"
  [ -f "$file" ] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -"$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$file"
}

case "$action" in
  start)
    scripts/bootstrap.sh --cluster
    bindir="$(find_bindir)" || die "PostgreSQL server binaries are missing (scripts/bootstrap.sh installs them)"
    mkdir -p "$dir"
    if [ -z "${SKIP_BUILD:-}" ]; then
      say "building (release)"
      cargo leptos build --release --split
      node scripts/site-assets.mjs "$CASEWORK_SITE_ROOT"
    fi
    [ -z "$external_primary" ] && start_primary
    if [ -z "$external_primary" ] && [ ! -f "$dir/seeded" ]; then
      say "migrating and loading the demo data"
      DATABASE_URL="$primary_url" "$bin" seed --demo >/dev/null
      touch "$dir/seeded"
    fi
    start_replica
    start_redis
    for n in $(seq 1 "$instances"); do start_instance "$n"; done
    start_nginx
    say "cluster up: http://127.0.0.1:$port (nginx) → instances on $(for n in $(seq 1 "$instances"); do printf '%s ' "$(app_port "$n")"; done)"
    say "primary $primary_url, replica $replica_url, redis $redis_url; logs in $dir"
    ;;
  stop)
    bindir="$(find_bindir)" || true
    [ -f "$dir/nginx.pid" ] && nginx -c "$dir/nginx.conf" -p "$dir" -s quit 2>/dev/null || true
    for file in "$dir"/app-*.pid; do [ -e "$file" ] && stop_pid "$file"; done
    stop_pid "$dir/redis.pid"
    for which in replica $([ -z "$external_primary" ] && echo primary); do
      [ -f "$(pg_dir "$which")/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$(pg_dir "$which")" -m fast -w stop >/dev/null || true
    done
    say "cluster stopped (data kept in $dir)"
    ;;
  status)
    for n in $(seq 1 "$instances"); do
      answers "$(app_port "$n")" && echo "instance $n: up on $(app_port "$n") (metrics on $(metrics_port "$n"))" || echo "instance $n: down"
    done
    answers "$port" && echo "nginx: up on $port" || echo "nginx: down"
    answers "$primary_port" && echo "primary: up on $primary_port" || echo "primary: down"
    answers "$replica_port" && echo "replica: up on $replica_port" || echo "replica: down"
    answers "$redis_port" && echo "redis: up on $redis_port" || echo "redis: down"
    ;;
  kill)
    stop_pid "$dir/app-${2:?instance number}.pid" KILL
    ;;
  restart)
    # As a deployment would: take it out of the proxy (a reload lets nginx finish what
    # it already sent there), stop it with SIGTERM (it finishes its own in-flight
    # requests), start it, put it back. Stopping an instance the proxy still sends to
    # resets the connections waiting in its accept queue, and a write sent on one of
    # those cannot be retried safely: that is the SIGKILL case, not a planned restart.
    n="${2:?instance number}"
    touch "$dir/draining-$n"; start_nginx
    sleep 0.5
    stop_pid "$dir/app-$n.pid" TERM
    start_instance "$n"
    rm -f "$dir/draining-$n"; start_nginx
    ;;
  replica-stop)
    bindir="$(find_bindir)"
    as_owner "$bindir/pg_ctl" -D "$(pg_dir replica)" -m immediate -w stop >/dev/null
    ;;
  replica-start)
    bindir="$(find_bindir)"
    start_replica
    ;;
  primary-restart)
    # A fast shutdown (open transactions rolled back, sessions ended), then up again.
    [ -z "$external_primary" ] || die "the primary is not this cluster's to restart"
    bindir="$(find_bindir)"
    as_owner "$bindir/pg_ctl" -D "$(pg_dir primary)" -m fast -w -t 60 restart \
      -l "$pgroot/primary.log" -o "-p $primary_port" >/dev/null
    ;;
  redis-stop)
    stop_pid "$dir/redis.pid"
    ;;
  redis-start)
    start_redis
    ;;
  destroy)
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$pgroot"
    ;;
  env)
    echo "CLUSTER_URL=http://127.0.0.1:$port"
    echo "CLUSTER_PRIMARY_URL=$primary_url"
    echo "CLUSTER_REPLICA_URL=$replica_url"
    echo "CLUSTER_REDIS_URL=$redis_url"
    ;;
  *) die "unknown action '$action' (start, stop, status, kill N, restart N, replica-stop, replica-start, primary-restart, redis-stop, redis-start, destroy, env)" ;;
esac
