"""Checks the compiled tvq.adafactor_update against float64 numpy written from Adafactor's
definition (Shazeer & Stern 2018, as optax.adafactor implements it with its defaults:
no momentum, decay rate 0.8, epsilon 1e-30, update clipping at RMS 1, relative step
max(rms(p), 1e-3)), transformer-vq.md section 6 (PG-19, ImageNet64).

Cases: a factored [6, 5] parameter (row and column second moments), an unfactored [4, 3] one and
a vector, each at several steps (step 0, where the decay is 0; later steps); with moments that
make the update's RMS exceed 1 (clipping active) and parameters with RMS below 1e-3 (the floor
active). Fresh random inputs on every run. Tolerance: max|got - want| / max|want| <= 2e-5 for
parameters and moments, and 1e-3 on the parameter change itself (about lr, far smaller than p).

usage: adafactor_check.py --tvq-compile PATH --tvq-run PATH --module-src MLIR --workdir DIR
Prints one line per case and 'adafactor: N cases passed, M failed'."""
import argparse
import os
import subprocess
import sys

import numpy as np

from seeds import seeded_rng

DECAY_RATE, EPS1, CLIP, MIN_SCALE = 0.8, 1e-30, 1.0, 1e-3
TOL = 2e-5


def rms(x):
    return np.sqrt(np.mean(x * x))


def reference(p, g, moments, step, lr):
    """One Adafactor step in float64; moments is [vr, vc] (factored) or [v]. Returns the new
    parameter and moments, and the RMS of the update before clipping."""
    p, g = p.astype(np.float64), g.astype(np.float64)
    decay = 1.0 - (step + 1.0) ** -DECAY_RATE
    g2 = g * g + EPS1
    if len(moments) == 2:
        vr = decay * moments[0] + (1 - decay) * g2.mean(axis=1)
        vc = decay * moments[1] + (1 - decay) * g2.mean(axis=0)
        u = g / np.sqrt(vr[:, None] / vr.mean()) / np.sqrt(vc[None, :])
        new = [vr, vc]
    else:
        v = decay * moments[0] + (1 - decay) * g2
        u = g / np.sqrt(v)
        new = [v]
    u_rms = rms(u)
    u = u / max(1.0, u_rms / CLIP)
    return [p - lr * max(rms(p), MIN_SCALE) * u] + new, u_rms


def rel(x, ref):
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(ref)), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--tvq-compile", "--tvq-run", "--module-src", "--workdir"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--seed", type=int, default=None, help="repeat a run (default: fresh)")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    so = os.path.join(a.workdir, "adafactor.so")
    subprocess.run([a.tvq_compile, a.module_src, "-o", so], check=True)
    rng = seeded_rng(a.seed, "adafactor")
    f32 = lambda x: np.asarray(x, np.float32)
    passed = failed = 0
    cases = [(0, "plain"), (3, "plain"), (40, "plain"), (7, "clipped"), (12, "tiny params")]
    for step, kind in cases:
        pscale = 1e-4 if kind == "tiny params" else 1.0
        # Small moments against unit gradients make u large: clipping at RMS 1 is active.
        vscale = 1e-3 if kind == "clipped" else 1.0
        shapes = [((6, 5), True), ((4, 3), False), ((7,), False)]
        ins, wants, clipped = [], [], []
        lr = 1e-2
        for shape, factored in shapes:
            p = f32(pscale * rng.normal(size=shape))
            g = f32(rng.normal(size=shape))
            if factored:
                moments = [f32(vscale * rng.uniform(0.2, 2.0, size=shape[0])),
                           f32(vscale * rng.uniform(0.2, 2.0, size=shape[1]))]
            else:
                moments = [f32(vscale * rng.uniform(0.2, 2.0, size=shape))]
            ins += [p, g] + moments
            want, u_rms = reference(p, g, [m.astype(np.float64) for m in moments], step, lr)
            wants.append((p, want))
            clipped.append(u_rms > CLIP)
        ins += [np.array(step, np.int64), np.array(lr, np.float32)]
        # Order of the function's arguments: p g vr vc, q gq vq, b gb vb, step, lr.
        paths = []
        for i, x in enumerate(ins):
            paths.append(os.path.join(a.workdir, f"in{i}.npy"))
            np.save(paths[-1], x)
        outs = [os.path.join(a.workdir, f"out{i}.npy") for i in range(7)]
        subprocess.run([a.tvq_run, "call", so, "--function=adafactor"]
                       + ["--input=@" + x for x in paths] + ["--output=@" + x for x in outs],
                       check=True)
        got = [np.load(x) for x in outs]
        groups = [got[0:3], got[3:5], got[5:7]]
        errs, change_errs = [], []
        for (p, want), have in zip(wants, groups):
            errs += [rel(h, w) for h, w in zip(have, want)]
            change_errs.append(rel(have[0] - p, want[0] - p))
        ok = max(errs) <= TOL and max(change_errs) <= 1e-3
        if kind == "clipped":
            ok = ok and all(clipped)
        if kind == "tiny params":
            ok = ok and all(rms(p) < MIN_SCALE for p, _ in wants)
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'PASS' if ok else 'FAIL'} step={step} {kind}: worst rel err {max(errs):.1e}, "
              f"update {max(change_errs):.1e}, clipping active {sum(clipped)}/3")
    print(f"adafactor: {passed} cases passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
