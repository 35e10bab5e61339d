#!/usr/bin/env bash
# Measures what a fresh clone costs before the demo starts: clones the repository at a commit, runs `./uft demo`
# against an empty NuGet cache until its first line of output, then restores the tests as `dotnet test` would.
# Prints the wall time to the demo's first line, the restore time of the tests, and the cache size after each.
#   bench/package/first-restore.sh [REPO] [REF]      defaults: this checkout, HEAD
# Downloads about 1 GB from the NuGet feed into a temporary cache, removed at the end (UFT_KEEP=1 keeps it).
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd); ref=${2:-HEAD}
work=$(mktemp -d /tmp/uft-first-restore.XXXXXX)
[[ ${UFT_KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone" && git -C "$work/clone" checkout -q "$ref"
export NUGET_PACKAGES=$work/nuget DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$work/clone"
echo "commit $(git rev-parse --short HEAD), NuGet cache $NUGET_PACKAGES (empty)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the wall times below depend on it)"
secs() { printf '%.0f' "$(echo "$(date +%s.%N) - $1" | bc)"; }
t0=$(date +%s.%N)
dotnet restore src/Uft.Cli -v q > "$work/restore-cli.out"
echo "dotnet restore src/Uft.Cli (what ./uft restores): $(secs "$t0") s, NuGet cache $(du -sh "$NUGET_PACKAGES" | cut -f1)"
# The demo runs in its own process group so that it alone is stopped once its first line is out.
setsid ./uft demo > "$work/demo.out" 2> "$work/demo.err" & pid=$!
while kill -0 "$pid" 2>/dev/null && [[ ! -s "$work/demo.out" ]]; do sleep 0.2; done
t1=$(date +%s.%N)
kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
[[ -s "$work/demo.out" ]] || { echo "error: ./uft demo printed nothing:"; cat "$work/demo.err"; exit 1; }
printf 'fresh clone to the first line of ./uft demo: %.0f s, restore included  (%s)\n' "$(echo "$t1 - $t0" | bc)" "$(head -1 "$work/demo.out")"
echo "NuGet cache after ./uft demo: $(du -sh "$NUGET_PACKAGES" | cut -f1)"
t0=$(date +%s.%N)
dotnet restore tests/Uft.Tests -v q > "$work/restore.out"
echo "dotnet restore tests/Uft.Tests afterwards: $(secs "$t0") s"
echo "NuGet cache after the tests' restore: $(du -sh "$NUGET_PACKAGES" | cut -f1)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "largest packages:"; du -sm "$NUGET_PACKAGES"/* | sort -rn | head -8 | awk '{printf "  %6d MB  %s\n", $1, $2}' | sed "s#$NUGET_PACKAGES/##"
