#!/usr/bin/env bash
# One event per POST into a memory stream, driven by wrk (docs/benchmarks.md, "One event per POST with wrk"): wrk is a
# C load tool that spends a few µs of CPU per request, where `Sluice.Load ingest --mode single` (HttpClient) spends
# about as much as the service, so on this 2-core machine it caps the pair near 23,000 requests/s whatever the service
# does. Builds (or settings of one build) are compared in alternation: per round and per build, a fresh service, an
# uncounted warm-up run of wrk, then the counted run. Per run one line: requests/s, service and wrk CPU per request,
# non-2xx answers; after the run the stream's head must equal the 2xx answers, give or take the requests in flight when wrk stopped.
# Usage: bench/post-wrk.sh [--seconds 10] [--warmup 10] [--rounds 3] [--connections 32] [--threads 2] NAME=DIR[,VAR=VALUE...] ...
#   DIR is a build's src/Api output folder; VAR=VALUE pairs go into that service's environment.
# wrk comes from Debian's package (installed here when missing). SLUICE_INGEST_PORT moves the service off 5077.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
warmup=10
rounds=3
connections=32
threads=2
builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    *) builds+=("$1") ;;
  esac
  shift
done
[ ${#builds[@]} -gt 0 ] || builds=("main=src/Api/bin/Release/net10.0")
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
port="${SLUICE_INGEST_PORT:-5077}"
url="http://127.0.0.1:$port"
scratch="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$scratch"' EXIT
# A Nexmark-like bid of about 130 bytes; its timestamp is the stream's timestampField.
cat >"$scratch/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"auction":1007,"bidder":2011,"price":150,"channel":"web","url":"https://x.io/7","date_time":"2026-11-24T16:00:00.007Z","extra":""}'
EOF
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

for round in $(seq 1 "$rounds"); do
  for spec in "${builds[@]}"; do
    name="${spec%%=*}"; rest="${spec#*=}"; dir="${rest%%,*}"
    envs=()
    [[ "$rest" == *,* ]] && IFS=, read -r -a envs <<<"${rest#*,}"
    (cd "$dir" && exec env ConnectionStrings__Postgres= "${envs[@]}" dotnet Sluice.Api.dll --urls "$url" --Logging:LogLevel:Default=Warning) \
      >"$scratch/service.log" 2>&1 &
    server=$!
    for _ in $(seq 1 300); do curl -sf "$url/health/live" >/dev/null && break; sleep 0.1; done
    curl -sf -X POST "$url/api/streams" -H 'content-type: application/json' \
      -d '{"name":"wrk_bids","storage":"memory","timestampField":"date_time","capacity":1000000}' >/dev/null
    run_wrk() { /usr/bin/time -f "%U %S" -o "$scratch/wrk-cpu.txt" wrk -t"$threads" -c"$connections" -d"$1"s -s "$scratch/post.lua" "$url/api/streams/wrk_bids/events"; }
    run_wrk "$warmup" >"$scratch/warmup.txt"
    warm_requests=$(awk '/requests in/ { print $1 }' "$scratch/warmup.txt")
    warm_errors=$(awk '/Non-2xx/ { print $NF }' "$scratch/warmup.txt")
    before=$(cpu_ticks "$server")
    run_wrk "$seconds" >"$scratch/run.txt"
    after=$(cpu_ticks "$server")
    wrk_cpu=$(awk '{ print $1 + $2 }' "$scratch/wrk-cpu.txt")
    requests=$(awk '/requests in/ { print $1 }' "$scratch/run.txt")
    errors=$(awk '/Non-2xx/ { print $NF }' "$scratch/run.txt")
    rate=$(awk '/Requests\/sec/ { print $2 }' "$scratch/run.txt")
    head=$(curl -sf "$url/api/streams/wrk_bids" | sed -E 's/.*"headOffset":([0-9]+).*/\1/')
    expected=$(( warm_requests + requests - ${warm_errors:-0} - ${errors:-0} ))
    # wrk counts only answered requests: those in flight when a run stops are appended but not counted, at most one per
    # connection per run. Anything outside that is a lost or doubled event.
    in_flight=$(( head - expected ))
    check="head = 2xx answers + $in_flight in flight at stop"
    if [ "$in_flight" -lt 0 ] || [ "$in_flight" -gt $(( 2 * connections )) ]; then check="LOST OR DOUBLED: head $head, 2xx answers $expected"; fi
    awk -v name="$name" -v round="$round" -v rate="$rate" -v ticks="$((after - before))" -v hz="$hz" -v requests="$requests" \
        -v errors="${errors:-0}" -v wrk_cpu="$wrk_cpu" -v check="$check" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
      'BEGIN { printf "round %s  %-10s %10.0f requests/s  service %5.1f  wrk %5.1f us/request  non-2xx %s  %s  load %s\n", round, name, rate, ticks / hz / requests * 1e6, wrk_cpu / requests * 1e6, errors, check, load }'
    kill $server; wait $server 2>/dev/null || true; server=""
  done
done
