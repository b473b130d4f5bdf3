#!/usr/bin/env bash
# Reproduces "Idempotent appends" in docs/benchmarks.md: ingest into postgres streams with and without an
# Idempotency-Key on every request, alternating runs so both see the same machine load.
# Usage: bench/idempotency.sh [--seconds 10] [--rounds 3] [--port 5077]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
rounds=3
port=5077
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --port) port="$2"; shift ;;
  esac
  shift
done
dotnet build -c Release src/Api -v quiet -nologo >/dev/null
dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
scripts/postgres.sh start >/dev/null
connection="$(scripts/postgres.sh url)"
(cd src/Api/bin/Release/net10.0 && exec env ConnectionStrings__Postgres="$connection" dotnet Sluice.Api.dll \
  --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning) &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done

load() { dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:$port" --storage postgres --seconds "$seconds" --server-pid "$server" "$@"; echo; }
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  load
  load --idempotency-keys
  load --mode single
  load --mode single --idempotency-keys
done
