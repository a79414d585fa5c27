"""Checks the compiled tvq.codebook_ema (and the errors of tvq.vq_quantize) against float64
numpy on fresh random inputs: transformer-vq.md section 2, gamma = 0.9, C = sum / max(count, 0.01).

usage: codebook_ema_check.py --tvq-compile PATH --tvq-run PATH --module-src MLIR --workdir DIR
Prints the seed (--seed repeats a run), one line per case and a final
'codebook_ema: N cases passed, M failed'."""
import argparse
import os
import subprocess
import sys

import numpy as np

from seeds import seeded_rng

GAMMA = 0.9
TOL = 1e-5
GAP = 1e-5  # relative gap between a key's two nearest codes (draw_keys)


def codebook_of(c_sum, c_count):
    """C = sum / max(count, 0.01), float64."""
    c_sum, c_count = (np.asarray(x, np.float64) for x in (c_sum, c_count))
    return c_sum / np.maximum(c_count, 0.01)[:, None]


def reference(c_sum, c_count, k):
    c_sum, c_count, k = (np.asarray(x, np.float64) for x in (c_sum, c_count, k))
    codebook = codebook_of(c_sum, c_count)
    d2 = ((k[..., None, :] - codebook) ** 2).sum(-1)
    codes = d2.argmin(-1)
    onehot = np.eye(len(c_count))[codes.reshape(-1)]
    new_sum = GAMMA * c_sum + (1 - GAMMA) * onehot.T @ k.reshape(-1, k.shape[-1])
    new_count = GAMMA * c_count + (1 - GAMMA) * onehot.sum(0)
    return new_sum, new_count, codes.astype(np.int32), np.maximum(d2.min(-1), 0)


def draw_keys(rng, shape, c_sum, c_count):
    """N(0, 1) keys, each redrawn until its nearest code is clearly apart from the next one.

    The codes must equal the float64 argmin exactly, but the compiled distances are float32,
    accurate to a few ulps of (|k| + |C_j|)^2, so at a near-tie either code is right. Rare (a
    numpy float32 simulation of these draws had none in 351,000 keys) but the keys are fresh
    each run: a key whose two nearest codes are closer than GAP times that scale is redrawn."""
    codebook = codebook_of(c_sum, c_count)
    keys = rng.normal(size=(int(np.prod(shape[:-1])), shape[-1]))
    for i in range(len(keys)):
        while True:
            d2 = ((keys[i] - codebook) ** 2).sum(-1)
            first, second = np.argsort(d2)[:2]
            norms = np.linalg.norm(codebook[[first, second]], axis=-1)
            size = (np.linalg.norm(keys[i]) + norms.max()) ** 2
            if d2[second] - d2[first] > GAP * size:
                break
            keys[i] = rng.normal(size=shape[-1])
    return keys.reshape(shape).astype(np.float32)


def rel_err(x, ref):
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(ref)), 1e-30))


def main():
    p = argparse.ArgumentParser()
    for flag in ("--tvq-compile", "--tvq-run", "--module-src", "--workdir"):
        p.add_argument(flag, required=True)
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    rng = seeded_rng(a.seed, "codebook_ema")
    os.makedirs(a.workdir, exist_ok=True)
    so = os.path.join(a.workdir, "ema.so")
    subprocess.run([a.tvq_compile, a.module_src, "-o", so], check=True)
    passed = failed = 0
    for batch, seq in ((1, 1), (2, 16), (3, 100)):
        c_sum = rng.normal(size=(16, 8)).astype(np.float32)
        c_count = rng.uniform(0.0, 5.0, size=16).astype(np.float32)
        c_count[3] = 0.0  # exercises the max(count, 0.01) floor
        k = draw_keys(rng, (batch, seq, 8), c_sum, c_count)
        paths = []
        for name, x in (("sum", c_sum), ("count", c_count), ("k", k)):
            paths.append(os.path.join(a.workdir, name + ".npy"))
            np.save(paths[-1], x)
        outs = [os.path.join(a.workdir, n + ".out.npy") for n in ("sum", "count", "codes", "err")]
        subprocess.run([a.tvq_run, "call", so, "--function=ema"]
                       + ["--input=@" + x for x in paths] + ["--output=@" + x for x in outs],
                       check=True)
        got = [np.load(x) for x in outs]
        want = reference(c_sum, c_count, k)
        errs = [rel_err(got[0], want[0]), rel_err(got[1], want[1]), rel_err(got[3], want[3])]
        codes_ok = bool((got[2] == want[2]).all())
        ok = codes_ok and max(errs) <= TOL
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'PASS' if ok else 'FAIL'} B={batch} T={seq}: codes "
              f"{'exact' if codes_ok else 'DIFFER'}, rel err sum {errs[0]:.2e} count {errs[1]:.2e}"
              f" errors {errs[2]:.2e} (tolerance {TOL:g})")
    print(f"codebook_ema: {passed} cases passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
