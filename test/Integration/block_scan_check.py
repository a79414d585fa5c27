#!/usr/bin/env python3
"""Numerics of tvq.block_scan as tvq-lower-block-scans lowers it, on the CPU and through cuda-sim.

    block_scan_check.py --tvq-opt PATH --workdir DIR [--seed N] [--runtime-lib PATH]

For each case (forward and reverse, distances 0 to 3, a single block, fewer blocks than the
distance, ranks 2 to 4) the script writes an MLIR function holding fresh random terms and init
as constants, viewed with dynamic sizes, and one `tvq.block_scan` on them; lowers it with
`tvq-lower-block-scans` and then either upstream's CPU lowering (`cpu`: the parallel loop as
loops) or `tvq-parallel-loops-to-gpu` and `tvq-gpu-launch-to-loops` (`cuda-sim`: one thread per
(b, rest...), what --target=cuda-sim runs; with --runtime-lib race- and bounds-checked too);
runs it with mlir-runner, reads the result's bits exactly, and compares them with a float64
reference:
    out[b, n, r] = init[b, n, r] + sum of terms[b, m, r] over m <= n - distance
                   (reverse: over m >= n + distance)
Tolerance: 1e-6 of |init| plus the sum of the |terms| that enter, per output (f32 sums of at most
7 terms: about 4e-7 in the worst case). A term taken from the wrong block is off by about 1 of
that bound.
"""
import os
import sys

import numpy as np

from runner_harness import (dense, lower_and_run, memref, print_bits, race_check_passed,
                            read_bits, run_cases)

# name, shape [B, nb, rest...], distance, reverse.
CASES = [
    ("inclusive", (2, 5, 3), 0, False),
    ("forward", (2, 6, 4, 5), 1, False),
    ("forward_far", (3, 7, 4), 3, False),
    ("reverse", (2, 6, 4, 5), 2, True),
    ("reverse_near", (1, 5, 6), 1, True),
    ("one_block", (3, 1, 8), 1, False),
    ("short", (2, 2, 3, 2), 3, True),
    ("rank2", (4, 6), 2, False),
]
LOWERINGS = ["cpu", "cuda-sim"]


def module(terms, init, distance, reverse):
    t = memref(terms.shape)
    dyn = "memref<" + "x".join("?" for _ in terms.shape) + "xf32>"
    attrs = "distance = %d : i64%s" % (distance, ", reverse" if reverse else "")
    return """
memref.global "private" constant @terms : {t} = {dt}
memref.global "private" constant @init : {t} = {di}
func.func private @printMemrefI32(memref<*xi32>)
func.func @main() {{
  %t = memref.get_global @terms : {t}
  %i0 = memref.get_global @init : {t}
  %out = memref.alloc() : {t}
  memref.copy %i0, %out : {t} to {t}
  %td = memref.cast %t : {t} to {dyn}
  %od = memref.cast %out : {t} to {dyn}
  tvq.block_scan {{{attrs}}} ins(%td : {dyn}) outs(%od : {dyn})
{printed}  return
}}
""".format(t=t, dyn=dyn, dt=dense(terms), di=dense(init), attrs=attrs,
           printed=print_bits("out", terms.shape))


def reference(terms, init, distance, reverse):
    t, i = terms.astype(np.float64), init.astype(np.float64)
    exact, bound = i.copy(), np.abs(i)
    nb = terms.shape[1]
    for n in range(nb):
        ms = range(n + distance, nb) if reverse else range(0, n - distance + 1)
        for m in ms:
            exact[:, n] += t[:, m]
            bound[:, n] += np.abs(t[:, m])
    return exact, bound


def run(args, case, lowering, rng):
    name, shape, distance, reverse = case
    terms = rng.standard_normal(shape).astype(np.float32)
    init = rng.standard_normal(shape).astype(np.float32)
    path = os.path.join(args.workdir, "%s_%s.mlir" % (name, lowering))
    with open(path, "w") as f:
        f.write(module(terms, init, distance, reverse))
    checks = bool(args.runtime_lib) and lowering == "cuda-sim"
    passes = ["func.func(tvq-lower-block-scans)"]
    if lowering == "cuda-sim":
        passes.append("func.func(tvq-parallel-loops-to-gpu{block-size=32})")
        if checks:
            passes.append("tvq-instrument-races")
        passes.append("func.func(tvq-gpu-launch-to-loops)")
        if checks:
            passes.append("generate-runtime-verification{verbose-level=0},"
                          "tvq-asserts-to-runtime-errors")
    passes.append("expand-strided-metadata,lower-affine,convert-scf-to-cf,"
                  "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
                  "convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts")
    result = lower_and_run(args.tvq_opt, path, ",".join(passes),
                           args.runtime_lib if checks else None)
    if result.returncode != 0:
        print("%s %s: mlir-runner failed (%d): %s"
              % (name, lowering, result.returncode, result.stderr.strip()))
        return False
    if checks and not race_check_passed(result.stderr):
        print("%s %s: no race check reported: %s" % (name, lowering, result.stderr.strip()))
        return False
    got = read_bits(result.stdout, shape)
    exact, bound = reference(terms, init, distance, reverse)
    worst = float(np.max(np.abs(got - exact) / bound)) if np.isfinite(got).all() else float("nan")
    ok = worst <= 1e-6
    print("%-12s %-8s shape %-12s distance %d%s worst error %.2e of the bound (tolerance 1e-6) %s"
          % (name, lowering, "x".join(map(str, shape)), distance, " reverse" if reverse else "",
             worst, "ok" if ok else "FAILED"))
    return ok


def main():
    return run_cases(__doc__, "libtvq_runtime.so: also race- and bounds-check the cuda-sim runs", CASES, LOWERINGS, run,
                     "block scans")


if __name__ == "__main__":
    sys.exit(main())
