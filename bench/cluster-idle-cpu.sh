#!/usr/bin/env bash
# Reproduces "Idle cost of cluster mode" in docs/benchmarks.md: the CPU an idle Release service spends on its own, started
# alone and as a one-node cluster (Cluster:Enabled=true: an Orleans silo), over one PostgreSQL, nothing appended. Each run
# gets a fresh database, creates one postgres stream and --queries running queries over it (the cluster coordinator
# calls each running query's grain every second), waits --warmup seconds (start-up's compilation left out), then reads,
# before and after --seconds: the service's CPU time (utime + stime, /proc/PID/stat), the CPU time of the PostgreSQL
# backends serving its database, and that database's committed transactions (pg_stat_database). Modes alternate so
# both see the same machine load.
# Usage: bench/cluster-idle-cpu.sh [--seconds 60] [--rounds 2] [--warmup 20] [--queries 0] [--port 5089]
# PostgreSQL: scripts/postgres.sh's server (SLUICE_PG_PORT picks its port).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
rounds=2
warmup=20
queries=0
port=5089
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --queries) queries="$2"; shift ;;
    --port) port="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
dotnet build -c Release src/Api -v quiet -nologo >/dev/null
scripts/postgres.sh start >/dev/null
pg_port="$(scripts/postgres.sh url | sed -nE 's/.*Port=([0-9]+).*/\1/p')"
psql_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql"
sql() { "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAqc "$1"; }
ticks=$(getconf CLK_TCK)
base="http://127.0.0.1:$port"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
results=$(mktemp /tmp/sluice-idle-cpu.XXXXXX)

cpu_ticks() { # utime + stime of one process, in clock ticks (0 once it is gone)
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
backends() { # "pid ticks" of every backend connected to database $1
  for pid in $(sql "SELECT pid FROM pg_stat_activity WHERE datname = '$1'"); do
    echo "$pid $(cpu_ticks "$pid")"
  done
}
transactions() {
  sql "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$1'"
}

run() { # $1 = single|cluster, $2 = round
  local mode="$1" database="idle_${1}_$2_$$" extra=()
  sql "CREATE DATABASE $database" >/dev/null
  if [ "$mode" = cluster ]; then
    extra=(Cluster__Enabled=true Cluster__NodeName=idle Cluster__ClusterId="idle-$$-$2" Cluster__SiloPort=$((port + 6000)) Cluster__GatewayPort=$((port + 7000)))
  fi
  (cd src/Api/bin/Release/net10.0 && exec env ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=$database;Username=postgres" \
    "${extra[@]}" dotnet Sluice.Api.dll --urls "$base" --Logging:LogLevel:Default=Warning) &
  server=$!
  for _ in $(seq 1 600); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.2; done
  curl -sf -X POST "$base/api/streams" -H 'Content-Type: application/json' \
    -d '{"name":"idle_in","storage":"postgres","schema":{"v":"bigint"}}' >/dev/null
  for q in $(seq 1 "$queries"); do
    curl -sf -X POST "$base/api/queries" -H 'Content-Type: application/json' -d "{\"name\":\"idle_q$q\",\"sql\":\"SELECT v FROM idle_in\"}" >/dev/null
  done
  sleep "$warmup"
  local before after pg_before pg_after tx_before tx_after
  before=$(cpu_ticks "$server"); pg_before=$(backends "$database"); tx_before=$(transactions "$database")
  sleep "$seconds"
  # Statistics reach pg_stat_database when a backend reports them (at most every second or so when idle).
  after=$(cpu_ticks "$server"); pg_after=$(backends "$database"); tx_after=$(transactions "$database")
  local pg_ticks
  pg_ticks=$(awk 'NR == FNR { b[$1] = $2; next } { d += $2 - ($1 in b ? b[$1] : 0) } END { print d + 0 }' \
    <(echo "$pg_before") <(echo "$pg_after"))
  awk -v m="$mode" -v s="$seconds" -v t="$ticks" -v c=$((after - before)) -v p="$pg_ticks" -v x=$((tx_after - tx_before)) 'BEGIN {
    printf "  [%s] service %.1f ms CPU per second, its PostgreSQL backends %.1f ms per second, %.1f transactions per second\n", m, 1000 * c / t / s, 1000 * p / t / s, x / s
  }'
  echo "$mode $(awk -v s="$seconds" -v t="$ticks" -v c=$((after - before)) 'BEGIN { print 1000 * c / t / s }') \
$(awk -v s="$seconds" -v t="$ticks" -v p="$pg_ticks" 'BEGIN { print 1000 * p / t / s }') $(awk -v s="$seconds" -v x=$((tx_after - tx_before)) 'BEGIN { print x / s }')" >> "$results"
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  server=""
  sql "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds (idle for $seconds s after $warmup s of warm-up, $queries running queries)"
  if [ $((round % 2)) -eq 1 ]; then run single "$round"; run cluster "$round"; else run cluster "$round"; run single "$round"; fi
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== medians over $rounds rounds (ms of CPU per second of idling; transactions per second)"
for mode in single cluster; do
  printf "%-8s service %6.1f ms/s  PostgreSQL backends %6.1f ms/s  %6.1f transactions/s\n" "$mode" \
    "$(awk -v m=$mode '$1 == m { print $2 }' "$results" | median)" \
    "$(awk -v m=$mode '$1 == m { print $3 }' "$results" | median)" \
    "$(awk -v m=$mode '$1 == m { print $4 }' "$results" | median)"
done
rm -f "$results"
