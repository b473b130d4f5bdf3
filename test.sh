#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need, builds, tests.
# PostgreSQL tests start their own throwaway server on 127.0.0.1 from the machine's binaries.
set -euo pipefail
cd "$(dirname "$0")"

scripts/setup.sh

dotnet build Api.sln -c Release -warnaserror
dotnet test Api.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
