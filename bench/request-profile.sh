#!/usr/bin/env bash
# Where a one-event POST's service CPU goes (docs/benchmarks.md, "One event per POST"): starts the service in DIR (a
# build output holding Sluice.Api.dll) on 127.0.0.1 with the runtime's perf map, warms it with one run of
# `Sluice.Load ingest --mode single`, then samples it on-CPU with perf (call graphs) through a second run, into OUT.
# Then: python3 bench/perf-request.py OUT   (the share of each part of the request path)
# Usage: bench/request-profile.sh DIR OUT [--seconds 8] [--warm-up 20] [--port 5290]
#   The warm-up run is long because on a busy machine the JIT's tier-1 compilations come late: with 8 s they were still
#   a third of the profiled run's samples.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(cd "$1" && pwd)"; out="$2"; shift 2
seconds=8
warm_up=20
port=5290
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --warm-up) warm_up="$2"; shift ;;
    --port) port="$2"; shift ;;
  esac
  shift
done
# The perf map names JIT-compiled frames; W^X off, or its double-mapped code pages hide them from perf.
(cd "$dir" && exec env DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port" \
   --Logging:LogLevel:Default=Warning --ConnectionStrings:Postgres=) >/dev/null 2>&1 &
server=$!
recorder=""
trap 'kill $server 2>/dev/null || true; [ -n "$recorder" ] && kill $recorder 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
load() { dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:$port" --seconds "$1" \
           --mode single --server-pid "$server" --delete | grep -E "requests/s|server CPU|client CPU/request"; }
echo "warm-up run:"; load "$warm_up"
perf record -F 999 -g -p "$server" -o "$out" >/dev/null 2>&1 &
recorder=$!
sleep 1
echo "profiled run:"; load "$seconds"
kill -INT "$recorder"; wait "$recorder" 2>/dev/null || true; recorder=""
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg)"
