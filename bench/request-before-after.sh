#!/usr/bin/env bash
# The single-event POST path before and after a change, in one session (docs/benchmarks.md, "One event per POST"):
# four Release services on 127.0.0.1 at once — BASE and the working tree, each without a credential (protected mode)
# and with an API key — and `Sluice.Load ingest --mode single` (32 clients, memory stream) against each in turn. The
# order turns every round, so that the machine's other work falls on all four alike. Prints one line per run, then
# medians over the warm rounds (all but the first): requests/s and the service's CPU time per request.
# Usage: bench/request-before-after.sh BASE [--rounds 4] [--seconds 5] [--before-dir DIR] [--no-build] [--server-cpus 1] [--load-cpus 0]
#   BASE is a commit, built in a temporary copy; --before-dir names the build output of BASE's src/Api instead
#   (a folder holding Sluice.Api.dll), to skip that build. --server-cpus / --load-cpus pin with taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
base="$1"; shift
rounds=4
seconds=5
before_dir=""
no_build=0
server_cpus=""
load_cpus=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --before-dir) before_dir="$2"; shift ;;
    --no-build) no_build=1 ;;
    --server-cpus) server_cpus="$2"; shift ;;
    --load-cpus) load_cpus="$2"; shift ;;
  esac
  shift
done
scratch="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
if [ -z "$before_dir" ]; then
  git archive "$base" | tar -x -C "$scratch"
  dotnet build -c Release "$scratch/src/Api" -v quiet -nologo >/dev/null
  before_dir="$scratch/src/Api/bin/Release/net10.0"
fi
if [ "$no_build" = 0 ]; then
  dotnet build -c Release src/Api -v quiet -nologo >/dev/null
  dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
fi
after_dir="$PWD/src/Api/bin/Release/net10.0"
key="bench-key-0123456789abcdef0123456789"

start() { # folder, port, extra settings...
  local dir="$1" port="$2"; shift 2
  local pin=()
  if [ -n "$server_cpus" ]; then pin=(taskset -c "$server_cpus"); fi
  (cd "$dir" && exec "${pin[@]}" dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
     --ConnectionStrings:Postgres= "$@") >"$scratch/service-$port.log" 2>&1 &
  pids+=($!)
}
start "$before_dir" 5181
start "$before_dir" 5182 --Auth:Keys:bench:Secret="$key" --Auth:Keys:bench:Scopes=admin
start "$after_dir" 5183
start "$after_dir" 5184 --Auth:Keys:bench:Secret="$key" --Auth:Keys:bench:Scopes=admin
for port in 5181 5182 5183 5184; do
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system time of a process, in clock ticks

load() { # round, label, port, pid, token
  local args=(ingest --url "http://127.0.0.1:$3" --seconds "$seconds" --mode single --server-pid "$4")
  if [ -n "$5" ]; then args+=(--token "$5"); fi
  local pin=()
  if [ -n "$load_cpus" ]; then pin=(taskset -c "$load_cpus"); fi
  local before after output requests
  before=$(cpu_ticks "$4")
  output="$("${pin[@]}" dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll "${args[@]}")"
  after=$(cpu_ticks "$4")
  requests=$(awk '/events appended/ { gsub(",", "", $3); print $3 }' <<<"$output")
  awk -v round="$1" -v label="$2" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v requests="$requests" \
      -v rate="$(awk '/requests\/s/ { gsub(",", "", $2); print $2 }' <<<"$output")" \
      'BEGIN { printf "round %d  %-11s requests/s %8d   service CPU per request %7.1f us\n", round, label, rate, ticks / hz * 1e6 / requests }'
}
run() { # round, label
  case "$2" in
    before-none) load "$1" "$2" 5181 "${pids[0]}" "" ;;
    before-key) load "$1" "$2" 5182 "${pids[1]}" "$key" ;;
    after-none) load "$1" "$2" 5183 "${pids[2]}" "" ;;
    after-key) load "$1" "$2" 5184 "${pids[3]}" "$key" ;;
  esac
}
labels=(before-none after-none before-key after-key)
for round in $(seq 1 "$rounds"); do
  shift_by=$(( (round - 1) % 4 ))
  for label in "${labels[@]:shift_by}" "${labels[@]:0:shift_by}"; do
    run "$round" "$label" | tee -a "$scratch/results"
  done
done
echo "medians over rounds $([ "$rounds" -gt 1 ] && echo "2-$rounds" || echo 1):"
for label in "${labels[@]}"; do
  awk -v label="$label" -v rounds="$rounds" \
    'BEGIN { n = 0 }
     $3 == label && (rounds == 1 || $2 > 1) { rate[n] = $5 + 0; cpu[n] = $(NF - 1) + 0; n++ }
     function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2 }
     END { if (n) printf "%-11s requests/s %8.0f   service CPU per request %7.1f us\n", label, median(rate, n), median(cpu, n) }' "$scratch/results"
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
