#!/usr/bin/env bash
# Browser tests and the live-delivery tools need Debian's Chromium and the npm packages of
# tests/browser (playwright-core, axe-core) and bench/signalr-load. The UI's own libraries are
# checked in under web/lib (scripts/update-web-libs.sh), so running the service needs no npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

for dir in tests/browser bench/signalr-load; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
