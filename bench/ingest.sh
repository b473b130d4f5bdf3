#!/usr/bin/env bash
# Reproduces the ingest figures in docs/benchmarks.md: starts a Release build of the service on
# 127.0.0.1, runs the load tool against memory (and, with --postgres, PostgreSQL) streams, stops it.
# Usage: bench/ingest.sh [--postgres | --postgres-only] [--seconds 10] [--concurrency 4]
# With PostgreSQL, each run also prints the CPU the service and the PostgreSQL server (postmaster and its children) used.
# SLUICE_INGEST_PORT moves the service off 5077; SLUICE_PG_PORT moves PostgreSQL (scripts/postgres.sh).
# SLUICE_API_DIR picks another build's output (say, a copy of the commit before a change, to compare in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
postgres=""
memory=1
concurrency=4
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) postgres=1 ;;
    --postgres-only) postgres=1; memory="" ;;
    --seconds) seconds="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
  esac
  shift
done
port="${SLUICE_INGEST_PORT:-5077}"
if [ -z "${SLUICE_API_DIR:-}" ]; then
  dotnet build -c Release src/Api -v quiet -nologo >/dev/null
fi
dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
connection=""
postmaster=()
if [ -n "$postgres" ]; then
  scripts/postgres.sh start >/dev/null
  connection="$(scripts/postgres.sh url)"
  postmaster=(--postgres-pid "$(head -n 1 .pgdata/data/postmaster.pid)")
fi
# Run from the output folder: a content root at the repo would make the file watcher follow .pgdata/.
(cd "${SLUICE_API_DIR:-src/Api/bin/Release/net10.0}" && exec env ConnectionStrings__Postgres="$connection" dotnet Sluice.Api.dll \
  --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning) &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done

load() { dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll ingest --url "http://127.0.0.1:$port" --seconds "$seconds" --server-pid "$server" "$@"; echo; }
if [ -n "$memory" ]; then
  load --storage memory --concurrency "$concurrency"
  load --storage memory --schema --concurrency "$concurrency"
  load --storage memory --mode single
fi
if [ -n "$postgres" ]; then
  load --storage postgres --concurrency "$concurrency" "${postmaster[@]}"
  load --storage postgres --schema --concurrency "$concurrency" "${postmaster[@]}"
  load --storage postgres --mode single "${postmaster[@]}"
fi
