"""Reads `tvq-run info` from stdin and prints the total element count of the
inputs of one entry point (argv[1]) that are parameters (static shapes)."""
import re
import sys

entry = sys.argv[1]
for line in sys.stdin:
    m = re.match(r"entry (\w+)\((.*)\) ->", line)
    if not m or m.group(1) != entry:
        continue
    total = 0
    for shape in re.findall(r": \w+\[([0-9,?]*)\]", m.group(2)):
        dims = shape.split(",")
        if "?" in dims:
            continue  # inputs/targets, not parameters
        n = 1
        for d in dims:
            n *= int(d)
        total += n
    print(total)
