#!/usr/bin/env python3
"""Assemble a PTX file with ptxas and summarize each kernel's resources.

    scripts/ptx-resources.py --ptxas PTXAS --arch sm_90a MODEL.ptx [--table]

Runs `ptxas -v -arch=ARCH` (the exit status is ptxas's) and prints one summary line:
kernels, registers (max and median), spill stores/loads (bytes, summed), stack frame (max),
static shared memory (max). `--table` also prints one line per kernel.
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile


def parse(log):
    """Kernel name -> dict(registers, spill_stores, spill_loads, stack, smem) from ptxas -v."""
    kernels, current = {}, None
    for line in log.splitlines():
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            current = kernels.setdefault(m.group(1), dict(registers=0, spill_stores=0,
                                                          spill_loads=0, stack=0, smem=0))
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads",
                      line)
        if m:
            current.update(stack=int(m.group(1)), spill_stores=int(m.group(2)),
                           spill_loads=int(m.group(3)))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            current["registers"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            current["smem"] = int(m.group(1))
    return kernels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ptx")
    parser.add_argument("--ptxas", default="ptxas")
    parser.add_argument("--arch", default="sm_90a")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile(suffix=".cubin") as cubin:
        done = subprocess.run([args.ptxas, "-v", "-arch=" + args.arch, args.ptx, "-o", cubin.name],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        print("ptxas failed with exit status %d" % done.returncode)
        return done.returncode
    kernels = parse(done.stdout)
    if not kernels:
        print("ptxas reported no kernels")
        return 1
    regs = [k["registers"] for k in kernels.values()]
    print("%s: %d kernels, registers max %d median %d, spill stores %d B, spill loads %d B, "
          "stack frame max %d B, static shared max %d B"
          % (args.arch, len(kernels), max(regs), statistics.median(regs),
             sum(k["spill_stores"] for k in kernels.values()),
             sum(k["spill_loads"] for k in kernels.values()),
             max(k["stack"] for k in kernels.values()), max(k["smem"] for k in kernels.values())))
    if args.table:
        for name, k in sorted(kernels.items()):
            print("%-40s regs %3d  spill %d/%d B  stack %d B  smem %d B"
                  % (name, k["registers"], k["spill_stores"], k["spill_loads"], k["stack"],
                     k["smem"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
