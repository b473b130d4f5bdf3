#!/usr/bin/env bash
# SignalR fan-out, before against after, in one session: builds the service at each given commit (or "." for the
# working tree) into its own directory, then runs the fan-out scenario against each build in turn, ROUNDS times,
# starting a fresh service (in memory, 127.0.0.1) for every run. One JSON object per run, labelled with its build.
#
#   bench/signalr-load/fanout.sh [commit|. ...]                      # default: "."
#   ROUNDS=3 bench/signalr-load/fanout.sh 39bbb16 .                  # before/after, alternating
#   FANOUT_ARGS="--subscribers 10000 --rate 10 --seconds 10 --processes 4 --wave 25 --wave-pause-ms 250" bench/signalr-load/fanout.sh .
#   CLIENT=dotnet ROUNDS=3 bench/signalr-load/fanout.sh 39bbb16 .   # the C# client (Sluice.Load fanout), all subscribers in one
#                                                                   # process; adds the idle window (--idle-seconds, default 10)
# After each run a line gives the service's peak RSS (VmHWM). BUILDS_DIR (default /tmp/sluice-fanout) holds the builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
port="${PORT:-5090}"
rounds="${ROUNDS:-1}"
args="${FANOUT_ARGS:---subscribers 1000 --rate 100 --seconds 10 --processes 2}"
client="${CLIENT:-node}"
root="${BUILDS_DIR:-/tmp/sluice-fanout}"
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(.)
if [ "$client" = dotnet ]; then
  # The client is built once, from the working tree, whichever service builds it runs against.
  dotnet build bench/Sluice.Load -c Release -nologo -v q -o "$root/load" >/dev/null
  fanout() { local url="$1"; shift; dotnet "$root/load/Sluice.Load.dll" fanout --url "$url" "$@" 2>/dev/null; }
else
  [ -d bench/signalr-load/node_modules ] || (cd bench/signalr-load && npm ci --no-audit --no-fund --loglevel=error)
  fanout() { node bench/signalr-load/load.mjs fanout "$@"; }
fi

declare -A dirs
for build in "${builds[@]}"; do
  if [ "$build" = . ]; then
    out=$root/worktree
    dotnet build src/Api -c Release -nologo -v q -o "$out" >/dev/null
  else
    out=$root/$build
    if [ ! -f "$out/Sluice.Api.dll" ]; then
      rm -rf "$out-src" && mkdir -p "$out-src"
      git archive "$build" | tar -x -C "$out-src"
      (cd "$out-src" && dotnet build src/Api -c Release -nologo -v q -o "$out" >/dev/null)
    fi
  fi
  dirs[$build]=$out
done

for round in $(seq 1 "$rounds"); do
  for build in "${builds[@]}"; do
    (cd "${dirs[$build]}" && exec env ConnectionStrings__Postgres= Logging__LogLevel__Default=Warning \
      dotnet Sluice.Api.dll --urls "http://127.0.0.1:$port") &
    server=$!
    for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
    # Warm the service's code paths with a small run first, so JIT tiering is not in the measured run.
    if [ "$client" = dotnet ]; then
      fanout "http://127.0.0.1:$port" --subscribers 100 --rate 100 --seconds 3 --idle-seconds 0 >/dev/null || true
    else
      fanout "http://127.0.0.1:$port" --subscribers 100 --rate 100 --seconds 3 --processes 1 >/dev/null || true
    fi
    echo "{\"build\":\"$build\",\"round\":$round,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
    # shellcheck disable=SC2086
    fanout "http://127.0.0.1:$port" $args --pid "$server" || true
    echo "{\"build\":\"$build\",\"round\":$round,\"servicePeakRssMiB\":$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$server/status")}"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
