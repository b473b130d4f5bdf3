#!/usr/bin/env bash
# Builds Sluice in Release, starts it in memory on 127.0.0.1, runs the three live-delivery
# measurements and stops it. Output: one JSON object per scenario.
set -euo pipefail
cd "$(dirname "$0")/../.."
port="${PORT:-5090}"
dotnet build src/Api -c Release -nologo -v q >/dev/null
[ -d bench/signalr-load/node_modules ] || (cd bench/signalr-load && npm ci --no-audit --no-fund --loglevel=error)
(cd src/Api/bin/Release/net10.0 && exec env ConnectionStrings__Postgres= Logging__LogLevel__Default=Warning \
  dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port") &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
# The dotnet host execs the app in the same process, so $server is the service's pid.
node bench/signalr-load/load.mjs latency "http://127.0.0.1:$port" --rate 1000 --seconds 10 --pid "$server"
node bench/signalr-load/load.mjs fanout "http://127.0.0.1:$port" --subscribers 1000 --rate 100 --seconds 10 --processes 2 --pid "$server"
# Unpaced, the stalled subscriber's cursor is evicted from the 100,000-event ring before its 5 s stall
# window ends; paced at 100,000 events/s, the stall window ends it first. Memory stays bounded both ways.
node bench/signalr-load/load.mjs stall "http://127.0.0.1:$port" --pid "$server" --events 1000000
node bench/signalr-load/load.mjs stall "http://127.0.0.1:$port" --pid "$server" --events 1000000 --rate 100000
