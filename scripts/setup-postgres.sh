#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries exist (the tests start their own throwaway servers from them).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; then
  exit 0
fi
echo "PostgreSQL binaries not found; installing Debian's postgresql package." >&2
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
else
  sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi
