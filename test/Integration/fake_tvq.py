"""A stand-in for tvq-compile and tvq-run, to test vq_numerics.py itself without the tools.

  fake_tvq.py IN.mlir -o OUT.so                      ("compile": records the entry point's
                                                      name, block_len, mem_len and whether it
                                                      carries a state, as JSON in OUT.so)
  fake_tvq.py call OUT.so --function=F --input=@a.npy ... --output=@b.npy ...
                                                     ("run": computes the outputs with the
                                                      blockwise float64 implementation of
                                                      vq_reference.py and writes them as the
                                                      compiled module would: o f32, codes i32,
                                                      state f32/i32/i64)

vq_numerics.py runs a tool whose name ends in .py with its own interpreter, so this file needs
no execute permission. It is not a model of the compiler; it only lets the harness's plumbing
(templates, .npy files, state carried from call to call, comparisons, exit status) be
exercised. Setting TVQ_FAKE_BUG to one of `o`, `codes`, `state` injects a small error, to check
that the harness notices it; `ties` breaks exact distance ties towards the highest index instead
of the lowest, and `seen` gives every batch row the incoming `seen` of row 0.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import numpy as np  # noqa: E402
except ImportError:
    print("%s: error: numpy is not installed for %s (scripts/setup.sh installs it)"
          % (os.path.basename(__file__), sys.executable), file=sys.stderr)
    sys.exit(2)

import vq_reference as ref  # noqa: E402


def fake_compile(argv):
    """Parses IN.mlir -o OUT.so and writes the entry point's description to OUT.so."""
    if len(argv) != 3 or argv[1] != "-o":
        print("usage: fake_tvq.py IN.mlir -o OUT.so", file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        text = f.read()
    function = re.search(r"func\.func @(\w+)", text)
    block_len = re.search(r"block_len = (\d+)", text)
    mem_len = re.search(r"mem_len = (\d+)", text)
    if not (function and block_len and mem_len):
        print("fake_tvq: %s: no tvq.vq_attention entry point found" % argv[0], file=sys.stderr)
        return 1
    module = {"function": function.group(1), "block_len": int(block_len.group(1)),
              "mem_len": int(mem_len.group(1)), "stateful": "state(" in text}
    with open(argv[2], "w") as f:
        json.dump(module, f)
    return 0


def parse_call(argv):
    """Returns (module path, function, input paths, output paths) of a `call` command line."""
    module_path, function, inputs, outputs = argv[1], None, [], []
    for arg in argv[2:]:
        if arg.startswith("--function="):
            function = arg[len("--function="):]
        elif arg.startswith("--input=@"):
            inputs.append(arg[len("--input=@"):])
        elif arg.startswith("--output=@"):
            outputs.append(arg[len("--output=@"):])
        else:
            raise ValueError("unknown argument %s" % arg)
    return module_path, function, inputs, outputs


def inject_bug(outputs, codebook_size):
    """Applies the error named by TVQ_FAKE_BUG (if any) to the outputs, in place."""
    bug = os.environ.get("TVQ_FAKE_BUG", "")
    if bug == "o":
        outputs[0][0, -1, 0] += np.float32(1e-3 * np.max(np.abs(outputs[0])))
    elif bug == "codes":
        outputs[1][0, -1] = (outputs[1][0, -1] + 1) % codebook_size
    elif bug == "state" and len(outputs) > 2:
        outputs[2][0, 0] += 1.0  # count of code 0 of sequence 0


def fake_call(argv):
    """Runs the entry point with the blockwise reference; writes the outputs."""
    module_path, function, input_paths, output_paths = parse_call(argv)
    with open(module_path) as f:
        module = json.load(f)
    if function != module["function"]:
        print("fake_tvq: no entry point %s" % function, file=sys.stderr)
        return 1
    arrays = [np.load(path) for path in input_paths]
    q, k, v, codebook, u, w, r = arrays[:7]
    block_len = module["block_len"]
    if q.shape[1] % block_len != 0:
        print("fake_tvq: T=%d is not a multiple of block_len %d" % (q.shape[1], block_len),
              file=sys.stderr)
        return 1
    batch, _, key_dim = q.shape
    if module["stateful"]:
        state = dict(zip(ref.STATE_NAMES, arrays[7:]))
    else:
        state = ref.zero_state(batch, codebook.shape[0], module["mem_len"], key_dim, v.shape[2])
    if module["stateful"] and os.environ.get("TVQ_FAKE_BUG", "") == "seen":
        state["seen"] = np.full_like(state["seen"], state["seen"][0])
    codes, k_hat = ref.quantize(k, codebook)
    if os.environ.get("TVQ_FAKE_BUG", "") == "ties":
        reversed_d2 = ref.squared_distances(k, codebook)[..., ::-1]
        codes = (codebook.shape[0] - 1 - np.argmin(reversed_d2, axis=-1)).astype(np.int32)
        k_hat = ref.as_f64(codebook)[codes]
    o, new_state = ref.attention_blockwise(q, k_hat, codes, v, codebook, u, w, r, block_len,
                                           state)
    outputs = [o.astype(np.float32), codes.astype(np.int32)]
    if module["stateful"]:
        dtypes = [np.float32, np.float32, np.int32, np.float32, np.float32, np.int64]
        outputs += [new_state[name].astype(dtype)
                    for name, dtype in zip(ref.STATE_NAMES, dtypes)]
    if len(outputs) != len(output_paths):
        print("fake_tvq: %s has %d outputs, %d given" % (function, len(outputs),
                                                         len(output_paths)), file=sys.stderr)
        return 1
    inject_bug(outputs, codebook.shape[0])
    for path, array in zip(output_paths, outputs):
        np.save(path, array)
    return 0


def main(argv):
    """Dispatches on the first argument: `call` runs, anything else compiles."""
    if argv and argv[0] == "call":
        return fake_call(argv)
    return fake_compile(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
