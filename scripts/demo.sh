#!/usr/bin/env bash
# `make demo`: (1) compiles the VQ-attention contract example, runs it on fresh
# random inputs through tvq-run and prints its agreement with an independent
# float64 reference; (2) compiles the tiny Transformer-VQ model, trains it for
# a few minutes on the bundled King James Bible (data/), and prints its
# validation bits per byte next to the corpus's unigram entropy, its training
# throughput and a generated sample. The compiled model and the run directory
# stay in BUILD/demo/ for `tvq-run eval` and `tvq-run generate` afterwards.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Training settings: about 2-3 minutes on 2 cores with the current CPU code
# (1M bytes, a third of an epoch).
steps=${TVQ_DEMO_STEPS:-1000}
batch=8
seq_len=128

echo "== tvq-compile models/ops/vq_attention.mlir -o vq_attention.so"
"$build/bin/tvq-compile" "$root/models/ops/vq_attention.mlir" -o "$work/vq_attention.so"
"$build/bin/tvq-run" info "$work/vq_attention.so" | sed -n '3p'
/usr/bin/python3 "$root/scripts/demo_vq_attention.py" \
  --tvq-run "$build/bin/tvq-run" --module "$work/vq_attention.so" --workdir "$work"

demo="$build/demo"
mkdir -p "$demo"
echo
echo "== tvq-compile models/tiny.mlir -o $demo/tiny.so"
if [[ "$demo/tiny.so" -nt "$root/models/tiny.mlir" &&
      "$demo/tiny.so" -nt "$build/bin/tvq-compile" ]]; then
  echo "(up to date)"
else
  start=$(date +%s)
  # Only the entry points tvq-run train, eval and generate call.
  "$build/bin/tvq-compile" "$root/models/tiny.mlir" \
    --entries=train_step,eval_loss,decode_step -o "$demo/tiny.so"
  echo "compiled in $(( $(date +%s) - start )) s"
fi

echo
echo "== tvq-run train: $steps steps of $batch x $seq_len bytes of data/kjv.txt"
rm -rf "$demo/run"
"$build/bin/tvq-run" train "$demo/tiny.so" --data "$root/data/kjv.txt" \
  --steps "$steps" --batch "$batch" --seq-len "$seq_len" --log-every 100 \
  --checkpoint-every 500 --out "$demo/run"

echo
echo "== tvq-run eval: validation split (first 65536 bytes)"
"$build/bin/tvq-run" eval "$demo/tiny.so" --checkpoint "$demo/run" \
  --data "$root/data/kjv.txt" --max-tokens 65536 | tee "$work/eval.json"
/usr/bin/python3 "$root/scripts/demo_train.py" --data "$root/data/kjv.txt" \
  --eval "$work/eval.json" --metrics "$demo/run/metrics.jsonl"

echo
echo "== tvq-run generate --prompt 'And God said' --tokens 300 --seed 1"
"$build/bin/tvq-run" generate "$demo/tiny.so" --checkpoint "$demo/run" \
  --prompt "And God said" --tokens 300 --seed 1
echo
echo "Try: $build/bin/tvq-run generate $demo/tiny.so --checkpoint $demo/run --prompt TEXT --tokens 200"
