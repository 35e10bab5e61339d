#!/usr/bin/env bash
# Scaled reproduction of the paper's tables on ../shared/data (benchmark, not a test).
#   bench/reproduce/run.sh            the recorded run: about 2 hours on 2 cores -> docs/results-reproduction.md
#   bench/reproduce/run.sh --quick    smoke check, about 15 minutes                 -> docs/results-quick.md
#   bench/reproduce/run.sh --long     112 px, 30 epochs: many hours on 2 cores (not run here) -> docs/results-long.md
# Budgets can be overridden: UFT_EPOCHS, UFT_SIZE, UFT_CIFAR_SIZE, UFT_PRETRAIN_EPOCHS, UFT_BATCH, UFT_KSHOT_EPOCHS,
# UFT_FIXMATCH_STEPS, UFT_DATA (default ../shared/data), UFT_OUT.
# Each comparison writes <out>/<name>/results.md and report.html; the doc gathers them with the commands and wall times.
# Reruns resume: finished arms are kept. A failing step is logged and the run goes on to the next.
set -uo pipefail
cd "$(dirname "$0")/../.."
data=${UFT_DATA:-../shared/data}
[[ -d "$data/caltech101" ]] || { echo "error: $data/caltech101 not found; set UFT_DATA to the shared data folder" >&2; exit 2; }
mode=${1:---default}
case $mode in
  --quick)   out=runs/reproduce-quick; doc=docs/results-quick.md; e=2; s=64; cs=32; pe=1; ke=5; fs=10; trials=1; tsne=300 ;;
  --long)    out=runs/reproduce-long; doc=docs/results-long.md; e=30; s=112; cs=64; pe=20; ke=30; fs=500; trials=3; tsne=1000 ;;
  --default) out=runs/reproduce; doc=docs/results-reproduction.md; e=5; s=64; cs=32; pe=4; ke=30; fs=40; trials=3; tsne=1000 ;;
  *) echo "usage: bench/reproduce/run.sh [--quick|--long]" >&2; exit 2 ;;
esac
epochs=${UFT_EPOCHS:-$e}; size=${UFT_SIZE:-$s}; cifar_size=${UFT_CIFAR_SIZE:-$cs}; pre_epochs=${UFT_PRETRAIN_EPOCHS:-$pe}
batch=${UFT_BATCH:-64}; kshot_epochs=${UFT_KSHOT_EPOCHS:-$ke}; fixmatch_steps=${UFT_FIXMATCH_STEPS:-$fs}; out=${UFT_OUT:-$out}
./uft info >/dev/null || exit 1   # builds once
log=$out/log.txt; mkdir -p "$out"; : > "$out/commands.txt"; : > "$out/failures.txt"
run() {
  echo "+ $*" | tee -a "$out/commands.txt"; local t0=$SECONDS
  "$@" 2>&1 | tee -a "$log"; local rc=${PIPESTATUS[0]}
  echo "  ($((SECONDS - t0)) s$([[ $rc != 0 ]] && echo ", exit $rc"))" >> "$out/commands.txt"
  [[ $rc == 0 ]] || echo "exit $rc: $*" >> "$out/failures.txt"
}
count() { find -L "$1" -type f | wc -l; }
# --bn train: the paper's train-mode batch norm, as recorded on 2026-11-26 (uft now keeps pretrained statistics by default).
common=(--bn train --output "$out" --epochs "$epochs" --shots 1,2,4,8 --trials "$trials" --tsne-points "$tsne" --batch-size "$batch")
cal=(--train "$data/caltech101/train" --test "$data/caltech101/test")
cif=(--train "$data/cifar10/train" --test "$data/cifar10/test")
inet=(--source "$data/imagenet-sample/train" --replay-fraction 1)

# Table 3 and Table 6 analogues: supervised ImageNet source; no finetuning, naive, + replay, + replay + CutMix.
run ./uft compare --name table3-caltech101 "${cal[@]}" "${inet[@]}" --arms none,naive,replay-only,uft --image-size "$size" "${common[@]}"
run ./uft compare --name table3-cifar10 "${cif[@]}" "${inet[@]}" --arms none,naive,replay-only,uft --image-size "$cifar_size" "${common[@]}"
# Beyond the paper: how much replay (0 = naive above; 0.25x, 1x, 4x the target size, from tiny-imagenet) and CutMix vs
# MixUp, on Caltech-101.
n=$(count "$data/caltech101/train")
for r in $((n / 4)) $n $((4 * n)); do
  run ./uft compare --name replay-$r-caltech101 "${cal[@]}" --source "$data/tiny-imagenet/train" --replay-count $r --arms uft --image-size "$size" "${common[@]}"
done
run ./uft compare --name mixup-caltech101 "${cal[@]}" "${inet[@]}" --arms uft --mixing mixup --image-size "$size" "${common[@]}"
# The paper's K-shot protocol (new FC lr 3.0, backbone lr 1e-4, whole network finetuned) before and after UFT, and
# FixMatch Semi-2 before and after, on Caltech-101. One trial each: the budget.
for k in before after; do
  b=resnet18-imagenet-sup; [[ $k == after ]] && b=$out/table3-caltech101/uft
  run ./uft eval --backbone "$b" "${cal[@]}" --protocols kshot --shots 1,2,4 --trials 1 --kshot-epochs "$kshot_epochs" --image-size "$size" --output "$out/kshot-$k"
  run ./uft eval --backbone "$b" "${cal[@]}" --protocols fixmatch --shots 2 --trials 1 --fixmatch-steps "$fixmatch_steps" --image-size "$size" --output "$out/semi-$k"
done
# Table 2 analogue: MoCo v2 pretrained here on tiny-imagenet (ResNet-18, 64 px), then finetuned; plus scratch (Unsup-T, Table 1).
if [[ ! -f $out/pretrain-tiny/backbone.safetensors ]]; then
  resume=(); [[ -d $out/pretrain-tiny/checkpoints ]] && resume=(--resume)
  run ./uft pretrain --target "$data/tiny-imagenet/train" --backbone resnet18 --epochs "$pre_epochs" --image-size 64 --batch-size 128 \
    --name pretrain-tiny --output "$out" --checkpoint-every 1 "${resume[@]}"
fi
if [[ -f $out/pretrain-tiny/backbone.safetensors ]]; then
  run ./uft compare --name table2-caltech101 --backbone "$out/pretrain-tiny/backbone.safetensors" "${cal[@]}" --source "$data/tiny-imagenet/train" --replay-fraction 0.1 --arms none,naive,uft,scratch --image-size "$size" "${common[@]}"
fi

pct() { python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['metrics']; print(' | '.join(f\"{100*m[k]['mean']:.2f}\" if k in m else '-' for k in sys.argv[2:]))" "$@"; }
{
  echo "# Scaled reproduction (${mode#--})"
  echo
  echo "Generated by \`bench/reproduce/run.sh${1:+ $1}\` on $(nproc) cores ($(date -u +%F)). Every number below comes from the run folders under \`$out/\`."
  echo "The paper trains ResNet-50 at 224 px for 200 epochs on 8 GPUs. Here: the ImageNet ResNet-18 (2,2,2,3) of ML.NET's package,"
  echo "Caltech-101 at $size px, CIFAR-10 at $cifar_size px, $epochs epochs of finetuning, batch $batch; MoCo v2 pretraining on tiny-imagenet $pre_epochs epochs at 64 px."
  for t in "$out"/*/results.md; do
    echo; echo "## $(basename "$(dirname "$t")")"; echo; cat "$t"
  done
  echo; echo "## K-shot finetune (paper protocol, $kshot_epochs epochs, 1 trial) and FixMatch Semi-2 ($fixmatch_steps steps, 1 trial), Caltech-101, mean-class accuracy"
  echo; echo "| backbone | 1-shot | 2-shot | 4-shot | Semi-2 |"; echo "|---|---|---|---|---|"
  for k in before after; do
    [[ -f $out/kshot-$k/eval.json ]] || continue
    echo "| $k UFT | $(pct "$out/kshot-$k/eval.json" kshot_1_mean_class kshot_2_mean_class kshot_4_mean_class) | $([[ -f $out/semi-$k/eval.json ]] && pct "$out/semi-$k/eval.json" semi_2_mean_class || echo -) |"
  done
  echo; echo "## Alignment and uniformity of the training views, per epoch (Caltech-101; lower is better for both)"
  echo; echo "| epoch | naive align | UFT align | naive uniform | UFT uniform |"; echo "|---|---|---|---|---|"
  python3 - "$out/table3-caltech101" <<'EOF'
import json, sys
rows = {arm: [json.loads(l) for l in open(f"{sys.argv[1]}/{arm}/metrics.jsonl")] for arm in ("naive", "uft")}
for a, b in zip(rows["naive"], rows["uft"]):
    print(f"| {a['epoch']} | {a.get('align', float('nan')):.3f} | {b.get('align', float('nan')):.3f} | {a.get('uniform', float('nan')):.3f} | {b.get('uniform', float('nan')):.3f} |")
EOF
  if [[ -s $out/failures.txt ]]; then echo; echo "## Steps that failed"; echo; sed 's/^/- /' "$out/failures.txt"; fi
  echo; echo "## Commands and wall times"; echo; echo '```'; cat "$out/commands.txt"; echo '```'
} > "$doc"
echo "wrote $doc"
