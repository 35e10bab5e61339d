#!/usr/bin/env bash
# Packs the library (Uft) and the tool (Uft.Cli, command `uft`) into a local folder and checks them as a user would:
#   1. a new console project in /tmp adds the Uft package from that folder (plus this OS's libtorch package) and runs
#      README's "Library use" snippet, as written there, for one epoch at 32 px on data/demo;
#   2. `dotnet tool install Uft.Cli --add-source <folder> --tool-path <tmp>` and the installed `uft info`.
#   bench/package/run.sh                       packages into artifacts/packages, tool for this machine's RID
#   UFT_TOOL_RIDS=linux-x64,win-x64,osx-arm64 bench/package/run.sh   also the other tool packages (+620 MB restore)
# The check restores into a private NuGet cache that falls back on the user's (~/.nuget/packages), so a rerun never
# picks up a stale Uft 0.1.0 from the shared cache and nothing is downloaded twice. About 3 minutes on 2 cores.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd); cd "$repo"
out=$repo/artifacts/packages
shared_cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)
rids=${UFT_TOOL_RIDS:-$rid}
work=$(mktemp -d /tmp/uft-package-check.XXXXXX)
[[ ${UFT_KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
step() { echo; echo "== $*"; }

step "pack Uft $version and Uft.Cli ($rids) into ${out#$repo/}"
rm -rf "$out"
commit=$(git rev-parse HEAD)
dotnet pack src/Uft -c Release -o "$out" -v q -nologo -p:RepositoryCommit="$commit"
dotnet pack src/Uft.Cli -c Release -o "$out" -v q -nologo -p:RepositoryCommit="$commit" -p:UftToolRids="${rids//,/%3B}"
ls -l "$out" | awk 'NR > 1 {printf "  %7.1f MB  %s\n", $5 / 1048576, $9}'

step "licence: each package's nuspec declares MIT and the package carries the README"
for pkg in "$out"/*.$version.nupkg; do   # the library, the tool's pointer package and each RID's tool package
  nuspec=$(unzip -p "$pkg" '*.nuspec')
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" \
    || { echo "error: ${pkg##*/} declares no MIT licence (PackageLicenseExpression in Directory.Build.props)" >&2; exit 1; }
  unzip -l "$pkg" README.md > /dev/null || { echo "error: ${pkg##*/} carries no README.md" >&2; exit 1; }
  echo "  ${pkg##*/}: licence MIT, README.md"
done

# The local folder is added to the machine's configured package sources (the NuGet feed, or a mirror), not in
# place of them: the check restores TorchSharp and libtorch from wherever this machine gets its packages.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$out" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="user" value="$shared_cache" />
  </fallbackPackageFolders>
</configuration>
XML
export NUGET_PACKAGES=$work/nuget

step "library: new console project, dotnet add package Uft, README's snippet for 1 epoch at 32 px on data/demo"
dotnet new console -o "$work/app" -n UftCheck -v q > /dev/null
cd "$work/app"
case $rid in linux-x64|win-x64|osx-arm64) libtorch=libtorch-cpu-$rid ;; *) echo "error: no CPU libtorch package for $rid" >&2; exit 2 ;; esac
# The folder is a package source through $work/nuget.config, as `dotnet nuget add source` makes it for a user.
dotnet add package Uft --version "$version" > /dev/null
dotnet add package "$libtorch" --version 2.10.0 > /dev/null
snippet=$(awk '/^Library use/ {on = 1} on && /^```csharp/ {grab = 1; next} grab && /^```/ {exit} grab' "$repo/README.md")
subst() { [[ $snippet == *"$1"* ]] || { echo "error: README's library snippet no longer has $1; update this check" >&2; exit 1; }; snippet=${snippet//"$1"/"$2"}; }
subst '"photos/"' "\"$repo/data/demo/train\""
subst '"imagenet-sample/"' "\"$repo/data/demo/source\""
subst 'Epochs = 50' 'Epochs = 1'
subst 'ImageSize = 112' 'ImageSize = 32'
{ echo "$snippet"
  echo 'Console.WriteLine($"trained {result.Epochs.Count} epoch, loss {result.Epochs[^1].Loss:F3}; loaded {result.BackboneFile} as {backbone.GetType().Name}");'
} > Program.cs
dotnet build -c Release -v q -nologo 2>&1 | grep -E "UFT:|error|warn" || true
dotnet bin/Release/net10.0/UftCheck.dll 2>&1 | tail -3
[[ -f runs/run/backbone.safetensors ]] || { echo "error: the snippet wrote no runs/run/backbone.safetensors" >&2; exit 1; }

step "tool: dotnet tool install Uft.Cli --add-source ${out#$repo/} --tool-path <tmp>, then uft info"
cd "$work"
dotnet tool install Uft.Cli --version "$version" --add-source "$out" --tool-path "$work/tools" --configfile "$work/nuget.config"
"$work/tools/uft" info
echo "installed tool: $(du -sh "$work/tools" | cut -f1) under --tool-path, $(du -sh "$NUGET_PACKAGES" | cut -f1) in the NuGet cache"
echo; echo "package check passed"
