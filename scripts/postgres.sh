#!/usr/bin/env bash
# A local PostgreSQL for running Sluice by hand: data in <repo>/.pgdata, listening on 127.0.0.1 only.
#   scripts/postgres.sh start|stop|status|url
# `start` is idempotent and prints the connection string for ConnectionStrings__Postgres.
# Durability settings stay at PostgreSQL's defaults (fsync and synchronous_commit on).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${SLUICE_PG_PORT:-55432}"
database=sluice
base="$root/.pgdata"
data="$base/data"
log="$base/server.log"

bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$dir" ]; then
    bash "$root/scripts/setup-postgres.sh" >&2
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run its tools as the postgres OS user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The port of the running server (line 4 of postmaster.pid), else the one `start` would use.
current_port() {
  if [ -f "$data/postmaster.pid" ]; then
    sed -n 4p "$data/postmaster.pid"
  else
    echo "$port"
  fi
}

url() {
  echo "Host=127.0.0.1;Port=$(current_port);Database=$database;Username=postgres"
}

is_running() {
  [ -d "$data" ] && as_owner "$(bin_dir)/pg_ctl" status -D "$data" > /dev/null 2>&1
}

start() {
  local bin
  bin="$(bin_dir)"
  mkdir -p "$base"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$base"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    # Trust authentication is acceptable only because the server listens on 127.0.0.1 alone.
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale > "$base/initdb.log"
    cat >> "$data/postgresql.conf" <<CONF
# Sluice development server (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
shared_buffers = 512MB
wal_buffers = 16MB
max_wal_size = 4GB
checkpoint_timeout = 15min
max_connections = 200
CONF
  fi
  if ! is_running; then
    if ! as_owner "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "-p $port -k '$base'" > /dev/null; then
      echo "PostgreSQL did not start (port $port taken? set SLUICE_PG_PORT). Last lines of $log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
  fi
  local running_port
  running_port="$(current_port)"
  if [ "$(as_owner "$bin/psql" -h 127.0.0.1 -p "$running_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
    as_owner "$bin/psql" -h 127.0.0.1 -p "$running_port" -U postgres -d postgres -qc "CREATE DATABASE $database" > /dev/null
  fi
  url
}

stop() {
  if is_running; then
    as_owner "$(bin_dir)/pg_ctl" stop -D "$data" -m fast -w > /dev/null
  fi
  echo "stopped"
}

status() {
  if is_running; then
    echo "running on 127.0.0.1:$(current_port) ($(url))"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
