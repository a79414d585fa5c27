#!/usr/bin/env python3
"""Count the global stores inside loops of each kernel of a PTX file.

    scripts/ptx-loop-stores.py MODEL.ptx [--table]

A loop is the lines from a label to a later branch back to it; a store is a
`st.global`. A thread that keeps a sum in memory instead of a register stores
in every iteration (what tvq-promote-loop-accumulators removes); a loop over a
thread's outputs stores once per output. Prints one summary line, and with
`--table` one line per kernel that stores inside a loop.
"""
import argparse
import re
import sys


def loop_stores(ptx):
    """Kernel name -> global stores inside its loops, for every kernel."""
    counts = {}
    for entry in re.split(r"\n\.visible \.entry ", ptx)[1:]:
        name = entry.split("(", 1)[0]
        lines = entry.splitlines()
        labels = {}
        inside = set()
        for i, line in enumerate(lines):
            m = re.match(r"(\$L__\w+):", line)
            if m:
                labels[m.group(1)] = i
            m = re.search(r"\bbra(?:\.uni)?\s+(\$L__\w+);", line)
            if m and m.group(1) in labels:
                inside.update(range(labels[m.group(1)], i))
        counts[name] = sum(1 for i in inside if "st.global" in lines[i])
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ptx")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    with open(args.ptx) as f:
        counts = loop_stores(f.read())
    if not counts:
        print("no kernels in %s" % args.ptx)
        return 1
    storing = {k: n for k, n in counts.items() if n}
    if args.table:
        for name, n in sorted(storing.items()):
            print("%s %d" % (name, n))
    print("%d of %d kernels store to global memory inside a loop (%d stores)"
          % (len(storing), len(counts), sum(storing.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
