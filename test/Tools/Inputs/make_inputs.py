"""Writes the .npy inputs of tvq-run-errors.test into the given directory."""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)


def save(name, shape, dtype=np.float32):
    np.save(os.path.join(out, name + ".npy"), rng.normal(size=shape).astype(dtype))


for t, suffix in ((32, ""), (40, "40")):
    save("q" + suffix, (2, t, 32))
    save("k" + suffix, (2, t, 32))
    save("v" + suffix, (2, t, 48))
save("codebook", (64, 32))
save("u", (32,))
save("w", (32,))
save("r", (17, 32))
save("r16", (16, 32))
save("r64", (17, 32), np.float64)
with open(os.path.join(out, "garbage.npy"), "wb") as f:
    f.write(b"\x93NUMPY not really")
