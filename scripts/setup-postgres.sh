#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries exist (the tests start their own throwaway servers from them).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; then
  exit 0
fi
echo "PostgreSQL binaries not found; installing Debian's postgresql package." >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
# Only the binaries are wanted: no default cluster on port 5432 (tests and scripts/postgres.sh run their own).
$sudo mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/sluice-no-main-cluster.conf > /dev/null
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
