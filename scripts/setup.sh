#!/usr/bin/env bash
# One-time, idempotent set-up of what the tests need beyond the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet restore Api.sln
# Each feature that needs more (PostgreSQL binaries, Chromium, npm packages) has its own script.
for part in scripts/setup-*.sh; do
  if [ -e "$part" ]; then bash "$part"; fi
done
