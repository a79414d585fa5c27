#!/usr/bin/env python3
"""Compares two tvq-run training runs: per-step losses and final checkpoints.

  compare_runs.py RUN_A RUN_B --loss-rtol R --tensor-rtol T

Prints one line per logged step and a summary; exits 1 when a step's loss differs by more
than R relatively, or a checkpoint tensor by more than T relative to its largest magnitude,
or the two runs do not have the same steps and tensors.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import checkpoint_tool  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--loss-rtol", type=float, required=True)
    parser.add_argument("--tensor-rtol", type=float, required=True)
    args = parser.parse_args()
    ok = True
    metrics = [[json.loads(line) for line in open(os.path.join(run, "metrics.jsonl"))]
               for run in (args.a, args.b)]
    if [m["step"] for m in metrics[0]] != [m["step"] for m in metrics[1]]:
        print("FAIL: the runs logged different steps")
        return 1
    worst_loss = 0.0
    for x, y in zip(*metrics):
        err = abs(x["loss"] - y["loss"]) / abs(x["loss"])
        worst_loss = max(worst_loss, err)
        print("step %d loss %.7f vs %.7f (rel %.1e)" % (x["step"], x["loss"], y["loss"], err))
    ok &= worst_loss <= args.loss_rtol
    tensors = [checkpoint_tool.read(os.path.join(run, "checkpoint.safetensors"))[1]
               for run in (args.a, args.b)]
    if sorted(tensors[0]) != sorted(tensors[1]):
        print("FAIL: the checkpoints hold different tensors")
        return 1
    worst_tensor, worst_name = 0.0, ""
    for name, x in tensors[0].items():
        y = tensors[1][name]
        scale = max(float(np.abs(x).max()), 1e-30)
        err = float(np.abs(x.astype(np.float64) - y.astype(np.float64)).max()) / scale
        if err > worst_tensor:
            worst_tensor, worst_name = err, name
    ok &= worst_tensor <= args.tensor_rtol
    print("%s: %d steps, worst loss rel err %.1e (tolerance %.0e); %d checkpoint tensors, "
          "worst %.1e in %s (tolerance %.0e)"
          % ("PASS" if ok else "FAIL", len(metrics[0]), worst_loss, args.loss_rtol,
             len(tensors[0]), worst_tensor, worst_name or "-", args.tensor_rtol))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
