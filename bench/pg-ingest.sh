#!/usr/bin/env bash
# PostgreSQL ingest, builds compared in alternation (docs/benchmarks.md, "PostgreSQL ingest ... 1 Dec"): per round and per
# build, a fresh service, a warm-up run of the same length, then NDJSON batches of 1,000 without and with a schema into fresh postgres
# streams (deleted after each run, so no run pays autovacuum for an earlier run's table). Per run one line: events/s
# committed, CPU per event of the service, PostgreSQL and the load tool, WAL bytes and WAL records per event and WAL
# flushes (fsyncs) per 1,000 events from pg_stat_wal, and the load average.
# Usage: bench/pg-ingest.sh [--seconds 10] [--rounds 3] [--concurrency 4] NAME=DIR[,VAR=VALUE...] ...
#   DIR is a build's src/Api output folder; VAR=VALUE pairs go into that service's environment.
# PostgreSQL comes from scripts/postgres.sh (SLUICE_PG_PORT moves it); SLUICE_INGEST_PORT moves the service off 5077.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
rounds=3
concurrency=4
builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    *) builds+=("$1") ;;
  esac
  shift
done
[ ${#builds[@]} -gt 0 ] || { echo "usage: $0 [--seconds N] [--rounds N] NAME=DIR[,VAR=VALUE...] ..." >&2; exit 2; }
port="${SLUICE_INGEST_PORT:-5077}"
dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
scripts/postgres.sh start >/dev/null
connection="$(scripts/postgres.sh url)"
pg_port="$(sed -n 4p .pgdata/data/postmaster.pid)"
postmaster="$(head -n 1 .pgdata/data/postmaster.pid)"
psql_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql"
sql() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d sluice -tAc "$1"
  else "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d sluice -tAc "$1"; fi
}
wal() { sql "SELECT wal_bytes, wal_records, wal_sync FROM pg_stat_wal" | tr '|' ' '; }

server=""
stop_server() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap stop_server EXIT

run() {
  local round="$1" name="$2" dir="$3" env_pairs="$4"
  local -a env_args=()
  IFS=',' read -r -a env_args <<< "$env_pairs"
  (cd "$dir" && exec env "${env_args[@]}" ConnectionStrings__Postgres="$connection" dotnet Sluice.Api.dll \
    --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning) &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
  local load=(dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:$port" --storage postgres
    --concurrency "$concurrency" --server-pid "$server" --postgres-pid "$postmaster" --delete)
  "${load[@]}" --seconds "$seconds" >/dev/null
  for schema in "" "--schema"; do
    local before after out
    before="$(wal)"
    out="$("${load[@]}" --seconds "$seconds" $schema)"
    after="$(wal)"
    echo "$out" | awk -v round="$round" -v name="$name" -v mode="${schema:-no schema}" -v before="$before" -v after="$after" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
      /^events appended/ { gsub(",", "", $3); events = $3 }
      /^events\/s/ { rate = $2 }
      /^server CPU/ { svc = $5; sub(/\(/, "", svc) }
      /^postgres CPU/ { pg = $5; sub(/\(/, "", pg) }
      /^client CPU / { cl = $5; sub(/\(/, "", cl) }
      END {
        split(before, b, " "); split(after, a, " ")
        printf "round %s  %-12s %-9s %10s ev/s  service %5.2f  postgres %5.2f  client %5.2f us/ev  WAL %5.1f B/ev %4.2f rec/ev  %5.2f fsync/1000ev  load %s\n",
          round, name, mode, rate, svc, pg, cl, (a[1] - b[1]) / events, (a[2] - b[2]) / events, 1000 * (a[3] - b[3]) / events, load
      }'
  done
  stop_server
}

for round in $(seq 1 "$rounds"); do
  for build in "${builds[@]}"; do
    name="${build%%=*}"
    rest="${build#*=}"
    dir="${rest%%,*}"
    env_pairs=""
    [ "$rest" != "$dir" ] && env_pairs="${rest#*,}"
    run "$round" "$name" "$dir" "$env_pairs"
  done
done
