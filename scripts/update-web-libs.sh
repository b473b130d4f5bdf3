#!/usr/bin/env bash
# Refreshes the browser libraries checked in under web/lib (as ASP.NET's templates keep wwwroot/lib):
# the SignalR JavaScript client and uPlot, fetched from npm at the versions below. Only a maintainer
# updating them needs Node; building and running Sluice does not.
#   scripts/update-web-libs.sh                      # the pinned versions
#   SIGNALR_VERSION=10.0.12 scripts/update-web-libs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
signalr_version="${SIGNALR_VERSION:-10.0.11}"
uplot_version="${UPLOT_VERSION:-1.6.32}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@microsoft/signalr@$signalr_version" "uplot@$uplot_version" >/dev/null)
mkdir -p "$work/signalr" "$work/uplot"
tar -xzf "$work"/microsoft-signalr-*.tgz -C "$work/signalr"
tar -xzf "$work"/uplot-*.tgz -C "$work/uplot"

cp "$work/signalr/package/dist/browser/signalr.min.js" web/lib/signalr/signalr.min.js
cp "$work/uplot/package/dist/uPlot.iife.min.js" web/lib/uplot/uPlot.iife.min.js
cp "$work/uplot/package/dist/uPlot.min.css" web/lib/uplot/uPlot.min.css
cp "$work/uplot/package/LICENSE" web/lib/uplot/LICENSE
# The SignalR package ships no licence file; web/lib/signalr/LICENSE.txt holds the MIT licence of dotnet/aspnetcore.
printf '@microsoft/signalr %s\nuplot %s\n' "$signalr_version" "$uplot_version" > web/lib/VERSIONS
echo "web/lib: @microsoft/signalr $signalr_version, uplot $uplot_version"
