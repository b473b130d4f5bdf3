#!/usr/bin/env bash
# Reproduces "Cost of cluster mode on one node" in docs/benchmarks.md: Nexmark q0+q1+q2 end to end over postgres streams
# (durable queries), against one Release service started alone and then as a one-node cluster (Cluster:Enabled=true: an
# Orleans silo, the query run by its grain, appends announced with a NOTIFY and outputs fenced), alternating rounds
# so both see the same machine load. Prints each run's events per server CPU-second and end-to-end rates, then the
# medians and the ratio cluster/single (the issue asks for a cost of at most 10 %).
# Usage: bench/cluster-cost.sh [--events 300000] [--rounds 3] [--queries q0,q1,q2] [--port 5079]
set -euo pipefail
cd "$(dirname "$0")/.."
events=300000
rounds=3
queries=q0,q1,q2
port=5079
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --queries) queries="$2"; shift ;;
    --port) port="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
dotnet build -c Release src/Api -v quiet -nologo >/dev/null
dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
scripts/postgres.sh start >/dev/null
connection="$(scripts/postgres.sh url)"
base="http://127.0.0.1:$port"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
results=$(mktemp /tmp/sluice-cluster-cost.XXXXXX)

run() { # $1 = single|cluster
  local mode="$1" extra=()
  if [ "$mode" = cluster ]; then
    extra=(Cluster__Enabled=true Cluster__NodeName=bench Cluster__ClusterId="bench-$$" Cluster__SiloPort=$((port + 6000)) Cluster__GatewayPort=$((port + 7000)))
  fi
  (cd src/Api/bin/Release/net10.0 && exec env ConnectionStrings__Postgres="$connection" "${extra[@]}" dotnet Sluice.Api.dll \
    --urls "$base" --Logging:LogLevel:Default=Warning) &
  server=$!
  for _ in $(seq 1 600); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.2; done
  local out
  out=$(dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll nexmark --url "$base" --events "$events" --queries "$queries" \
    --storage postgres --server-pid "$server")
  echo "$out" | sed "s/^/  [$mode] /"
  local cpu e2e
  cpu=$(sed -nE 's/.*: ([0-9,]+) events per server CPU-second.*/\1/p' <<<"$out" | tr -d ,)
  # The slowest query's end-to-end rate is the run's.
  e2e=$(sed -nE 's/^q[0-9]+ +end to end +([0-9,]+) events\/s.*/\1/p' <<<"$out" | tr -d , | sort -n | head -n 1)
  echo "$mode ${cpu:-0} ${e2e:-0}" >> "$results"
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  server=""
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds ($queries, $events events, postgres streams)"
  # A cold first run per mode would bias whichever goes first: alternate the order.
  if [ $((round % 2)) -eq 1 ]; then run single; run cluster; else run cluster; run single; fi
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
single_cpu=$(awk '$1 == "single" { print $2 }' "$results" | median)
cluster_cpu=$(awk '$1 == "cluster" { print $2 }' "$results" | median)
single_e2e=$(awk '$1 == "single" { print $3 }' "$results" | median)
cluster_e2e=$(awk '$1 == "cluster" { print $3 }' "$results" | median)
echo "== medians over $rounds rounds"
awk -v sc="$single_cpu" -v cc="$cluster_cpu" -v se="$single_e2e" -v ce="$cluster_e2e" 'BEGIN {
  printf "events per server CPU-second  single %.0f  cluster %.0f  cluster/single %.3f\n", sc, cc, (sc > 0 ? cc / sc : 0)
  printf "end to end (slowest query)    single %.0f  cluster %.0f  cluster/single %.3f\n", se, ce, (se > 0 ? ce / se : 0)
}'
rm -f "$results"
