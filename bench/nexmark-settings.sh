#!/usr/bin/env bash
# In-process Nexmark under runtime settings, one build (docs/benchmarks-nexmark.md): the quick runner of the working tree,
# once per setting in turn, ROUNDS times, pinned to one core, so every setting meets the same machine. Prints each run's
# line (events per CPU-second is the figure to compare) and, with PERF=1, the process's page faults (perf stat).
# A SETTING is "default" or space-separated VAR=value pairs for the runner, e.g. DOTNET_GCRetainVM=1.
# Usage: [CORE=1] [PERF=1] bench/nexmark-settings.sh "q16 q20" ROUNDS EVENTS SETTING...
set -euo pipefail
cd "$(dirname "$0")/.."
queries="$1"
rounds="$2"
events="$3"
shift 3
core="${CORE:-0}"
dotnet build -c Release bench/Sluice.Benchmarks -v quiet -nologo >/dev/null
dll=bench/Sluice.Benchmarks/bin/Release/net10.0/Sluice.Benchmarks.dll
for round in $(seq 1 "$rounds"); do
  for setting in "$@"; do
    vars=()
    [ "$setting" = default ] || read -r -a vars <<<"$setting"
    run=(taskset -c "$core" dotnet "$dll" quick)
    # shellcheck disable=SC2206 # the query list is meant to split
    run+=($queries "$events")
    if [ "${PERF:-0}" = 1 ]; then
      env ${vars[@]+"${vars[@]}"} DOTNET_TC_DelaySingleProcMultiplier=1 perf stat -e page-faults -x, -o /tmp/nexmark-settings.perf "${run[@]}" | sed "s/^/round $round [$setting]: /"
      echo "round $round [$setting]: page faults (whole process) $(cut -d, -f1 /tmp/nexmark-settings.perf | grep -E '^[0-9]+$')"
    else
      env ${vars[@]+"${vars[@]}"} DOTNET_TC_DelaySingleProcMultiplier=1 "${run[@]}" | sed "s/^/round $round [$setting]: /"
    fi
  done
done
