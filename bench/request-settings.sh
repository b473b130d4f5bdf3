#!/usr/bin/env bash
# One event per POST against several services at once — builds or settings — in turns, the order turning every round
# (docs/benchmarks.md, "One event per POST"). Each spec is "LABEL DIR [NAME=value ...] [--setting value ...]": the
# service in DIR (a build output holding Sluice.Api.dll) with those environment variables and command-line settings.
# Each run is `Sluice.Load ingest --mode single` (32 clients, memory stream, a fresh stream deleted after the run).
# Prints one line per run and then, per label, medians over the warm rounds (all but the first): requests/s, the
# service's and the load tool's CPU time per request; with --alloc also the bytes the service allocated per request
# (dotnet-counters in $PERF_TOOLS, default /tmp/perftools: `dotnet tool install --tool-path /tmp/perftools dotnet-counters`),
# a figure the machine's other work does not move, unlike CPU time.
# With --fresh, every round starts new service processes and warms each with an uncounted 3 s run first.
# Usage: bench/request-settings.sh [--rounds 4] [--seconds 6] [--server-cpus 1] [--load-cpus 0] [--port 5280] [--alloc] [--fresh] SPEC...
#   e.g. bench/request-settings.sh --rounds 5 "base /tmp/base-build" "after src/Api/bin/Release/net10.0"
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=4
seconds=6
server_cpus=""
load_cpus=""
port=5280
alloc=""
fresh=""
tools=${PERF_TOOLS:-/tmp/perftools}
specs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --server-cpus) server_cpus="$2"; shift ;;
    --load-cpus) load_cpus="$2"; shift ;;
    --port) port="$2"; shift ;;
    --alloc) alloc=1 ;;
    --fresh) fresh=1 ;;
    *) specs+=("$1") ;;
  esac
  shift
done
scratch="$(mktemp -d)"
pids=()
labels=()
ports=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
start_services() {
  pids=(); labels=(); ports=()
  local port=$first_port spec words label dir envs args word pin
  for spec in "${specs[@]}"; do
    read -r -a words <<<"$spec"
    label="${words[0]}"; dir="$(cd "${words[1]}" && pwd)"
    envs=(); args=()
    for word in "${words[@]:2}"; do
      if [[ "$word" != --* && "$word" == *=* && ${#args[@]} -eq 0 ]]; then envs+=("$word"); else args+=("$word"); fi
    done
    pin=()
    if [ -n "$server_cpus" ]; then pin=(taskset -c "$server_cpus"); fi
    (cd "$dir" && exec env "${envs[@]}" "${pin[@]}" dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port" \
       --Logging:LogLevel:Default=Warning --ConnectionStrings:Postgres= "${args[@]}") >"$scratch/service-$port.log" 2>&1 &
    pids+=($!); labels+=("$label"); ports+=("$port")
    port=$((port + 1))
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
  done
}
first_port=$port
start_services
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

load() { # round, index
  local i="$2" pin=() output helper="" counters="$scratch/counters" bytes=0
  if [ -n "$load_cpus" ]; then pin=(taskset -c "$load_cpus"); fi
  if [ -n "$alloc" ]; then
    # Stops by itself (--duration) and then writes its file: neither q on its input nor SIGINT made it write one here.
    rm -f "$counters.csv"
    "$tools/dotnet-counters" collect -p "${pids[$i]}" --refresh-interval 1 --format csv -o "$counters.csv" \
      --duration "00:00:00:$(printf %02d $((seconds + 5)))" --counters "System.Runtime[dotnet.gc.heap.total_allocated]" \
      </dev/null >"$counters.log" 2>&1 &
    helper=$!
    sleep 2
  fi
  output="$("${pin[@]}" dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:${ports[$i]}" \
            --seconds "$seconds" --mode single --server-pid "${pids[$i]}" --delete)"
  if [ -n "$helper" ]; then
    wait "$helper" 2>/dev/null || true
    # Rates per 1 s interval, summed: the run, plus the idle seconds around it (next to nothing).
    [ -f "$counters.csv" ] || { echo "dotnet-counters wrote nothing:" >&2; cat "$counters.log" >&2; }
    bytes=$(awk -F, '/total_allocated/ { b += $NF } END { printf "%.0f", b }' "$counters.csv" 2>/dev/null || echo 0)
  fi
  awk -v round="$1" -v label="${labels[$i]}" -v bytes="$bytes" '
    /^requests\/s/ { gsub(",", "", $2); rate = $2 }
    /^events appended/ { gsub(",", "", $3); requests = $3 }
    /^server CPU/ { server = $5; sub(/\(/, "", server) }
    /^client CPU\/request/ { client = $3 }
    END { printf "round %d  %-14s requests/s %8d   service CPU per request %7.1f us   load tool %6.1f us   allocated per request %6.0f B\n",
                 round, label, rate, server, client, requests ? bytes / requests : 0 }' <<<"$output"
}
n=${#labels[@]}
for round in $(seq 1 "$rounds"); do
  if [ -n "$fresh" ] && [ "$round" -gt 1 ]; then
    # New processes every round: one process of a build can run slower than another of the same build all its life.
    kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
    start_services
  fi
  if [ -n "$fresh" ]; then
    for k in $(seq 0 $((n - 1))); do # an uncounted warm-up run each
      dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:${ports[$k]}" --seconds 3 --mode single --delete >/dev/null
    done
  fi
  for k in $(seq 0 $((n - 1))); do
    load "$round" $(( (k + round - 1) % n )) >>"$scratch/results"
    tail -n 1 "$scratch/results"
  done
done
echo "medians over rounds $([ "$rounds" -gt 1 ] && echo "2-$rounds" || echo 1):"
for label in "${labels[@]}"; do
  awk -v label="$label" -v rounds="$rounds" '
    BEGIN { n = 0 }
    function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                      return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2 }
    $3 == label && (rounds == 1 || $2 > 1) { rate[n] = $5; server[n] = $10; client[n] = $14; bytes[n] = $19; n++ }
    END { if (n) printf "%-14s requests/s %8.0f   service CPU per request %7.1f us   load tool %6.1f us   allocated per request %6.0f B\n",
                        label, median(rate, n), median(server, n), median(client, n), median(bytes, n) }' "$scratch/results"
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
