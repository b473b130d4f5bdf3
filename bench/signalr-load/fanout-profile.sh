#!/usr/bin/env bash
# Where the service's CPU goes during fan-out delivery: one run of the C# fan-out client (Sluice.Load fanout) against
# a fresh Release service, with the service profiled over part of the delivery window (from the client's "deliveries
# started" line) and, for MODE=strace, its syscalls counted over the idle window as well.
#
#   MODE=perf   bench/signalr-load/fanout-profile.sh OUT.perf.data   # perf record -g, the runtime's perf map for JIT names
#   MODE=strace bench/signalr-load/fanout-profile.sh OUT-prefix       # strace -f -c: OUT-prefix.idle.txt, OUT-prefix.delivery.txt
#   MODE=syscalls bench/signalr-load/fanout-profile.sh OUT.txt        # perf stat syscall counts from the first POST to the client's
#                                                                     # exit (strace slows the service so much that sends batch up)
#   FANOUT_ARGS="--subscribers 10000 --rate 10 --seconds 10 --wave 50" PROFILE_SECONDS=6 ...
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$1"
mode="${MODE:-perf}"
port="${PORT:-5090}"
seconds="${PROFILE_SECONDS:-6}"
args="${FANOUT_ARGS:---subscribers 10000 --rate 10 --seconds 10 --wave 50}"
dir=/tmp/sluice-fanout-profile
dotnet build src/Api -c Release -nologo -v q -o "$dir/service" >/dev/null
dotnet build bench/Sluice.Load -c Release -nologo -v q >/dev/null
load=bench/Sluice.Load/bin/Release/net10.0/Sluice.Load.dll
# W^X off: its double-mapped code pages hide JIT-compiled frames from perf.
(cd "$dir/service" && exec env ConnectionStrings__Postgres= Logging__LogLevel__Default=Warning Live__ClientTimeout="${Live__ClientTimeout:-00:02:00}" \
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port") &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
dotnet "$load" fanout --url "http://127.0.0.1:$port" --subscribers 100 --rate 100 --seconds 3 --idle-seconds 0 >/dev/null 2>&1
log="$dir/client.log"
# shellcheck disable=SC2086
dotnet "$load" fanout --url "http://127.0.0.1:$port" $args --pid "$server" >"$dir/summary.json" 2>"$log" &
client=$!
wait_for() { until grep -q "$1" "$log"; do kill -0 "$client" 2>/dev/null || { cat "$log" >&2; exit 1; }; sleep 0.1; done; }
if [ "$mode" = strace ]; then
  wait_for "idle window started"
  timeout -s INT "$seconds" strace -f -c -p "$server" -o "$out.idle.txt" || true
  wait_for "deliveries started"
  timeout -s INT "$seconds" strace -f -c -p "$server" -o "$out.delivery.txt" || true
elif [ "$mode" = syscalls ]; then
  wait_for "deliveries started"
  perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_sched_yield \
    -p "$server" -o "$out" &
  stat=$!
  wait "$client" || true
  kill -INT "$stat"; wait "$stat" || true
else
  wait_for "deliveries started"
  perf record -F 999 -g -p "$server" -o "$out" -- sleep "$seconds" >/dev/null 2>&1
fi
wait "$client" || true
cat "$dir/summary.json"
