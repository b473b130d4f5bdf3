#!/usr/bin/env bash
# A Sluice cluster on loopback: N nodes (Release build of src/Api) over the one local PostgreSQL of scripts/postgres.sh.
#   scripts/cluster.sh start [N]   builds if needed, starts N nodes (default 3), prints their URLs
#   scripts/cluster.sh stop        stops the nodes it started (graceful: their queries move before they exit)
#   scripts/cluster.sh status
# Node i listens on HTTP 5100+i, silo port 11110+i, gateway port 30000+i (override the bases with SLUICE_CLUSTER_HTTP,
# SLUICE_CLUSTER_SILO, SLUICE_CLUSTER_GATEWAY). Logs and pids are in <repo>/.cluster/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.cluster"
http_base="${SLUICE_CLUSTER_HTTP:-5100}"
silo_base="${SLUICE_CLUSTER_SILO:-11110}"
gateway_base="${SLUICE_CLUSTER_GATEWAY:-30000}"
api_dll="$root/src/Api/bin/Release/net10.0/Sluice.Api.dll"

start() {
  local count="${1:-3}"
  mkdir -p "$state"
  local postgres
  postgres="$(bash "$root/scripts/postgres.sh" start)"
  if [ ! -f "$api_dll" ]; then
    dotnet build "$root/src/Api/Sluice.Api.csproj" -c Release > "$state/build.log"
  fi
  for i in $(seq 1 "$count"); do
    local pidfile="$state/node$i.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
      echo "node$i already running (pid $(cat "$pidfile"))"
      continue
    fi
    # exec: the recorded pid is the node's own process, so `stop` (and a test's SIGKILL) reaches it.
    (cd "$root/src/Api/bin/Release/net10.0" && \
      ConnectionStrings__Postgres="$postgres" \
      Cluster__Enabled=true \
      Cluster__NodeName="node$i" \
      Cluster__SiloPort=$((silo_base + i)) \
      Cluster__GatewayPort=$((gateway_base + i)) \
      exec dotnet Sluice.Api.dll --urls "http://127.0.0.1:$((http_base + i))" > "$state/node$i.log" 2>&1) &
    echo $! > "$pidfile"
  done
  for i in $(seq 1 "$count"); do
    local url="http://127.0.0.1:$((http_base + i))"
    for _ in $(seq 1 120); do
      if curl -fs "$url/health/ready" > /dev/null 2>&1 || curl -fs "$url/api/cluster" > /dev/null 2>&1; then
        break
      fi
      sleep 0.5
    done
    echo "node$i  $url  (log $state/node$i.log)"
  done
}

stop() {
  shopt -s nullglob
  for pidfile in "$state"/node*.pid; do
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2> /dev/null; then
      kill -TERM "$pid"
      # Graceful: the node deactivates its grains (a final checkpoint per query) before it exits.
      for _ in $(seq 1 60); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
    fi
    rm -f "$pidfile"
    echo "stopped $(basename "$pidfile" .pid)"
  done
}

status() {
  shopt -s nullglob
  for pidfile in "$state"/node*.pid; do
    local name pid
    name="$(basename "$pidfile" .pid)"
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2> /dev/null; then echo "$name running (pid $pid)"; else echo "$name not running"; fi
  done
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start [N]|stop|status" >&2; exit 2 ;;
esac
