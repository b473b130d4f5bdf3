#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need, builds, tests.
# PostgreSQL tests start their own throwaway server on 127.0.0.1 from the machine's binaries.
set -euo pipefail
cd "$(dirname "$0")"

scripts/setup.sh

dotnet build Api.sln -c Release -warnaserror
# The log is kept so that a failure's name and message are repeated at the end, where a CI tail shows them.
log="$(mktemp)"
set +e
dotnet test Api.sln -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
  echo "=== the failed tests, repeated ==="
  grep -E -A 16 '^\s+Failed [A-Za-z_]' "$log" | head -200
fi
rm -f "$log"
exit "$status"
