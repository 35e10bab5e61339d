#!/usr/bin/env bash
# Issue 40's side-by-side: the same `uft finetune` command (UFT, freeze3, batch 64, 2 epochs) with fresh pixel views and
# with --cached-views V, at each size, run one after the other on an idle machine; prints each epoch's seconds (steps
# only, as metrics.jsonl has them) and the cache's build time. Benchmark, not a test: run nothing beside it.
#   bench/step/cached_epochs.sh [TARGET_DIR] [SIZES] [V]    (defaults: ../shared/data/ucmerced/train "112 224" 8)
# UFT_BASE=<command> runs the pixel epochs with another build (e.g. a copy of the one the issue was filed against).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-../shared/data/ucmerced/train}; sizes=${2:-112 224}; views=${3:-8}
source=${UFT_SOURCE:-../shared/data/imagenet-sample/train}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-5s %-8s %10s %10s %10s %s\n' px views "build s" "epoch1 s" "epoch2 s" "img/s (epoch 2)"
for px in $sizes; do
  for v in 0 "$views"; do
    log=$out/v$v-$px.log
    cmd=./uft; [[ $v == 0 ]] && cmd=${UFT_BASE:-./uft}
    $cmd finetune --target "$target" --source "$source" --epochs 2 --image-size "$px" --batch-size 64 --cached-views "$v" \
      --monitor-every 100 --output "$out" --name "v$v-$px" > "$log" 2>&1
    build=$(grep -o 'built in [0-9]* s' "$log" | grep -o '[0-9]*' || echo 0)
    python3 - "$out/v$v-$px/metrics.jsonl" "$px" "$v" "$build" <<'PY'
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
print(f"{sys.argv[2]:<5} {sys.argv[3]:<8} {sys.argv[4]:>10} {m[0]['seconds']:>10.1f} {m[1]['seconds']:>10.1f} {m[1]['imagesPerSecond']:>10.1f}")
PY
  done
done
