#!/usr/bin/env bash
# Reproduces the ingest figures in docs/benchmarks.md: starts a Release build of the service on
# 127.0.0.1, runs the load tool against memory (and, with --postgres, PostgreSQL) streams, stops it.
# Usage: bench/ingest.sh [--postgres] [--seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
postgres=""
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) postgres=1 ;;
    --seconds) seconds="$2"; shift ;;
  esac
  shift
done
port=5077
dotnet build -c Release src/Api -v quiet -nologo >/dev/null
dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
connection=""
if [ -n "$postgres" ]; then
  scripts/postgres.sh start >/dev/null
  connection="$(scripts/postgres.sh url)"
fi
# Run from the output folder: a content root at the repo would make the file watcher follow .pgdata/.
(cd src/Api/bin/Release/net10.0 && exec env ConnectionStrings__Postgres="$connection" dotnet Sluice.Api.dll \
  --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning) &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done

load() { dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:$port" --seconds "$seconds" --server-pid "$server" "$@"; echo; }
load --storage memory
load --storage memory --schema
load --storage memory --mode single
if [ -n "$postgres" ]; then
  load --storage postgres
  load --storage postgres --schema
  load --storage postgres --mode single
fi
