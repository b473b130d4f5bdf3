#!/usr/bin/env bash
# Reproduces "Checkpoints" in docs/benchmarks.md, against a Release service and scripts/postgres.sh:
#  1. cost: Nexmark q0+q1+q2, then q5, over postgres streams (durable queries), with Queries:CheckpointInterval 1s
#     and 0s (off), alternating rounds so both see the same machine load;
#  2. recovery: a GROUP BY query holding N groups is SIGKILLed after its checkpoint covers all its input, and the
#     service is started again (--restarts times, SIGKILLed again after each): time from the process start to the query
#     running caught up, per N, and the service's own start-up timeline (the "Start-up:" and query log lines, each saying
#     when its phase ended in ms after the process started).
#  3. pause: the in-process checkpoint-cost benchmark (write on the driver vs capture + serialize off it, read back).
# Usage: bench/checkpoints.sh [--quick] [--events 200000] [--rounds 2] [--groups "100000 1000000"] [--restarts 3] [--port 5078]
#                             [--skip-cost] [--skip-pause] [--compare DIR] [--reuse] [--trace FILE]
#   --quick: one round of 50,000 events and recovery of 100,000 groups (a few minutes on a quiet machine; the full run
#   is about half an hour on a busy one). Options after --quick override it.
#   --compare DIR: step 2 restarts alternate between the build in DIR (another commit's src/Api/bin/Release/net10.0,
#   "before") and this tree's ("after"), --restarts times each, on the same database and machine.
#   --reuse: step 2 keeps a query that already holds the N groups from an earlier run (skips the fill) and leaves it.
#   --trace FILE: after the restarts, one more start of this tree sampled from its first instruction (EventPipe, written as
#   the service stops gracefully once the query caught up), then bench/startup-breakdown.py on it (dotnet-trace needed:
#   `dotnet tool install --tool-path /tmp/perftools dotnet-trace`).
set -euo pipefail
cd "$(dirname "$0")/.."
events=200000
rounds=2
groups="100000 1000000"
port=5078
cost=1
pause=1
restarts=3
compare=""
reuse=0
trace=""
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --groups) groups="$2"; shift ;;
    --port) port="$2"; shift ;;
    --restarts) restarts="$2"; shift ;;
    --skip-cost) cost=0 ;;
    --skip-pause) pause=0 ;;
    --compare) compare="$(cd "$2" && pwd)"; shift ;;
    --reuse) reuse=1 ;;
    --trace) trace="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift ;;
    --quick) events=50000; rounds=1; groups="100000" ;;
    *) echo "unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
dotnet build -c Release src/Api -v quiet -nologo >/dev/null
if [ "$cost" = 1 ]; then dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null; fi
if [ "$pause" = 1 ]; then dotnet build -c Release bench/Sluice.Benchmarks -v quiet -nologo >/dev/null; fi
scripts/postgres.sh start >/dev/null
connection="$(scripts/postgres.sh url)"
pg_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$connection")"
psql_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql"
sql() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d sluice -tAc "$1"
  else "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d sluice -tAc "$1"; fi
}
base="http://127.0.0.1:$port"
server=""
tracing=""
log="$(mktemp)"
this_build="$(pwd)/src/Api/bin/Release/net10.0"
start_server() { # $1 = checkpoint interval, $2 = build folder (default this tree's); the service's log goes to $log (Sluice's own lines, the start-up timeline at Debug)
  (cd "${2:-$this_build}" && exec env ${tracing:+DOTNET_EnableEventPipe=1 DOTNET_EventPipeOutputPath="$tracing"} \
    ${tracing:+DOTNET_EventPipeConfig=Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:0x4c14fccbd:5} ConnectionStrings__Postgres="$connection" Queries__CheckpointInterval="$1" dotnet Sluice.Api.dll \
    --urls "$base" --Logging:LogLevel:Default=Warning --Logging:LogLevel:Sluice=Information --Logging:LogLevel:Sluice.Startup=Debug >"$log" 2>&1) &
  server=$!
  for _ in $(seq 1 1200); do curl -sf "$base/health/ready" >/dev/null && return; sleep 0.05; done
  echo "the service did not get ready" >&2; exit 1
}
stop_server() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }
trap 'stop_server; rm -f "$log"' EXIT

if [ "$cost" = 1 ]; then
  for round in $(seq 1 "$rounds"); do
    for interval in 1s 0s; do
      echo "== round $round, Queries:CheckpointInterval=$interval"
      start_server "$interval"
      for queries in q0,q1,q2 q5; do
        dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll nexmark --url "$base" --storage postgres --events "$events" \
          --queries "$queries" --concurrency 1 --server-pid "$server" | grep -E "^(queries|ingest|server CPU|nexmark_)|events per" || true
      done
      stop_server
    done
  done
fi

for n in $groups; do
  echo "== recovery of a query holding $n groups"
  start_server 1s
  if [ "$reuse" = 1 ] && [ "$(sql "SELECT input_offsets[1] FROM query_checkpoints WHERE query = 'groups'")" = "$n" ]; then
    echo "(reusing the query of an earlier run)"
  else
    curl -sf -X DELETE "$base/api/queries/groups" >/dev/null || true
    curl -sf -X DELETE "$base/api/streams/groups" >/dev/null || true
    curl -sf -X DELETE "$base/api/streams/g" >/dev/null || true
    curl -sf -H 'Content-Type: application/json' -d '{"name":"g","storage":"postgres","schema":{"k":"bigint"}}' "$base/api/streams" >/dev/null
    curl -sf -H 'Content-Type: application/json' -d '{"name":"groups","sql":"SELECT k, COUNT(*) AS n FROM g GROUP BY k"}' "$base/api/queries" >/dev/null
    for from in $(seq 0 50000 $((n - 1))); do
      seq "$from" $((from + 49999 < n - 1 ? from + 49999 : n - 1)) | sed 's/.*/{"k":&}/' |
        curl -sf -H 'Content-Type: application/x-ndjson' --data-binary @- "$base/api/streams/g/events" >/dev/null
    done
    until [ "$(sql "SELECT input_offsets[1] FROM query_checkpoints WHERE query = 'groups'")" = "$n" ]; do sleep 0.2; done
  fi
  echo "checkpoint: $(sql "SELECT octet_length(state) FROM query_checkpoints WHERE query = 'groups'") bytes of state"
  for restart in $(seq 1 "$restarts"); do
    for build in ${compare:+"$compare"} "$this_build"; do
      label=""
      if [ -n "$compare" ]; then label=" ($([ "$build" = "$compare" ] && echo before || echo after))"; fi
      kill -9 "$server"; wait "$server" 2>/dev/null || true
      started=$(date +%s%N)
      start_server 1s "$build"
      ready=$(date +%s%N)
      until curl -sf "$base/api/queries/groups" | grep -q '"replayedEvents":[0-9]'; do sleep 0.02; done
      running=$(date +%s%N)
      echo "restart $restart$label: service ready after $(( (ready - started) / 1000000 )) ms; query running, caught up, after $(( (running - started) / 1000000 )) ms"
      curl -sf "$base/api/queries/groups" | grep -oE '"recovery":\{[^}]*\}'
      grep -oE '(Start-up: .*|Query groups (read|restored|caught) .*)' "$log" | sed 's/^/  /'
    done
  done
  if [ -n "$trace" ]; then
    kill -9 "$server"; wait "$server" 2>/dev/null || true
    started=$(date +%s%N)
    tracing="$trace" start_server 1s
    until curl -sf "$base/api/queries/groups" | grep -q '"replayedEvents":[0-9]'; do sleep 0.02; done
    running=$(date +%s%N)
    echo "traced restart: query running, caught up, after $(( (running - started) / 1000000 )) ms (slower than untraced)"
    grep -oE '(Start-up: .*|Query groups (read|restored|caught) .*)' "$log" | sed 's/^/  /'
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
    /tmp/perftools/dotnet-trace convert "$trace" --format speedscope -o "${trace%.nettrace}" >/dev/null
    python3 bench/startup-breakdown.py "${trace%.nettrace}.speedscope.json" "$(( (running - started) / 1000000 ))"
    start_server 1s
  fi
  if [ "$reuse" = 0 ]; then
    curl -sf -X DELETE "$base/api/queries/groups" >/dev/null
    curl -sf -X DELETE "$base/api/streams/g" >/dev/null
  fi
  stop_server
done

if [ "$pause" = 1 ]; then
  echo "== checkpoint of a GROUP BY in process (groups: $groups)"
  # shellcheck disable=SC2086 # one argument per size
  dotnet bench/Sluice.Benchmarks/bin/Release/net10.0/Sluice.Benchmarks.dll checkpoint-cost $groups
fi
