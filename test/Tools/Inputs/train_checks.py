#!/usr/bin/env python3
"""Checks on the outputs of tvq-run train and eval, for the lit tests.

  train_checks.py learned FILE DATA MARGIN     the bpb of the last JSON line
                                               of FILE (metrics.jsonl or eval
                                               output) is at least MARGIN bits
                                               below the unigram entropy of
                                               DATA's train split (bytes)
  train_checks.py same-losses A B              two metrics.jsonl files log the
                                               same steps with identical
                                               loss, grad_norm and lr
  train_checks.py close-evals A B RTOL         the last JSON lines of two eval
                                               outputs agree on tokens and on
                                               loss to RTOL (relative)
"""
import collections
import json
import math
import sys


def unigram_bits(path):
    data = open(path, "rb").read()
    train = data[: len(data) * 9 // 10]
    counts = collections.Counter(train)
    n = len(train)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def lines(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def main():
    command = sys.argv[1]
    if command == "learned":
        path, data, margin = sys.argv[2], sys.argv[3], float(sys.argv[4])
        last = lines(path)[-1]
        entropy = unigram_bits(data)
        print("%s: %.4f bpb, unigram entropy %.4f bits/byte"
              % (path, last["bpb"], entropy))
        assert last["bpb"] < entropy - margin, "did not learn enough"
        print("learned")
    elif command == "same-losses":
        keys = ("step", "loss", "bpb", "loss_with_commit", "grad_norm", "lr")
        a = [tuple(line[k] for k in keys) for line in lines(sys.argv[2])]
        b = [tuple(line[k] for k in keys) for line in lines(sys.argv[3])]
        assert a == b, "\n%s\n!=\n%s" % (a, b)
        print("same losses at steps %s" % [line[0] for line in a])
    elif command == "close-evals":
        a, b = lines(sys.argv[2])[-1], lines(sys.argv[3])[-1]
        rtol = float(sys.argv[4])
        assert a["tokens"] == b["tokens"], (a, b)
        error = abs(a["loss"] - b["loss"]) / abs(b["loss"])
        print("%s %.8f, %s %.8f: relative difference %.2e (tolerance %g)"
              % (a["mode"], a["loss"], b["mode"], b["loss"], error, rtol))
        assert error <= rtol
        print("evals agree")
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
