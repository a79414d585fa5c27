#!/usr/bin/env python3
"""The compiler's estimate of a training step's buffers against the memory a real step uses.

  peak_bytes_check.py TVQ_RUN MODULE.so DATA WORKDIR

For batches 32 and 128, reads the estimate from the runtime's refusal under a small
TVQ_MEMORY_LIMIT (it names the bytes the step's buffers need at once), then runs the same
training for real and takes the process's peak resident memory (wait4's ru_maxrss). The growth
of the estimate from batch 32 to 128 must cover the growth of the real peak (the estimate is meant
as an upper bound) without exceeding it more than 3 times.
"""
import os
import re
import subprocess
import sys


def train(tvq_run, module, data, out, batch, limit=None):
    env = dict(os.environ)
    if limit:
        env["TVQ_MEMORY_LIMIT"] = str(limit)
    command = [tvq_run, "train", module, "--data", data, "--steps", "2", "--batch", str(batch),
               "--seq-len", "256", "--out", out]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    return os.waitstatus_to_exitcode(status), output, usage.ru_maxrss * 1024


def main():
    tvq_run, module, data, workdir = sys.argv[1:5]
    estimates, peaks = {}, {}
    for batch in (32, 128):
        # The state check needs about 1.2 MB for this model; 2 MB lets it pass and the step's
        # buffers (75 MB and more: the runtime checks estimates from 64 MiB on) be refused.
        rc, output, _ = train(tvq_run, module, data, os.path.join(workdir, "refused%d" % batch),
                              batch, limit=2000000)
        match = re.search(r"its buffers need (\d+) bytes at once", output)
        if rc == 0 or not match:
            print("FAIL: batch %d was not refused with an estimate:\n%s" % (batch, output))
            return 1
        estimates[batch] = int(match.group(1))
        rc, output, peaks[batch] = train(tvq_run, module, data,
                                         os.path.join(workdir, "ran%d" % batch), batch)
        if rc != 0:
            print("FAIL: batch %d did not train:\n%s" % (batch, output))
            return 1
    grew_estimate = estimates[128] - estimates[32]
    grew_peak = peaks[128] - peaks[32]
    ratio = grew_estimate / max(grew_peak, 1)
    ok = 1.0 <= ratio <= 3.0
    print("%s: estimate %d -> %d bytes (+%d), peak resident memory %d -> %d bytes (+%d), "
          "ratio %.2f (must be in [1, 3])"
          % ("PASS" if ok else "FAIL", estimates[32], estimates[128], grew_estimate, peaks[32],
             peaks[128], grew_peak, ratio))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
