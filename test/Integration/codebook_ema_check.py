"""Checks the compiled tvq.codebook_ema (and the errors of tvq.vq_quantize) against float64
numpy on fresh random inputs: transformer-vq.md section 2, gamma = 0.9, C = sum / max(count, 0.01).

usage: codebook_ema_check.py --tvq-compile PATH --tvq-run PATH --module-src MLIR --workdir DIR
Prints one line per case and a final 'codebook_ema: N cases passed, M failed'."""
import argparse
import os
import subprocess
import sys

import numpy as np

GAMMA = 0.9
TOL = 1e-5


def reference(c_sum, c_count, k):
    c_sum, c_count, k = (np.asarray(x, np.float64) for x in (c_sum, c_count, k))
    codebook = c_sum / np.maximum(c_count, 0.01)[:, None]
    d2 = ((k[..., None, :] - codebook) ** 2).sum(-1)
    codes = d2.argmin(-1)
    onehot = np.eye(len(c_count))[codes.reshape(-1)]
    new_sum = GAMMA * c_sum + (1 - GAMMA) * onehot.T @ k.reshape(-1, k.shape[-1])
    new_count = GAMMA * c_count + (1 - GAMMA) * onehot.sum(0)
    return new_sum, new_count, codes.astype(np.int32), np.maximum(d2.min(-1), 0)


def rel_err(x, ref):
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(ref)), 1e-30))


def main():
    p = argparse.ArgumentParser()
    for flag in ("--tvq-compile", "--tvq-run", "--module-src", "--workdir"):
        p.add_argument(flag, required=True)
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.workdir, exist_ok=True)
    so = os.path.join(a.workdir, "ema.so")
    subprocess.run([a.tvq_compile, a.module_src, "-o", so], check=True)
    passed = failed = 0
    for batch, seq in ((1, 1), (2, 16), (3, 100)):
        c_sum = rng.normal(size=(16, 8)).astype(np.float32)
        c_count = rng.uniform(0.0, 5.0, size=16).astype(np.float32)
        c_count[3] = 0.0  # exercises the max(count, 0.01) floor
        k = rng.normal(size=(batch, seq, 8)).astype(np.float32)
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
