#!/usr/bin/env bash
# Soak (issue 18, item 6): one UFT finetune on caltech101 at 64 px run twice with the same config and seed:
#   1. "ref": uninterrupted, no fault hook;
#   2. "soak": under UFT_FAULT=gc-stress=MS (a full blocking collection every MS ms), killed with SIGKILL at a random
#      moment every KILL_MIN..KILL_MAX seconds and restarted with --resume, until it finishes.
# Then: the two backbones must be byte-identical, every epoch's losses equal, and each process's peak RSS about the same
# (no growth across restarts). Benchmark, not a test: ~50 minutes on 2 cores; run nothing else beside it.
#   bench/soak/run.sh [EPOCHS]        default 44 epochs (~20 min uninterrupted; the soak ~30 min with stress and kills)
# Env: UFT_DATA (default ../shared/data), SOAK_OUT (default runs/soak), GC_MS (default 10), KILL_MIN/KILL_MAX (120/240 s).
set -uo pipefail
cd "$(dirname "$0")/../.."
data=${UFT_DATA:-../shared/data}
out=${SOAK_OUT:-runs/soak}
epochs=${1:-44}
gc_ms=${GC_MS:-10}
kill_min=${KILL_MIN:-120}
kill_max=${KILL_MAX:-240}
log=bench/soak/log-$(date -u +%F).txt
[[ -d $data/caltech101/train && -d $data/imagenet-sample/train ]] \
  || { echo "error: $data/caltech101/train or $data/imagenet-sample/train not found; set UFT_DATA to the shared data folder" >&2; exit 2; }
./uft info > /dev/null || exit 1   # builds once, outside the timings
mkdir -p "$out"
say() { echo "$(date -u +%T) $*" | tee -a "$log"; }
args=(finetune --preset uft --target "$data/caltech101/train" --source "$data/imagenet-sample/train" --epochs "$epochs"
      --image-size 64 --batch-size 64 --seed 0 --output "$out")
# The dotnet process's peak and current resident set, read just before it is killed or when it exits.
rss() { awk '/^VmHWM|^VmRSS/ {printf "%s %d MB  ", $1, $2 / 1024}' "/proc/$1/status" 2>/dev/null; }

say "soak: $epochs epochs, gc-stress=$gc_ms ms, SIGKILL every ${kill_min}-${kill_max} s (log $log)"
if [[ ! -f $out/ref/backbone.safetensors ]]; then
  rm -rf "$out/ref"; t0=$(date +%s)
  ./uft "${args[@]}" --name ref > "$out/ref.out" 2>&1 & pid=$!
  peak=""; while kill -0 "$pid" 2>/dev/null; do r=$(rss "$pid"); [[ -n $r ]] && peak=$r; sleep 5; done
  wait "$pid"; rc=$?
  say "ref: exit $rc after $(( $(date +%s) - t0 )) s; $peak"
  [[ $rc == 0 ]] || { tail -5 "$out/ref.out"; exit 1; }
fi

rm -rf "$out/soak"; t0=$(date +%s); kills=0; starts=0; resume=()
while [[ ! -f $out/soak/backbone.safetensors ]]; do
  starts=$((starts + 1))
  UFT_FAULT=gc-stress=$gc_ms ./uft "${args[@]}" --name soak "${resume[@]}" >> "$out/soak.out" 2>&1 & pid=$!
  deadline=$(( $(date +%s) + kill_min + RANDOM % (kill_max - kill_min + 1) ))
  peak=""
  while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do r=$(rss "$pid"); [[ -n $r ]] && peak=$r; sleep 2; done
  if kill -0 "$pid" 2>/dev/null; then
    r=$(rss "$pid"); [[ -n $r ]] && peak=$r; kill -9 "$pid"; wait "$pid" 2>/dev/null; kills=$((kills + 1))
    epoch=$(wc -l < "$out/soak/metrics.jsonl" 2>/dev/null || echo 0)
    say "soak start $starts: killed (-9) at $(( $(date +%s) - t0 )) s, $epoch epochs logged; $peak"
  else
    wait "$pid"; rc=$?
    say "soak start $starts: exit $rc at $(( $(date +%s) - t0 )) s; $peak"
    [[ $rc == 0 ]] || { tail -5 "$out/soak.out"; exit 1; }
  fi
  resume=(--resume)
done
say "soak: finished in $(( $(date +%s) - t0 )) s, $starts starts, $kills kills"

ok=1
if cmp -s "$out/ref/backbone.safetensors" "$out/soak/backbone.safetensors"; then say "backbone: byte-identical"
else say "backbone: DIFFERS"; ok=0; fi
# Epoch lines without their timings (seconds, images/s differ by design).
losses() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
  r=json.loads(l); print(r["epoch"], r["step"], repr(r["loss"]), repr(r.get("plainLoss")), repr(r.get("mixLoss")), r.get("skippedBatches"))' "$1"; }
if diff <(losses "$out/ref/metrics.jsonl") <(losses "$out/soak/metrics.jsonl") > /dev/null; then
  say "losses: all $(wc -l < "$out/ref/metrics.jsonl") epochs equal (last: $(losses "$out/soak/metrics.jsonl" | tail -1))"
else say "losses: DIFFER"; diff <(losses "$out/ref/metrics.jsonl") <(losses "$out/soak/metrics.jsonl") | head -6 | tee -a "$log"; ok=0; fi
[[ $ok == 1 ]]
