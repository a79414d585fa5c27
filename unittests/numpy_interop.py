#!/usr/bin/env python3
"""numpy_interop.py - checks tvq-run's .npy files against the real NumPy.

Usage: numpy_interop.py TVQ_RUN SCALE_ADD_FIXTURE

Saves the inputs of the scale_add test fixture with numpy.save (format 1.0
and 2.0), runs `tvq-run call`, and loads the outputs with numpy.load.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    tvq_run, module = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        x = np.arange(12, dtype=np.float32).reshape(4, 3) - 5.5
        y = np.array([0.5, -1.0, 3.0], dtype=np.float32)
        x_path = os.path.join(tmp, "x.npy")
        y_path = os.path.join(tmp, "y.npy")
        np.save(x_path, x)
        with open(y_path, "wb") as f:
            np.lib.format.write_array(f, y, version=(2, 0))
        z_path = os.path.join(tmp, "z.npy")
        n_path = os.path.join(tmp, "n.npy")
        subprocess.run([tvq_run, "call", module, "--input=@" + x_path,
                        "--input=@" + y_path, "--output=@" + z_path,
                        "--output=@" + n_path], check=True)
        z = np.load(z_path)
        n = np.load(n_path)
        assert z.dtype == np.float32 and z.shape == (4, 3), (z.dtype, z.shape)
        np.testing.assert_array_equal(z, 2 * x + y)
        assert n.dtype == np.int64 and n.shape == () and n == 4, n

        # A Fortran-order array is rejected with a clear message.
        np.save(x_path, np.asfortranarray(x))
        result = subprocess.run([tvq_run, "call", module, "--input=@" + x_path,
                                 "--input=@" + y_path], capture_output=True,
                                text=True)
        assert result.returncode == 1, result
        assert "fortran_order arrays are not supported" in result.stderr, \
            result.stderr
    print("numpy interop: ok")


if __name__ == "__main__":
    main()
