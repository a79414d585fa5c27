"""Helpers of the mlir-runner numerics scripts (tiled_products_check.py, block_scan_check.py).

Inputs go into the MLIR text as dense literals with their exact bits; results come back as
their exact bits, printed as i32 by `printMemrefI32` (see `print_bits`).
"""
import os
import re
import shutil
import subprocess

import numpy as np

from seeds import seeded_rng


def memref(shape):
    return "memref<" + "x".join(str(s) for s in shape) + "xf32>"


def dense(values):
    """The exact bits, as MLIR's hex form of a dense literal (little-endian)."""
    return 'dense<"0x%s">' % values.astype("<f4").tobytes().hex().upper()


def print_bits(name, shape):
    """MLIR lines that print the f32 buffer %name of `shape` as the i32 of its bits; the
    function needs `func.func private @printMemrefI32(memref<*xi32>)`."""
    flat = int(np.prod(shape))
    return """
  %{name}_flat = memref.collapse_shape %{name} [[{all}]] : {t} into memref<{flat}xf32>
  %{name}_bits = memref.alloc() : memref<{flat}xi32>
  %{name}_z = arith.constant 0 : index
  %{name}_one = arith.constant 1 : index
  %{name}_n = arith.constant {flat} : index
  scf.for %i = %{name}_z to %{name}_n step %{name}_one {{
    %v = memref.load %{name}_flat[%i] : memref<{flat}xf32>
    %w = arith.bitcast %v : f32 to i32
    memref.store %w, %{name}_bits[%i] : memref<{flat}xi32>
  }}
  %{name}_u = memref.cast %{name}_bits : memref<{flat}xi32> to memref<*xi32>
  call @printMemrefI32(%{name}_u) : (memref<*xi32>) -> ()
""".format(name=name, all=", ".join(str(i) for i in range(len(shape))), t=memref(shape),
           flat=flat)


def lower_and_run(tvq_opt, path, pipeline, runtime_lib=None):
    """Lowers `path` with `pipeline` (the passes inside builtin.module) and runs its @main with
    mlir-runner (MLIR's runner utils, and `runtime_lib` when given). Returns the
    subprocess.CompletedProcess of the run."""
    lowered = subprocess.run([tvq_opt, path, "--pass-pipeline=builtin.module(%s)" % pipeline],
                             check=True, capture_output=True, text=True).stdout
    runner = shutil.which("mlir-runner")
    libdir = os.path.join(os.path.dirname(os.path.realpath(runner)), "..", "lib")
    libs = ",".join(os.path.join(libdir, l) for l in
                    ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))
    if runtime_lib:
        libs += "," + runtime_lib
    return subprocess.run([runner, "-e", "main", "-entry-point-result=void",
                           "-shared-libs=" + libs], input=lowered, capture_output=True, text=True)


def read_bits(out, shape):
    """The f32 values (as float64) that `print_bits` printed first in `out`."""
    data = out[out.index("data ="):]
    count = int(np.prod(shape))
    got = np.array([int(t) for t in re.findall(r"-?\d+", data)[:count]], dtype=np.int64)
    return got.astype(np.int32).view(np.float32).reshape(shape).astype(np.float64)


def race_check_passed(stderr):
    """Whether the runtime's race check reported checked launches and no data race."""
    return re.search(r"tvq race check: [1-9]\d* launches, [1-9]\d* accesses, no data race",
                     stderr) is not None


def run_cases(doc, runtime_help, cases, variants, run, what):
    """The scripts' main: parses --tvq-opt, --workdir, --seed and --runtime-lib (`runtime_help`),
    seeds a numpy Generator from --seed or fresh random bits (printed), calls
    `run(args, case, variant, rng)` for every case and variant, prints how many of `what` were
    within tolerance, and returns the exit status."""
    import argparse
    import os

    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--tvq-opt", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--runtime-lib", default=None, help=runtime_help)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = seeded_rng(args.seed, what)
    results = [run(args, case, variant, rng) for case in cases for variant in variants]
    print("%s: %d of %d cases within tolerance" % (what, sum(results), len(results)))
    return 0 if all(results) else 1
