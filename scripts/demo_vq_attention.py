"""Runs the compiled VQ-attention example on random inputs and compares it with the float64
dense reference of transformer-vq.md section 3 (test/Integration/vq_reference.py)."""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "Integration"))
import vq_reference  # noqa: E402

NAMES = ("q", "k", "v", "codebook", "u", "w", "r")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tvq-run", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--seed", type=int, default=int(time.time()))
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"== random inputs (seed {args.seed}), tvq-run call, float64 reference")
    print("relative error = max|o - ref| / max|ref| over the whole output")
    print(f"{'B':>3} {'T':>6} {'codes equal':>12} {'max |o - ref|':>14} {'rel err':>10}")
    worst = 0.0
    codes_equal = True
    for batch, seq in ((1, 16), (2, 64), (2, 512), (1, 2048)):
        inputs = {
            "q": rng.normal(size=(batch, seq, 32)),
            "k": rng.normal(size=(batch, seq, 32)),
            "v": rng.normal(size=(batch, seq, 48)),
            "codebook": rng.normal(size=(64, 32)),
            "u": 0.5 * rng.normal(size=32),
            "w": 0.5 * rng.normal(size=32),
            "r": 0.5 * rng.normal(size=(17, 32)),
        }
        cmd = [args.tvq_run, "call", args.module, "--function=vq_attention"]
        for name in NAMES:
            path = os.path.join(args.workdir, name + ".npy")
            inputs[name] = inputs[name].astype(np.float32)
            np.save(path, inputs[name])
            cmd.append("--input=@" + path)
        outs = [os.path.join(args.workdir, n + ".out.npy") for n in ("o", "codes")]
        cmd += ["--output=@" + o for o in outs]
        subprocess.run(cmd, check=True)
        o, codes = np.load(outs[0]), np.load(outs[1])
        ref_o, ref_codes = vq_reference.vq_attention_dense(*(inputs[n] for n in NAMES))
        err = np.abs(o - ref_o)
        rel = vq_reference.rel_err(o, ref_o)
        worst = max(worst, rel)
        codes_equal = codes_equal and bool((codes == ref_codes).all())
        print(f"{batch:>3} {seq:>6} {str(bool((codes == ref_codes).all())):>12} "
              f"{err.max():>14.3e} {rel:>10.2e}")
    agree = worst <= 1e-4 and codes_equal
    print(f"worst relative error {worst:.2e} (tolerance 1e-4), codes "
          + ("all equal" if codes_equal else "DIFFER") + ": "
          + ("AGREES with the reference" if agree else "DISAGREES with the reference"))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
