#!/usr/bin/env bash
# Nexmark end to end over HTTP (docs/benchmarks.md): starts the Release service from its output folder on
# 127.0.0.1, runs `Sluice.Load nexmark` --runs times against it (the first run is the cold one), and stops it.
# With --alloc, the last run also reports the service's allocated bytes per event (dotnet-counters); with --jit, the
# methods the JIT compiled during the last run and the time it spent (dotnet-counters; is it warm-up or steady?); with
# --trace, the last run is also profiled (dotnet-trace, CPU samples) into the file given; with --perf, the last run is
# sampled on-CPU by perf (call graphs, the runtime's perf map for JIT-compiled names) into the file given (then
# `python3 bench/perf-breakdown.py FILE`, which keeps the samples of the load tool's measured window, FILE.window). --trace's thread-time samples include threads the OS is not running; perf's do not.
# Extra environment (GC settings, say DOTNET_gcServer=0) passes through to the service.
# Usage: bench/nexmark-e2e.sh [--events 1000000] [--queries q0,q1,q2] [--runs 2] [--seconds 120] [--capacity N] [--alloc] [--jit] [--trace out.nettrace] [--perf out.perf.data] [--build]
# (--seconds bounds each run of the load tool; 5M events on a loaded machine need more than its default 120.
#  --capacity: events each input memory stream keeps; by default all of them, see docs/benchmarks.md on 5M and 1 GB.)
# dotnet-counters and dotnet-trace: `dotnet tool install --tool-path /tmp/perftools dotnet-counters` (and dotnet-trace).
set -euo pipefail
cd "$(dirname "$0")/.."
events=1000000
queries=q0,q1,q2
runs=2
seconds=120
capacity=""
alloc=""
jit=""
trace=""
perf=""
build=""
tools=${PERF_TOOLS:-/tmp/perftools}
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift ;;
    --queries) queries="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --capacity) capacity="$2"; shift ;;
    --alloc) alloc=1 ;;
    --jit) jit=1 ;;
    --trace) trace="$2"; shift ;;
    --perf) perf="$2"; shift ;;
    --build) build=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
port=${PORT:-5731}
if [ -n "$build" ]; then
  dotnet build -c Release src/Api -v quiet -nologo >/dev/null
  dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
fi
# Run from the output folder: a content root at the repo would make the file watcher follow .pgdata/.
# SLUICE_API_DIR picks another build's output (say, a copy of the commit before a change, to compare in one session).
# With --perf the runtime writes /tmp/perf-PID.map, so perf names JIT-compiled frames.
# W^X off: its double-mapped code pages hide JIT-compiled frames from perf.
[ -n "$perf" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
(cd "${SLUICE_API_DIR:-src/Api/bin/Release/net10.0}" && exec dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning) &
server=$!
helper=""
trap 'kill $server 2>/dev/null || true; [ -n "$helper" ] && kill $helper 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done

load() { dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll nexmark --url "http://127.0.0.1:$port" --events "$events" --queries "$queries" --seconds "$seconds" --server-pid "$server" ${capacity:+--capacity "$capacity"}; }
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs ($queries, $events events)"
  if [ "$run" -lt "$runs" ]; then load; continue; fi
  counters=$(mktemp -u /tmp/sluice-alloc.XXXXXX)
  # Job control on: the helpers get their own process group, where SIGINT (their "stop and write the file") is not ignored.
  set -m
  if [ -n "$alloc" ] || [ -n "$jit" ]; then
    wanted='dotnet.gc.heap.total_allocated,dotnet.gc.collections,dotnet.thread_pool.work_item.count'
    [ -n "$jit" ] && wanted='dotnet.jit.compiled_methods,dotnet.jit.compilation.time,dotnet.jit.compiled_il.size'
    # dotnet-counters stops (and flushes its CSV) when it reads q from its standard input: give it a pipe to write that to.
    mkfifo "$counters.in"
    "$tools/dotnet-counters" collect -p "$server" --refresh-interval 1 --format csv -o "$counters.csv" \
      --counters "System.Runtime[$wanted]" <"$counters.in" >/dev/null &
    helper=$!
    exec 3>"$counters.in"
  elif [ -n "$trace" ]; then
    "$tools/dotnet-trace" collect -p "$server" --profile dotnet-sampled-thread-time -o "$trace" >/dev/null &
    helper=$!
  elif [ -n "$perf" ]; then
    # Timestamps on CLOCK_MONOTONIC, the load tool's clock: its measured window ("$perf.window") then selects the
    # samples of the run itself, not of the event generation before it (when the tiering JIT still works on run 1's code).
    perf record -k CLOCK_MONOTONIC -F 999 -g -p "$server" -o "$perf" >/dev/null 2>&1 &
    helper=$!
  fi
  set +m
  [ -n "$helper" ] && sleep 2
  if [ -n "$perf" ]; then
    load | tee "$perf.out"
    awk '/^measured window/ { print $3 }' "$perf.out" >"$perf.window"
    rm -f "$perf.out"
  else
    load
  fi
  if [ -n "$helper" ]; then
    if [ -n "$alloc" ] || [ -n "$jit" ]; then echo q >&3; exec 3>&-; rm -f "$counters.in"; else kill -INT "$helper" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do kill -0 "$helper" 2>/dev/null || break; sleep 0.2; done
    kill -TERM "$helper" 2>/dev/null || true
    wait "$helper" 2>/dev/null || true
    helper=""
  fi
  if [ -n "$alloc" ] && [ -f "$counters.csv" ]; then
    # Rates per 1 s interval, summed over the run (includes the ~2 s idle before it, which allocates next to nothing).
    # Thread-pool work items: each is one hop of some piece of work onto a pool thread (the load tool sends batches of 1,000 events).
    awk -F, -v events="$events" '/total_allocated/ { bytes += $NF } /gen0/ { gen0 += $NF } /gen1/ { gen1 += $NF } /gen2/ { gen2 += $NF } /work_item/ { items += $NF }
      END { printf "server allocated  %.0f MB over the run: %.0f bytes per event; collections gen0 %d, gen1 %d, gen2 %d\n", bytes / 1e6, bytes / events, gen0, gen1, gen2
            printf "thread-pool work items %d over the run: %.1f per 1,000-event batch\n", items, items * 1000 / events }' "$counters.csv"
    rm -f "$counters.csv"
  fi
  if [ -n "$jit" ] && [ -f "$counters.csv" ]; then
    # Per 1 s interval, summed over the run (and the ~2 s before it): methods compiled (tier 0, tier 1, OSR, dynamic
    # methods of compiled query expressions alike) and the JIT's time.
    awk -F, '/compiled_methods/ { methods += $NF } /compilation.time/ { seconds += $NF } /compiled_il/ { il += $NF }
      END { printf "JIT over the run: %d methods compiled, %.0f kB of IL, %.2f s compiling\n", methods, il / 1e3, seconds }' "$counters.csv"
    rm -f "$counters.csv"
  fi
done
