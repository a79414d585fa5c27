"""Checks the compiled optimizer ops (tvq.lr_schedule, tvq.global_norm, tvq.adamw_update with
global-norm clipping and decoupled weight decay) against float64 numpy, transformer-vq.md
section 6, on fresh random inputs at several steps (warmup, decay, past the end).

usage: optimizer_check.py --tvq-compile PATH --tvq-run PATH --module-src MLIR --workdir DIR
Prints one line per case and 'optimizer: N cases passed, M failed'."""
import argparse
import math
import os
import subprocess
import sys

import numpy as np

from seeds import seeded_rng

PEAK, WARMUP, TOTAL, FINAL = 2e-3, 10, 50, 0.1
B1, B2, EPS, WD, CLIP = 0.9, 0.98, 1e-9, 2e-4, 0.5
TOL = 2e-5


def schedule(step):
    t = step + 1
    if t < WARMUP:
        return PEAK * t / WARMUP
    p = min(1.0, (t - WARMUP) / max(1, TOTAL - WARMUP))
    return PEAK * (FINAL + (1 - FINAL) * 0.5 * (1 + math.cos(math.pi * p)))


def reference(p, gp, gb, m, v, step):
    norm = math.sqrt(float((gp.astype(np.float64) ** 2).sum() + (gb.astype(np.float64) ** 2).sum()))
    g = gp.astype(np.float64) * min(1.0, CLIP / norm)
    m2 = B1 * m + (1 - B1) * g
    v2 = B2 * v + (1 - B2) * g * g
    t = step + 1
    lr = schedule(step)
    update = (m2 / (1 - B1 ** t)) / (np.sqrt(v2 / (1 - B2 ** t)) + EPS)
    p2 = p - lr * update - WD * p
    return lr, norm, p2, m2, v2


def rel(x, ref):
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(np.asarray(x, np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--tvq-compile", "--tvq-run", "--module-src", "--workdir"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--seed", type=int, default=None, help="repeat a run (default: fresh)")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    so = os.path.join(a.workdir, "opt.so")
    subprocess.run([a.tvq_compile, a.module_src, "-o", so], check=True)
    rng = seeded_rng(a.seed, "optimizer")
    passed = failed = 0
    for step in (0, 4, 9, 20, 49, 80):
        p = rng.normal(size=(6, 5)).astype(np.float32)
        b = rng.normal(size=5).astype(np.float32)
        gp = rng.normal(size=(6, 5)).astype(np.float32)
        gb = rng.normal(size=5).astype(np.float32)
        m = (0.1 * rng.normal(size=(6, 5))).astype(np.float32)
        v = rng.uniform(0.0, 0.2, size=(6, 5)).astype(np.float32)
        ins = [p, b, gp, gb, m, v, np.array(step, np.int64)]
        paths = []
        for i, x in enumerate(ins):
            paths.append(os.path.join(a.workdir, f"in{i}.npy"))
            np.save(paths[-1], x)
        outs = [os.path.join(a.workdir, f"out{i}.npy") for i in range(5)]
        subprocess.run([a.tvq_run, "call", so, "--function=adamw"]
                       + ["--input=@" + x for x in paths] + ["--output=@" + x for x in outs],
                       check=True)
        got = [np.load(x) for x in outs]
        want = reference(p, gp, gb, m.astype(np.float64), v.astype(np.float64), step)
        errs = [rel(g, w) for g, w in zip(got, want)]
        # The update changes p by about lr; check it relative to the change too.
        change_err = rel(got[2] - p, want[2] - p)
        ok = max(errs) <= TOL and change_err <= 1e-3
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'PASS' if ok else 'FAIL'} step={step}: lr {errs[0]:.1e} norm {errs[1]:.1e} "
              f"param {errs[2]:.1e} (update {change_err:.1e}) m {errs[3]:.1e} v {errs[4]:.1e}")
    print(f"optimizer: {passed} cases passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
