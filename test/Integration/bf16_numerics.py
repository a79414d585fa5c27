#!/usr/bin/env python3
"""Numerics of VQ attention compiled with `tvq-compile --cpu-matmul=bf16` (numpy only).

Compiles the contract example (models/ops/vq_attention.mlir: S=64, so the weights x cached means
contraction over the codes has a reduction of 64 and runs in bf16) and a wider variant through
Inputs/vq_attention.mlir.in (L=M=64, S=128, K=128, V=64: the scores against the codebook and
the window, and both values contractions, run in bf16) once with --cpu-matmul=f32 and once with
--cpu-matmul=bf16, runs both on the same fresh random inputs (vq_numerics.make_inputs), and
checks for each case:

  - bf16 o against the float64 dense reference: rel_err <= TOL_BF16 = 2e-2. bf16 keeps 8
    significant bits, so rounding an operand costs up to 2^-9 (~2e-3) relative; a product of two
    rounded operands up to ~4e-3, accumulated in f32. With random signs the sums' errors partly
    cancel, but the scores' errors pass through exp (an absolute score error e scales a weight by
    ~(1+e), and scores here reach ~10, so ~1e-2); 2e-2 of max|o| leaves room for that and is 200x
    the f32 tolerance (1e-4) of vq_numerics.py.
  - bf16 o differs from f32 o by more than MIN_BF16_DIFF = 1e-6 (relative): bf16 is really used,
    the tolerance is not met by the f32 path by accident.
  - f32 o against the reference within vq_numerics' 1e-4 (the same module otherwise).
  - codes exactly equal to the reference: the quantizer's distance contraction feeds an arg-min
    and stays in f32 under --cpu-matmul=bf16 (CPUBF16Contractions.cpp), and the inputs keep every
    key clearly nearer to one code (vq_numerics.separate_codes).

Without AVX512-BF16 on this CPU, tvq-compile refuses --cpu-matmul=bf16; the script then says
"skipped" and exits 0.

Usage: bf16_numerics.py --tvq-compile PATH --tvq-run PATH --workdir DIR [--models-dir DIR]
       [--seed N]
"""

import argparse
import os
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import vq_numerics as vn  # noqa: E402
import vq_reference as ref  # noqa: E402

TOL_BF16 = 2e-2
MIN_BF16_DIFF = 1e-6
WIDE = vn.Variant(L=64, M=64, S=128, K=128, V=64)
CASES = [(vn.CONTRACT, [(1, 64), (2, 160)]), (WIDE, [(1, 256), (2, 128)])]


def compile_module(args, src, out, mode):
    cmd = [args.tvq_compile, src, "-o", out, "--cpu-matmul=" + mode]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=vn.COMPILE_TIMEOUT_S)
    return res.returncode, res.stderr.strip()


def call(args, so_path, inputs, directory, tag):
    ins = []
    for name, array in inputs.items():
        path = os.path.join(directory, "%s.npy" % name)
        np.save(path, array)
        ins.append("--input=@" + path)
    outs = [os.path.join(directory, "%s_%s.npy" % (tag, n)) for n in vn.OUTPUT_NAMES]
    cmd = [args.tvq_run, "call", so_path, "--function=vq_attention"] + ins + \
        ["--output=@" + p for p in outs]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=vn.RUN_TIMEOUT_S)
    return [np.load(p) for p in outs]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tvq-compile", required=True)
    parser.add_argument("--tvq-run", required=True)
    parser.add_argument("--models-dir", default=os.path.join(vn.SCRIPT_DIR, "..", "..", "models"))
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)

    passed = failed = 0
    for variant, cases in CASES:
        if variant == vn.CONTRACT:
            src = os.path.join(args.models_dir, "ops", "vq_attention.mlir")
        else:
            src = os.path.join(args.workdir, "vq_attention_%s.mlir" % variant.name())
            with open(vn.TEMPLATE) as f:
                text = vn.render_template(f.read(), variant)
            with open(src, "w") as f:
                f.write(text)
        modules = {}
        for mode in ("f32", "bf16"):
            so = os.path.join(args.workdir, "%s_%s.so" % (variant.name(), mode))
            rc, err = compile_module(args, src, so, mode)
            if rc != 0 and mode == "bf16" and "needs AVX512-BF16" in err:
                print("bf16_numerics: skipped: %s" % err)
                return 0
            if rc != 0:
                print("FAIL %s %s: tvq-compile: %s" % (variant.name(), mode, err))
                failed += 1
                continue
            modules[mode] = so
        if len(modules) != 2:
            continue
        for batch, seq_len in cases:
            name = "%s B=%d T=%d" % (variant.name(), batch, seq_len)
            rng = np.random.default_rng([args.seed, zlib.crc32(name.encode())])
            inputs = vn.make_inputs(rng, batch, seq_len, variant)
            o_ref, codes_ref, _ = vn.reference(inputs)
            directory = os.path.join(args.workdir, "%s_B%d_T%d" % (variant.name(), batch,
                                                                    seq_len))
            os.makedirs(directory, exist_ok=True)
            o32, codes32 = call(args, modules["f32"], inputs, directory, "f32")
            o16, codes16 = call(args, modules["bf16"], inputs, directory, "bf16")
            err32 = ref.rel_err(o32, o_ref)
            err16 = ref.rel_err(o16, o_ref)
            diff = ref.rel_err(o16, o32)
            problems = []
            if not err16 <= TOL_BF16:
                problems.append("bf16 o vs reference %.3g > %.0e" % (err16, TOL_BF16))
            if not diff > MIN_BF16_DIFF:
                problems.append("bf16 o equals f32 o (rel diff %.3g <= %.0e): bf16 not used"
                                % (diff, MIN_BF16_DIFF))
            if not err32 <= vn.TOL_REF:
                problems.append("f32 o vs reference %.3g > %.0e" % (err32, vn.TOL_REF))
            for tag, codes in (("f32", codes32), ("bf16", codes16)):
                wrong = int(np.sum(codes != codes_ref))
                if wrong:
                    problems.append("%s codes: %d of %d differ" % (tag, wrong, codes.size))
            status = "FAIL" if problems else "PASS"
            print("%s %s: bf16 rel_err=%.3g (tol %.0e), f32 rel_err=%.3g, bf16 vs f32 %.3g, "
                  "codes exact%s" % (status, name, err16, TOL_BF16, err32, diff,
                                     "" if not problems else "; " + "; ".join(problems)))
            if problems:
                failed += 1
            else:
                passed += 1
    print("bf16_numerics: %d cases passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
