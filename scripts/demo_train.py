"""Summarizes the training part of `make demo`: the validation bits per byte of the trained
model next to the unigram entropy of the corpus (what a model that ignores context achieves),
and the training throughput logged in metrics.jsonl."""
import argparse
import collections
import json
import math
import statistics
import sys


def unigram_bits_per_byte(path):
    """Entropy of the byte distribution of the training split (the first 90%)."""
    data = open(path, "rb").read()
    train = data[: len(data) * 9 // 10]
    counts = collections.Counter(train)
    return -sum(c / len(train) * math.log2(c / len(train)) for c in counts.values())


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True)
    p.add_argument("--eval", required=True, help="output of tvq-run eval (last line JSON)")
    p.add_argument("--metrics", required=True, help="the run's metrics.jsonl")
    args = p.parse_args()
    lines = [line for line in open(args.eval) if line.strip()]
    result = json.loads(lines[-1])
    metrics = [json.loads(line) for line in open(args.metrics) if line.strip()]
    entropy = unigram_bits_per_byte(args.data)
    rates = [m["tokens_per_s"] for m in metrics[1:]] or [metrics[-1]["tokens_per_s"]]
    print(f"unigram entropy of the training bytes : {entropy:.3f} bits/byte")
    print(f"training batch at step {metrics[0]['step']:<14} : {metrics[0]['bpb']:.3f} bpb")
    print(f"training batch at step {metrics[-1]['step']:<14} : {metrics[-1]['bpb']:.3f} bpb")
    print(f"trained model, validation split       : {result['bpb']:.3f} bpb "
          f"({result['tokens']} bytes, step {result['checkpoint_step']})")
    print(f"training throughput                   : {statistics.median(rates):.0f} tokens/s "
          f"(median over the logged intervals)")
    learned = result["bpb"] < entropy - 0.5
    print("the model " + ("LEARNED: it beats the unigram entropy by "
                          f"{entropy - result['bpb']:.2f} bits/byte" if learned
                          else "did NOT beat the unigram entropy clearly"))
    return 0 if learned else 1


if __name__ == "__main__":
    sys.exit(main())
