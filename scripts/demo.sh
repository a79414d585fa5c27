#!/usr/bin/env bash
# `make demo`: compiles the VQ-attention contract example, runs it on fresh
# random inputs through tvq-run and prints its agreement with an independent
# float64 reference.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== tvq-compile models/ops/vq_attention.mlir -o vq_attention.so"
"$build/bin/tvq-compile" "$root/models/ops/vq_attention.mlir" -o "$work/vq_attention.so"
"$build/bin/tvq-run" info "$work/vq_attention.so" | sed -n '3p'
/usr/bin/python3 "$root/scripts/demo_vq_attention.py" \
  --tvq-run "$build/bin/tvq-run" --module "$work/vq_attention.so" --workdir "$work"
