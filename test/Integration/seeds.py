"""The random generator of a check that draws fresh inputs each run."""
import os

import numpy as np


def seeded_rng(seed, what):
    """A generator from `seed`, or from a fresh seed when it is None. Prints the seed first, so
    that a failing run can be repeated with --seed."""
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    print("%s: seed %d (rerun with --seed %d)" % (what, seed, seed), flush=True)
    return np.random.default_rng(seed)
