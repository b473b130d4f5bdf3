#!/usr/bin/env bash
# One-time, idempotent set-up of what the tests need beyond the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet restore Api.sln
