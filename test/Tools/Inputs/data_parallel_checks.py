#!/usr/bin/env python3
"""Compares training runs (tvq-run-data-parallel.test, tvq-compile-cuda-sim.test).

  data_parallel_checks.py same-checkpoints A B RTOL
      A and B hold the same tensors (names, dtypes, shapes) and every value
      agrees to RTOL relative to the largest magnitude of its tensor (integer
      tensors exactly); the metadata that describes the run (step, seed, data,
      batch, micro_batch, seq_len, update_len, model) is equal.
  data_parallel_checks.py same-metrics A B RTOL
      the metrics.jsonl files A and B log the same steps with losses,
      gradient norms and learning rates equal to RTOL relative.
  data_parallel_checks.py meta FILE KEY...
      prints "KEY VALUE" for each metadata KEY of checkpoint FILE.
The comparisons print one line saying what agreed (and the largest relative
difference on stderr).
"""
import json
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import checkpoint_tool  # noqa: E402

RUN_METADATA = ["tvq.step", "tvq.seed", "tvq.data", "tvq.batch", "tvq.micro_batch",
                "tvq.seq_len", "tvq.update_len", "tvq.model", "tvq.format"]


def same_checkpoints(a, b, rtol):
    meta_a, tensors_a = checkpoint_tool.read(a)
    meta_b, tensors_b = checkpoint_tool.read(b)
    for key in RUN_METADATA:
        if meta_a.get(key) != meta_b.get(key):
            sys.exit(f"metadata {key} differs: {meta_a.get(key)!r} vs {meta_b.get(key)!r}")
    if sorted(tensors_a) != sorted(tensors_b):
        sys.exit(f"different tensors: {sorted(set(tensors_a) ^ set(tensors_b))}")
    worst, worst_name = 0.0, ""
    for name in sorted(tensors_a):
        x, y = tensors_a[name], tensors_b[name]
        if x.dtype != y.dtype or x.shape != y.shape:
            sys.exit(f"{name}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}")
        if x.dtype.kind in "iu":
            if not np.array_equal(x, y):
                sys.exit(f"{name}: integer values differ")
            continue
        scale = max(float(np.max(np.abs(x.astype(np.float64)), initial=0.0)), 1e-30)
        diff = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)), initial=0.0))
        if diff / scale > worst:
            worst, worst_name = diff / scale, name
    if worst > rtol:
        sys.exit(f"{worst_name} differs by {worst:.3g} relative (tolerance {rtol})")
    print(f"same checkpoints: {len(tensors_a)} tensors, step {meta_a['tvq.step']}, "
          f"largest relative difference {'below' if worst <= rtol else 'above'} {rtol}"
          f" ({worst:.1e})", file=sys.stderr)
    print(f"same checkpoints: {len(tensors_a)} tensors at step {meta_a['tvq.step']}")


def metrics(path):
    rows = {}
    for line in open(path):
        row = json.loads(line)
        rows[row["step"]] = row
    return rows


def same_metrics(a, b, rtol):
    rows_a, rows_b = metrics(a), metrics(b)
    if sorted(rows_a) != sorted(rows_b):
        sys.exit(f"different steps: {sorted(rows_a)} vs {sorted(rows_b)}")
    worst = 0.0
    for step in sorted(rows_a):
        for key in ("loss", "loss_with_commit", "grad_norm", "lr"):
            x, y = rows_a[step][key], rows_b[step][key]
            rel = abs(x - y) / max(abs(x), abs(y), 1e-30)
            if rel > rtol:
                sys.exit(f"step {step}: {key} {x} vs {y} ({rel:.3g} relative, tolerance {rtol})")
            worst = max(worst, rel)
    print(f"largest relative difference {worst:.1e}", file=sys.stderr)
    print(f"same metrics at steps {sorted(rows_a)}")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "meta":
        metadata, _ = checkpoint_tool.read(sys.argv[2])
        for key in sys.argv[3:]:
            print(key, metadata.get(key, "(absent)"))
        return
    if len(sys.argv) != 5 or sys.argv[1] not in ("same-checkpoints", "same-metrics"):
        sys.exit(__doc__)
    command, a, b, rtol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    (same_checkpoints if command == "same-checkpoints" else same_metrics)(a, b, rtol)


if __name__ == "__main__":
    main()
