#!/usr/bin/env python3
"""bench_compiled.py - `tvq-run bench` on a module compiled by tvq-compile.

Usage: bench_compiled.py TVQ_COMPILE TVQ_RUN models/ops/vq_attention.mlir

Compiles the VQ-attention example, benchmarks it on random inputs and checks
the JSON line; then checks that a failing shape check stops the benchmark.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    tvq_compile, tvq_run, model = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        module = os.path.join(tmp, "vq_attention.so")
        subprocess.run([tvq_compile, model, "-o", module], check=True)
        rng = np.random.default_rng(0)

        def inputs(t):
            shapes = [("q", (1, t, 32)), ("k", (1, t, 32)), ("v", (1, t, 48)),
                      ("codebook", (64, 32)), ("u", (32,)), ("w", (32,)),
                      ("r", (17, 32))]
            args = []
            for name, shape in shapes:
                path = os.path.join(tmp, "%s%d.npy" % (name, t))
                np.save(path, rng.standard_normal(shape).astype(np.float32))
                args.append("--input=@" + path)
            return args

        result = subprocess.run(
            [tvq_run, "bench", module, "--function=vq_attention",
             "--repeat=3", "--warmup=1"] + inputs(128),
            capture_output=True, text=True, check=True)
        lines = result.stdout.splitlines()
        assert len(lines) == 1, result.stdout
        record = json.loads(lines[0])
        for key in ("median_ms", "min_ms", "max_ms", "mean_ms", "stddev_ms"):
            assert isinstance(record[key], float) and record[key] >= 0, record
        assert record["function"] == "vq_attention", record
        assert record["repeat"] == 3 and record["warmup"] == 1, record
        assert 0 < record["min_ms"] <= record["median_ms"] <= record["max_ms"]
        assert record["min_ms"] <= record["mean_ms"] <= record["max_ms"]

        result = subprocess.run([tvq_run, "bench", module] + inputs(40),
                                capture_output=True, text=True)
        assert result.returncode == 1 and result.stdout == "", result
        assert "must be a multiple of block_len 16" in result.stderr, \
            result.stderr
    print("bench on a compiled module: ok (median %.3f ms)" %
          record["median_ms"])


if __name__ == "__main__":
    main()
