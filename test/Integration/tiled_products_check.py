#!/usr/bin/env python3
"""Numerics of tvq-tile-matrix-products' kernels, run as CPU loops (the cuda-sim lowering).

    tiled_products_check.py --tvq-opt PATH --workdir DIR [--seed N] [--runtime-lib PATH]

For each case (plain and transposed layouts, a batch with two reductions, sizes that are not
multiples of the 64 x 64 x 16 tiles, a product too small to tile) and each math (f32; bf16
computed lane by lane in the mma.sync layout; wgmma: bf16 stages in wgmma's shared-memory
layout, read lane by lane through the fields of the kernel's own matrix descriptors), the
script writes an MLIR function holding fresh
random inputs as constants and the product as a linalg.generic, lowers it with
`tvq-tile-matrix-products{math=...  mma=false}`, `tvq-parallel-loops-to-gpu` and
`tvq-gpu-launch-to-loops` (what --target=cuda-sim runs), `arith-expand{include-bf16=true}` and
upstream's CPU lowering, runs it with
mlir-runner, reads the result's bits exactly (printed as i32), and compares it with a float64
reference: C + sum over k of A * B, with A and B rounded to bf16 (nearest, ties to even) for
bf16 and wgmma. Tolerance: 1e-5 of C's magnitude plus the sum of |A * B| per output (f32 sums of at most
64 terms), and no output may be NaN. A bf16 kernel that skipped the rounding would be off by
about 1e-3 of that bound; a wrong tile, guard or fragment position by far more.

With --runtime-lib (the tvq runtime library), the kernels are also race-checked and
bounds-checked: `tvq-instrument-races` before `tvq-gpu-launch-to-loops`, the runtime's race check
loaded into mlir-runner; a case passes only when the run reports its launch checked and no data
race (two threads sharing a shared-memory or global element with no barrier between, one
storing); `generate-runtime-verification` and `tvq-asserts-to-runtime-errors` after it, so that
a load or store outside its buffer (a tile's edge guard gone wrong) stops the run.
"""
import os
import subprocess
import sys

import numpy as np

from runner_harness import (dense, lower_and_run, memref, print_bits, race_check_passed,
                            read_bits, run_cases)

CASES = [
    # name, loop dims, A dims, B dims, C dims, sizes (one per loop dim); all but few_rows
    # are tiled (M and N >= 32); few_rows stays one f32 thread per output whatever the math.
    ("plain", "m n k", "m k", "k n", "m n", dict(m=70, n=45, k=37)),
    ("transposed", "m n k", "k m", "n k", "m n", dict(m=33, n=130, k=50)),
    ("batch_two_reductions", "b m n k1 k2", "b m k1 k2", "k1 k2 n", "b m n",
     dict(b=3, m=40, n=65, k1=2, k2=21)),
    ("few_rows", "m n k", "m k", "k n", "m n", dict(m=8, n=96, k=24)),
]
UNTILED = {"few_rows"}
# The tile pass's options per math (cuda-sim: no tensor-core instructions).
OPTIONS = {"f32": "math=f32 mma=false", "bf16": "math=bf16 mma=false",
           "wgmma": "math=bf16 mma=false wgmma=true"}


def bf16(x):
    """float32 array rounded to the nearest bf16 (ties to even), as float32."""
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def module(case, a, b, c):
    name, loops, adims, bdims, cdims, sizes = case
    loops, adims, bdims, cdims = (s.split() for s in (loops, adims, bdims, cdims))
    iters = ", ".join('"reduction"' if d.startswith("k") else '"parallel"' for d in loops)

    def amap(dims):
        return "affine_map<(%s) -> (%s)>" % (", ".join(loops), ", ".join(dims))

    ta, tb, tc = memref(a.shape), memref(b.shape), memref(c.shape)
    return """
memref.global "private" constant @a : {ta} = {da}
memref.global "private" constant @b : {tb} = {db}
memref.global "private" constant @c : {tc} = {dc}
func.func private @printMemrefI32(memref<*xi32>)
func.func @main() {{
  %a = memref.get_global @a : {ta}
  %b = memref.get_global @b : {tb}
  %c0 = memref.get_global @c : {tc}
  %c = memref.alloc() : {tc}
  memref.copy %c0, %c : {tc} to {tc}
  linalg.generic {{indexing_maps = [{ma}, {mb}, {mc}], iterator_types = [{iters}]}}
      ins(%a, %b : {ta}, {tb}) outs(%c : {tc}) {{
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }}
{printed}  return
}}
""".format(ta=ta, tb=tb, tc=tc, da=dense(a), db=dense(b), dc=dense(c), ma=amap(adims),
           mb=amap(bdims), mc=amap(cdims), iters=iters, printed=print_bits("c", c.shape))


def reference(case, a, b, c):
    name, loops, adims, bdims, cdims, sizes = case
    spec = "%s,%s->%s" % (adims.replace(" ", "").replace("k1", "x").replace("k2", "y"),
                          bdims.replace(" ", "").replace("k1", "x").replace("k2", "y"),
                          cdims.replace(" ", ""))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    exact = c.astype(np.float64) + np.einsum(spec, a64, b64)
    bound = np.abs(c.astype(np.float64)) + np.einsum(spec, np.abs(a64), np.abs(b64))
    return exact, bound


def run(args, case, math, rng):
    name, loops, adims, bdims, cdims, sizes = case
    shape = lambda dims: tuple(sizes[d] for d in dims.split())
    a = rng.standard_normal(shape(adims)).astype(np.float32)
    b = rng.standard_normal(shape(bdims)).astype(np.float32)
    c = rng.standard_normal(shape(cdims)).astype(np.float32)
    path = os.path.join(args.workdir, "%s_%s.mlir" % (name, math))
    with open(path, "w") as f:
        f.write(module(case, a, b, c))
    tiled = subprocess.run([args.tvq_opt, path, "--pass-pipeline=builtin.module(func.func("
                            "tvq-tile-matrix-products{%s}))" % OPTIONS[math]],
                           check=True, capture_output=True, text=True).stdout
    if ("workgroup(" in tiled) == (name in UNTILED):
        print("%s: expected the product %s" % (name, "untiled" if name in UNTILED else "tiled"))
        return False
    lowering = ",".join([
        "func.func(tvq-tile-matrix-products{%s}" % OPTIONS[math],
        "convert-linalg-to-parallel-loops,tvq-parallel-loops-to-gpu{block-size=256})",
        "tvq-instrument-races" if args.runtime_lib else "",
        "func.func(tvq-gpu-launch-to-loops)",
        "generate-runtime-verification{verbose-level=0},tvq-asserts-to-runtime-errors"
        if args.runtime_lib else "",
        "arith-expand{include-bf16=true}",
        "expand-strided-metadata,lower-affine,convert-scf-to-cf,finalize-memref-to-llvm",
        "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm",
        "reconcile-unrealized-casts"])
    lowering = lowering.replace(",,", ",")
    run = lower_and_run(args.tvq_opt, path, lowering, args.runtime_lib)
    if run.returncode != 0:
        print("%s %s: mlir-runner failed (%d): %s" % (name, math, run.returncode, run.stderr.strip()))
        return False
    if args.runtime_lib and not race_check_passed(run.stderr):
        print("%s %s: no race check reported: %s" % (name, math, run.stderr.strip()))
        return False
    got = read_bits(run.stdout, c.shape)
    if math != "f32" and name not in UNTILED:
        a, b = bf16(a), bf16(b)
    exact, bound = reference(case, a, b, c)
    err = np.abs(got - exact) / bound
    worst = float(np.nanmax(err)) if not np.isnan(got).any() else float("nan")
    ok = worst <= 1e-5
    print("%-22s %-5s sizes %-32s worst error %.2e of the bound (tolerance 1e-5) %s"
          % (name, math, ",".join("%s=%d" % kv for kv in sizes.items()), worst,
             "ok" if ok else "FAILED"))
    return ok


def main():
    return run_cases(__doc__, "libtvq_runtime.so: also race-check the kernels", CASES, OPTIONS, run,
                     "tiled products")


if __name__ == "__main__":
    sys.exit(main())
