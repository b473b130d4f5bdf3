#!/usr/bin/env bash
# Slab pages up front (docs/benchmarks.md): fills one fresh memory stream in a new process, alternately with
# SLUICE_SLAB_PAGES=0 (pages fault as the copies first write them) and the default (src/Data/Memory/SlabPages.cs),
# and prints the CPU time and page faults of each run. Usage: bench/slab-fill.sh [--rounds 5] [--events 1500000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
events=1500000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --events) events="$2"; shift ;;
  esac
  shift
done
dotnet build -c Release bench/slab-fill -v quiet -nologo >/dev/null
for _ in $(seq 1 "$rounds"); do
  for pages in 0 1; do
    SLUICE_SLAB_PAGES=$pages dotnet bench/slab-fill/bin/Release/net10.0/Sluice.SlabFill.dll "$events"
  done
done
