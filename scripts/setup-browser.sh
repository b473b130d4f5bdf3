#!/usr/bin/env bash
# Browser tests and the live-delivery tools need Debian's Chromium and the npm packages of
# web/ (the UI's SignalR client and chart), tests/browser (playwright-core) and bench/signalr-load.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

for dir in web tests/browser bench/signalr-load; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
