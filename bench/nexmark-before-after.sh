#!/usr/bin/env bash
# In-process Nexmark before/after on one machine in one session: builds the quick runner of BASE (a commit) in a
# temporary copy and of the working tree, then runs both alternately, ROUNDS times, pinned to one core, and prints
# each run's line (events per CPU-second is the figure to compare; see docs/benchmarks-nexmark.md).
# CORE (default 0) picks the core to pin to: CORE=1 when core 0 is busy (a mutation run).
# Usage: [CORE=1] bench/nexmark-before-after.sh BASE "q11 q16 q19 q21" [ROUNDS=3] [EVENTS=300000]
set -euo pipefail
cd "$(dirname "$0")/.."
base="$1"
queries="$2"
rounds="${3:-3}"
events="${4:-300000}"
core="${CORE:-0}"
before="$(mktemp -d)"
trap 'rm -rf "$before"' EXIT
git archive "$base" | tar -x -C "$before"
dotnet build -c Release "$before/bench/Sluice.Benchmarks" -v quiet -nologo >/dev/null
dotnet build -c Release bench/Sluice.Benchmarks -v quiet -nologo >/dev/null
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=$([ "$side" = before ] && echo "$before" || echo .)
    # shellcheck disable=SC2086 # the query list is meant to split
    DOTNET_TC_DelaySingleProcMultiplier=1 taskset -c "$core" dotnet "$dir/bench/Sluice.Benchmarks/bin/Release/net10.0/Sluice.Benchmarks.dll" \
      quick $queries "$events" | sed "s/^/round $round $side: /"
  done
done
