#!/usr/bin/env bash
# What authentication costs at ingest (docs/benchmarks.md, "Authentication cost"): three Release services on
# 127.0.0.1 at once — no credential (protected mode), API keys, a JWT issuer — and the ingest load against each in
# turn, interleaved so that the machine's other work falls on all three alike. Prints one line per run, then per
# column the medians over the rounds and, the figure to read, the median over the rounds of the paired ratios
# key/none and jwt/none of each round (service CPU per request and events/s, single events and batches).
# Usage: bench/auth-cost.sh [--seconds 3] [--rounds 10] [--capacity 100000] [--keep-streams] [--no-build] [--server-cpus 1] [--load-cpus 0]
#        [--fresh-services]
# (the defaults load for 3 minutes: 60 runs of 3 s; about 5 minutes in all on a quiet machine, longer on a shared one).
# The order of the three services turns by one each round (none/key/jwt, key/jwt/none, jwt/none/key), so no column
# is always the first one after a batch run or always the last. Round 1 warms the services up and is not counted.
# Every run appends to a fresh memory stream of --capacity events and deletes it afterwards, so each service holds
# the same memory in every round: with 1,000,000-event streams left behind, the services' heaps grew run after run
# and a batch run measured the garbage collector's growing work (±40-90 % between services in one round), not the
# credential (--capacity 1000000 --keep-streams runs it that former way, for comparison).
# --fresh-services starts three new services every round (each warmed up by an uncounted run per mode): one
# service process can run a few per cent to 40 % slower than another of the same build for its whole life (heap
# layout, JIT choices), which without it lands on one column for the whole run; with it every round draws again.
# --server-cpus / --load-cpus pin the services / the load tool with taskset (e.g. when one core is busy elsewhere).
# Memory streams only: they show what a credential costs per request most plainly (a PostgreSQL append adds its own,
# equal, cost to every column).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=3
rounds=10
capacity=100000
keep_streams=0
no_build=0
server_cpus=""
load_cpus=""
fresh_services=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --capacity) capacity="$2"; shift ;;
    --keep-streams) keep_streams=1 ;;
    --no-build) no_build=1 ;;
    --server-cpus) server_cpus="$2"; shift ;;
    --load-cpus) load_cpus="$2"; shift ;;
    --fresh-services) fresh_services=1 ;;
  esac
  shift
done
if [ "$no_build" = 0 ]; then
  dotnet build -c Release src/Api -v quiet -nologo >/dev/null
  dotnet build -c Release bench/Sluice.Load -v quiet -nologo >/dev/null
fi

key="bench-key-0123456789abcdef0123456789"
signing="bench-signing-key-of-at-least-32-bytes-long"
# An HS256 JWT with scope admin, valid for a day.
jwt="$(python3 - "$signing" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
now = int(time.time())
payload = b64(json.dumps({"sub": "bench", "scope": "admin", "iss": "bench", "aud": "sluice", "nbf": now - 60, "exp": now + 86400}).encode())
signature = b64(hmac.new(sys.argv[1].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
print(f"{header}.{payload}.{signature}")
PY
)"

start() { # port, extra settings...
  local port="$1"; shift
  # Its output goes to a file: inherited by $(start …), it would keep the substitution open until the service exits.
  local pin=()
  if [ -n "$server_cpus" ]; then pin=(taskset -c "$server_cpus"); fi
  (cd src/Api/bin/Release/net10.0 && exec "${pin[@]}" dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
     --ConnectionStrings:Postgres= "$@") >"/tmp/sluice-auth-cost-$port.log" 2>&1 &
  echo $!
}
none="" keys="" jwts=""
start_services() {
  none=$(start 5081)
  keys=$(start 5082 --Auth:Keys:bench:Secret="$key" --Auth:Keys:bench:Scopes=admin --Auth:Keys:other:Secret=other-key-0123456789 --Auth:Keys:other:Scopes=read:x)
  jwts=$(start 5083 --Auth:Jwt:SigningKey="$signing" --Auth:Jwt:Issuer=bench --Auth:Jwt:Audience=sluice)
  for port in 5081 5082 5083; do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
  done
}
stop_services() {
  kill $none $keys $jwts 2>/dev/null || true
  for pid in $none $keys $jwts; do
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
}
results="$(mktemp)"
trap 'stop_services; rm -f "$results"' EXIT
start_services

# The figures depend on what else the machine does: say so beside them.
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system time of a process, in clock ticks

# One run; prints events/s and, less sensitive to a busy machine, the service's CPU time per request.
load() { # label, port, pid, token, mode
  local args=(ingest --url "http://127.0.0.1:$2" --seconds "$seconds" --server-pid "$3" --mode "$5" --capacity "$capacity")
  if [ "$keep_streams" = 0 ]; then args+=(--delete); fi
  if [ -n "$4" ]; then args+=(--token "$4"); fi
  local before after output events per_request
  before=$(cpu_ticks "$3")
  local pin=()
  if [ -n "$load_cpus" ]; then pin=(taskset -c "$load_cpus"); fi
  output="$("${pin[@]}" dotnet bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll "${args[@]}")"
  after=$(cpu_ticks "$3")
  events=$(awk '/events appended/ { gsub(",", "", $3); print $3 }' <<<"$output")
  per_request=$([ "$5" = single ] && echo 1 || echo 1000)
  awk -v label="$1" -v mode="$5" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v events="$events" -v batch="$per_request" \
      -v rate="$(awk '/events\/s/ { print $2 }' <<<"$output")" -v client="$(awk '/client CPU\/request/ { print $3 }' <<<"$output")" \
      'BEGIN { printf "%-5s %-6s events/s %10s   load tool CPU per request %8.1f us   service CPU per request %8.1f us\n", label, mode, rate, client, ticks / hz * 1e6 / (events / batch) }'
}
run() { # column, mode
  case "$1" in
    none) load none 5081 "$none" "" "$2" ;;
    key) load key 5082 "$keys" "$key" "$2" ;;
    jwt) load jwt 5083 "$jwts" "$jwt" "$2" ;;
  esac
}
columns=(none key jwt)
for round in $(seq 1 "$rounds"); do
  shift_by=$(( (round - 1) % 3 ))
  order=("${columns[@]:shift_by}" "${columns[@]:0:shift_by}")
  if [ "$fresh_services" = 1 ] && [ "$round" -gt 1 ]; then
    stop_services
    start_services
    # The new processes' warm-up (JIT, first collections): one short run per service and mode, not counted.
    measured_seconds=$seconds
    seconds=2
    for mode in batch single; do
      for column in "${order[@]}"; do run "$column" "$mode" >/dev/null; done
    done
    seconds=$measured_seconds
  fi
  for mode in batch single; do
    for column in "${order[@]}"; do
      run "$column" "$mode" | sed "s/^/round $round  /" | tee -a "$results"
    done
  done
done
# Medians per column over the warm rounds (all but the first, which includes JIT warm-up), when there are any.
echo "medians over rounds $([ "$rounds" -gt 1 ] && echo "2-$rounds" || echo 1):"
for mode in single batch; do
  for column in none key jwt; do
    awk -v column="$column" -v mode="$mode" -v rounds="$rounds" \
      'BEGIN { n = 0 }
       $3 == column && $4 == mode && (rounds == 1 || $2 > 1) { gsub(",", "", $6); rate[n] = $6 + 0; client[n] = $12 + 0; cpu[n] = $(NF - 1) + 0; n++ }
       function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                         return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2 }
       END { if (n) printf "%-5s %-6s events/s %10.0f   load tool CPU per request %8.1f us   service CPU per request %8.1f us\n", column, mode, median(rate, n), median(client, n), median(cpu, n) }' "$results"
  done
done
# Paired ratios: within a round the three services ran back to back on the same machine, so a round's ratio cancels
# what the machine did at that moment; the median over the rounds is the figure, min..max shows the spread.
echo "paired ratios to none, medians over rounds $([ "$rounds" -gt 1 ] && echo "2-$rounds" || echo 1) (min..max over the rounds):"
awk -v rounds="$rounds" '
  { gsub(",", "", $6); rate[$2, $3, $4] = $6 + 0; cpu[$2, $3, $4] = $(NF - 1) + 0 }
  function sort(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } }
  function median(a, n) { sort(a, n); return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2 }
  END {
    split("single batch", modes, " "); split("key jwt", columns, " ")
    for (m = 1; m <= 2; m++) for (c = 1; c <= 2; c++) {
      mode = modes[m]; column = columns[c]; n = 0
      for (r = (rounds > 1 ? 2 : 1); r <= rounds; r++) {
        if (((r, column, mode) in cpu) && ((r, "none", mode) in cpu) && cpu[r, "none", mode] > 0 && rate[r, "none", mode] > 0) {
          cpus[n] = (cpu[r, column, mode] / cpu[r, "none", mode] - 1) * 100
          rates[n] = (rate[r, column, mode] / rate[r, "none", mode] - 1) * 100
          n++
        }
      }
      if (!n) continue
      cpu_median = median(cpus, n); cpu_min = cpus[0]; cpu_max = cpus[n - 1]
      rate_median = median(rates, n); rate_min = rates[0]; rate_max = rates[n - 1]
      printf "%-3s/none %-6s service CPU per request %+6.1f %% (%+.1f..%+.1f)   events/s %+6.1f %% (%+.1f..%+.1f)   %d rounds\n",
        column, mode, cpu_median, cpu_min, cpu_max, rate_median, rate_min, rate_max, n
    }
  }' "$results"
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
