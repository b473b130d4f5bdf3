#!/usr/bin/env bash
# Runtime settings against the default, end to end (docs/benchmarks.md): for each round, one fresh service per setting
# (bench/nexmark-e2e.sh, q0+q1+q2, the warm run of two), settings in turn, so every setting meets the same machine.
# Prints one line per run and, at the end, per setting the median events per server CPU-second, wall events/s and peak RSS.
# Usage: bench/e2e-settings.sh [--rounds 2] [--events 1000000] [--capacity N] [--queries q0,q1,q2] SETTING...
#   a SETTING is "default" or space-separated VAR=value pairs for the service, e.g. DOTNET_GCgen0size=0x2000000
#   SLUICE_API_DIR (another build's output) passes through to every run; --capacity too (events each input stream keeps);
#   --queries "," measures ingest alone.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=2
events=1000000
capacity=""
queries=q0,q1,q2
settings=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --events) events="$2"; shift ;;
    --capacity) capacity="$2"; shift ;;
    --queries) queries="$2"; shift ;;
    *) settings+=("$1") ;;
  esac
  shift
done
[ ${#settings[@]} -gt 0 ] || settings=(default)
results=$(mktemp /tmp/sluice-settings.XXXXXX)
for round in $(seq 1 "$rounds"); do
  for setting in "${settings[@]}"; do
    vars=()
    [ "$setting" = default ] || read -r -a vars <<<"$setting"
    out=$(env ${vars[@]+"${vars[@]}"} bench/nexmark-e2e.sh --events "$events" --queries "$queries" --runs 2 ${capacity:+--capacity "$capacity"} | awk '/^== run 2/ { warm = 1 } warm')
    cpu=$(sed -n 's/.*: \([0-9,]*\) events per server CPU-second.*/\1/p' <<<"$out" | tr -d ,)
    # The slowest query's end-to-end rate; with no query, the ingest rate.
    wall=$(sed -n 's/^q[0-9]* *end to end *\([0-9,]*\) events\/s.*/\1/p' <<<"$out" | tr -d , | sort -n | head -1)
    [ -n "$wall" ] || wall=$(sed -n 's/^all appended in .*(\([0-9,]*\) events\/s ingest)/\1/p' <<<"$out" | tr -d ,)
    rss=$(sed -n 's/^server peak RSS *\([0-9]*\) kB/\1/p' <<<"$out")
    echo "round $round  $(date -u +%H:%M)  load $(cut -d' ' -f1 /proc/loadavg)  [$setting]  ${cpu:-?} events/CPU-s  ${wall:-?} events/s  RSS ${rss:-?} kB"
    printf '%s\t%s\t%s\t%s\n' "$setting" "${cpu:-0}" "${wall:-0}" "${rss:-0}" >>"$results"
  done
done
echo "medians over $rounds rounds:"
for setting in "${settings[@]}"; do
  awk -F'\t' -v s="$setting" 'BEGIN { n = 0 } $1 == s { c[n] = $2 + 0; w[n] = $3 + 0; r[n] = $4 + 0; n++ }
    function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2 }
    END { printf "  %-60s %9.0f events/CPU-s  %9.0f events/s  peak RSS %6.0f MiB\n", "[" s "]", median(c, n), median(w, n), median(r, n) / 1024 }' "$results"
done
rm -f "$results"
