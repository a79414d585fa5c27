#!/usr/bin/env python3
"""Numerics of compiled VQ attention against the float64 dense reference (numpy only).

Compiles the contract example (models/ops/vq_attention.mlir) and variants written from the
templates in Inputs/, runs them with `tvq-run call` on fresh random inputs, and compares the
outputs with vq_reference.py (transformer-vq.md section 3, float64).

Suites:
  contract  the contract example (L=M=16, S=64, K=32, V=48) for several (B,T), up to T = 32 L
  variants  other (L, M, S, K, V) through Inputs/vq_attention.mlir.in, M < L, M = L and M > L
  chunked   @vq_attention_step: one call over T = 8 L against the same sequence in chunks with
            the state carried through the output .npy files; every state against its definition
  decode    @vq_attention_step with L=1 (M=16): 64 tokens one at a time against one
            block-parallel call of the contract example
  windows   M neither a multiple nor a divisor of L ((8,12), (12,5)): one-shot calls through
            Inputs/vq_attention.mlir.in, and chunked step calls with every state checked
  ties      codebooks with identical rows ({0, S-1}, a triple, a pair) and mirrored rows (equal
            but for the sign of one coordinate), most keys exactly equidistant to several rows:
            the code must be the lowest index (one-shot and chunked, states checked)
  generation  prefill 32 tokens with the L=16 step module, 20 tokens one at a time with the
            L=1 step module (same M, S, K, V; the state passes between the two modules), then
            the L=16 module again from seen=52 (not a multiple of 16), for 16 and 32 tokens
  mixed     one step call whose batch rows come with different states (seen 0, 16, 32, 5, 7,
            ...; once with garbage in the window entries of negative positions), each row
            against the dense reference over its own prefix + new tokens
  all       all of the above

Metric: rel_err(x, ref) = max|x - ref| / max|ref| over all elements of a case's array (max-norm,
normwise); the absolute error max|x| when ref is all zero. Codes must be equal exactly (the
inputs are drawn so that the nearest codes of every key are clearly apart from the next ones;
the exact ties of the ties suite are exact in any precision as long as every codebook row's
distance is computed with the same operations in the same order).
Tolerances: o vs float64 reference 1e-4; chunked vs one-shot 1e-5; decode vs block-parallel 1e-4;
state: count, win_codes and seen exact, mean 1e-4, win_keys and win_values 1e-6.

Usage:
  vq_numerics.py --tvq-compile PATH --tvq-run PATH --workdir DIR [--models-dir DIR] [--seed N]
                 [--suite contract|variants|chunked|decode|all] [--target cpu|cuda-sim]
                 [--dry-run]
--dry-run writes the modules, inputs and references without running any tool. A tool path
ending in .py (fake_tvq.py, the stand-in that tests this harness) runs with this interpreter.
Exit status: 0 when every case passed, 1 when a case failed, 2 on a usage or setup error.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass

sys.dont_write_bytecode = True  # keep the source tree clean when run from lit
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import numpy as np  # noqa: E402
except ImportError:
    print("%s: error: numpy is not installed for %s (scripts/setup.sh installs it)"
          % (os.path.basename(__file__), sys.executable), file=sys.stderr)
    sys.exit(2)

import vq_reference as ref  # noqa: E402

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(SCRIPT_DIR, "Inputs", "vq_attention.mlir.in")
STEP_TEMPLATE = os.path.join(SCRIPT_DIR, "Inputs", "vq_attention_step.mlir.in")

TOL_REF = 1e-4          # o against the float64 dense reference
TOL_CHUNKED = 1e-5      # chunked o against one-shot o (same module)
TOL_DECODE = 1e-4       # token-by-token o against block-parallel o (different modules)
TOL_STATE_MEAN = 1e-4   # state mean against its definition
TOL_STATE_COPY = 1e-6   # state win_keys / win_values against the keys and values they hold
MIN_CODE_GAP = 1e-3     # (d2_second - d2_best) / (|k|^2 + |C_best|^2) of every generated key

COMPILE_TIMEOUT_S = 600
RUN_TIMEOUT_S = 300

INPUT_NAMES = ("q", "k", "v", "codebook", "u", "w", "r")
OUTPUT_NAMES = ("o", "codes")
STATE_DTYPES = {"count": np.float32, "mean": np.float32, "win_codes": np.int32,
                "win_keys": np.float32, "win_values": np.float32, "seen": np.int64}


@dataclass(frozen=True)
class Variant:
    """Static sizes of one VQ-attention module."""
    L: int  # block length
    M: int  # uncompressed window (r has M+1 rows)
    S: int  # codebook size
    K: int  # d_k
    V: int  # d_v

    def name(self):
        """A short file-name-safe label."""
        return "L%d_M%d_S%d_K%d_V%d" % (self.L, self.M, self.S, self.K, self.V)

    def state_shapes(self, batch):
        """Shapes of the six state tensors, in signature order."""
        return {"count": (batch, self.S), "mean": (batch, self.S, self.V),
                "win_codes": (batch, self.M), "win_keys": (batch, self.M, self.K),
                "win_values": (batch, self.M, self.V), "seen": (batch,)}


CONTRACT = Variant(L=16, M=16, S=64, K=32, V=48)
CONTRACT_CASES = [(1, 16), (2, 32), (3, 48), (1, 160), (2, 512)]  # (B, T)
VARIANT_CASES = [  # (variant, [(B, T), ...])
    (Variant(8, 8, 16, 16, 24), [(1, 8), (2, 96)]),
    (Variant(4, 8, 32, 8, 8), [(1, 4), (3, 64)]),
    (Variant(16, 4, 64, 32, 48), [(2, 16), (1, 128)]),
    (Variant(32, 32, 128, 16, 16), [(1, 32), (2, 256)]),
    (Variant(1, 4, 8, 8, 8), [(1, 1), (2, 40)]),
    # Sizes that are no multiple of the GPU kernels' tiles (64 queries, keys and value
    # columns, 16 key dimensions): two query tiles, three value tiles, a key chunk that
    # straddles the codes and the buffer.
    (Variant(80, 80, 100, 20, 130), [(1, 80), (2, 400)]),
]
CHUNKED_CASES = [  # (variant, chunk sizes in blocks; one call covers their sum). A chunk of 0
    #               blocks is a call with T = 0: empty o and codes, the state passed through.
    (Variant(16, 16, 64, 32, 48), [2, 0, 1, 5]),
    (Variant(8, 16, 32, 16, 24), [3, 1, 4]),
]
CHUNKED_BATCH = 2
DECODE_VARIANT = Variant(L=1, M=16, S=64, K=32, V=48)
DECODE_BATCH, DECODE_LEN = 2, 64
WINDOW_CASES = [  # M neither a multiple nor a divisor of L: (variant, one-shot (B, T) cases,
    #               step-template chunk sizes in blocks)
    (Variant(8, 12, 32, 16, 24), [(1, 8), (2, 96)], [1, 2, 3]),
    (Variant(12, 5, 32, 16, 16), [(1, 12), (2, 120)], [2, 1, 3]),
]
WINDOW_BATCH = 2
TIE_CASES = [  # (variant, one-shot (B, T), step-template chunk sizes in blocks); S >= 11
    (Variant(8, 8, 16, 16, 24), (2, 64), [2, 1, 3]),
    (Variant(16, 16, 64, 32, 48), (2, 128), [1, 2]),
]
TIE_BATCH = 2
GEN_BLOCK = Variant(L=16, M=16, S=64, K=32, V=48)  # prefill and resume
GEN_TOKEN = Variant(L=1, M=16, S=64, K=32, V=48)   # one token per call
GEN_BATCH, GEN_PREFILL, GEN_TOKENS, GEN_RESUME = 2, 32, 20, [16, 32]
MIXED_CASES = [  # (variant, seen of each batch row's incoming state, new tokens, garbage in the
    #               window entries of negative positions)
    (Variant(16, 16, 64, 32, 48), (0, 32, 7), 32, False),
    (Variant(16, 16, 64, 32, 48), (16, 0, 5), 16, True),
    (Variant(8, 12, 32, 16, 24), (0, 20, 9), 24, False),
]


class ToolError(Exception):
    """A tool failed, timed out or did not write its outputs."""


class SetupError(Exception):
    """Missing tool, model or template: the harness cannot start."""


# ---------------------------------------------------------------------------------------------
# Inputs and references.


def exact_ties(k, codebook):
    """How many codes are exactly nearest to every key (float64): shape k.shape[:-1].

    More than 1 only for constructed inputs (make_tie_inputs: identical codebook rows, or rows
    that differ only in the sign of a coordinate in which the key is exactly 0). Those ties are
    exact in any precision and summation order, so the lowest index is the only right code.
    """
    d2 = ref.squared_distances(k, codebook)
    return np.sum(d2 == np.min(d2, axis=-1, keepdims=True), axis=-1)


def code_gaps(k, codebook):
    """Relative gap between the nearest codes of every key and the next code: k.shape[:-1].

    (d2_next - d2_best) / (|k|^2 + |C_best|^2), where d2_next is the smallest distance that is
    larger than d2_best (codes exactly tied with the best, see exact_ties, are skipped): the
    denominator is the size of the terms a float32 distance |k|^2 - 2 k.C + |C|^2 is computed
    from.
    """
    d2 = ref.squared_distances(k, codebook)
    best_d2 = np.min(d2, axis=-1, keepdims=True)
    next_d2 = np.min(np.where(d2 > best_d2, d2, np.inf), axis=-1)
    best = np.argmin(d2, axis=-1)
    scale = np.sum(ref.as_f64(k) ** 2, axis=-1) + np.sum(ref.as_f64(codebook)[best] ** 2, axis=-1)
    return (next_d2 - best_d2[..., 0]) / scale


def separate_codes(k, codebook):
    """Moves keys whose nearest and next codes are within MIN_CODE_GAP halfway to the nearest.

    "The nearest" is the centroid of the codes exactly tied for nearest (just the nearest code
    when there is no exact tie), so exact ties of make_tie_inputs survive the move. Exact code
    equality with a float32 implementation is then a fair requirement.
    Returns float32 keys; raises RuntimeError if some key stays ambiguous.
    """
    k = k.astype(np.float32)
    codebook64 = ref.as_f64(codebook)
    for _ in range(30):
        close = code_gaps(k, codebook) < MIN_CODE_GAP
        if not np.any(close):
            return k
        d2 = ref.squared_distances(k[close], codebook)
        tied = (d2 == np.min(d2, axis=-1, keepdims=True)).astype(np.float64)
        centroid = (tied @ codebook64) / np.sum(tied, axis=-1, keepdims=True)
        k[close] = (0.5 * (ref.as_f64(k[close]) + centroid)).astype(np.float32)
    raise RuntimeError("could not separate the codes of the generated keys")


def make_inputs(rng, batch, seq_len, variant):
    """Random float32 inputs in signature order (q, k, v, codebook, u, w, r).

    codebook ~ N(0,1), so |C_s|^2 ~ K. q ~ N(0, (2.5/sqrt K)^2) and u, w ~ N(0, (0.5/sqrt K)^2)
    make the content score (q+u).C_s ~ N(0, ~6.5); r ~ N(0,1) gives a position term of the same
    size. Half of the keys lie near a random code (so codes repeat and the cache holds counts
    above 1), half are N(0,1); all are moved off near-ties (separate_codes).
    """
    key_dim = variant.K
    codebook = rng.normal(size=(variant.S, key_dim)).astype(np.float32)
    near = codebook[rng.integers(0, variant.S, size=(batch, seq_len))]
    near = near + 0.3 * rng.normal(size=(batch, seq_len, key_dim))
    spread = rng.normal(size=(batch, seq_len, key_dim))
    pick_near = rng.random(size=(batch, seq_len, 1)) < 0.5
    k = separate_codes(np.where(pick_near, near, spread), codebook)
    inputs = {
        "q": 2.5 / np.sqrt(key_dim) * rng.normal(size=(batch, seq_len, key_dim)),
        "k": k,
        "v": rng.normal(size=(batch, seq_len, variant.V)),
        "codebook": codebook,
        "u": 0.5 / np.sqrt(key_dim) * rng.normal(size=key_dim),
        "w": 0.5 / np.sqrt(key_dim) * rng.normal(size=key_dim),
        "r": rng.normal(size=(variant.M + 1, key_dim)),
    }
    return {name: np.ascontiguousarray(inputs[name], dtype=np.float32) for name in INPUT_NAMES}


def tie_structure(rng, variant):
    """Which codebook rows of a ties case are tied: (groups, mirrors).

    groups: tuples of row indices that are identical (always {0, S-1}, plus a triple and a pair
    at random rows); mirrors: (a, b, i), row b is row a with coordinate i negated. Needs S >= 11.
    """
    size = variant.S
    inner = 1 + rng.permutation(size - 2)  # rows 1..S-2 in random order
    groups = [(0, size - 1), tuple(sorted(inner[0:3])), tuple(sorted(inner[3:5]))]
    mirrors = [(int(inner[5]), int(inner[6]), int(rng.integers(variant.K))),
               (int(inner[7]), int(inner[8]), int(rng.integers(variant.K)))]
    return [tuple(int(i) for i in g) for g in groups], mirrors


def make_tie_inputs(rng, batch, seq_len, variant):
    """Inputs like make_inputs whose codebook has exact ties (tie_structure).

    Every key is one of: an exact copy of the highest-index row of an identical group (distance
    0 to each row of the group), a row of a group plus noise, a row of a mirrored pair plus
    noise with the mirrored coordinate exactly 0 (equidistant to both rows of the pair), or an
    ordinary key as in make_inputs. The first three kinds are exact ties: the code must be the
    lowest index of the tied rows. Returns (inputs, number of tied keys).
    """
    inputs = make_inputs(rng, batch, seq_len, variant)
    codebook = inputs["codebook"]
    groups, mirrors = tie_structure(rng, variant)
    for group in groups:
        codebook[list(group[1:])] = codebook[group[0]]
    for a, b, i in mirrors:
        codebook[a, i] = np.float32(1.5) * (1.0 if codebook[a, i] >= 0 else -1.0)
        codebook[b] = codebook[a]
        codebook[b, i] = -codebook[a, i]
    shape = (batch, seq_len)
    kind = rng.choice(4, size=shape, p=[0.2, 0.25, 0.25, 0.3])
    group_pick = rng.integers(len(groups), size=shape)
    mirror_pick = rng.integers(len(mirrors), size=shape)
    noise = 0.3 * rng.normal(size=shape + (variant.K,))
    k = ref.as_f64(inputs["k"]).copy()
    for index in np.ndindex(*shape):
        group = groups[group_pick[index]]
        a, b, i = mirrors[mirror_pick[index]]
        if kind[index] == 0:
            k[index] = codebook[max(group)]
        elif kind[index] == 1:
            k[index] = codebook[group[-1]] + noise[index]
        elif kind[index] == 2:
            k[index] = codebook[b] + noise[index]
            k[index][i] = 0.0
    # The ordinary keys were separated for the old codebook: separate all again.
    inputs["k"] = np.ascontiguousarray(separate_codes(k, codebook), dtype=np.float32)
    inputs["codebook"] = np.ascontiguousarray(codebook, dtype=np.float32)
    return inputs, int(np.sum(exact_ties(inputs["k"], codebook) > 1))


def reference(inputs):
    """Float64 reference of the float32 inputs: (o [B,T,V], codes int32 [B,T], k_hat)."""
    codes, k_hat = ref.quantize(inputs["k"], inputs["codebook"])
    o = ref.attention_dense(inputs["q"], k_hat, inputs["v"], inputs["u"], inputs["w"],
                            inputs["r"])
    return o, codes, k_hat


def input_stats(inputs):
    """How non-trivial the attention of these inputs is (queries t >= 1 only).

    mean_max_weight: mean over queries of the largest softmax weight (1 = one-hot);
    mean_entropy_ratio: mean of entropy / log(t+1) (1 = uniform);
    distinct_codes; min_code_gap (see code_gaps).
    """
    codes, k_hat = ref.quantize(inputs["k"], inputs["codebook"])
    stats = {"mean_max_weight": 1.0, "mean_entropy_ratio": 0.0,
             "distinct_codes": len(np.unique(codes)),
             "min_code_gap": float(np.min(code_gaps(inputs["k"], inputs["codebook"])))}
    weights = ref.attention_weights(inputs["q"], k_hat, inputs["u"], inputs["w"], inputs["r"])
    seq_len = weights.shape[1]
    if seq_len < 2:
        return stats
    weights = weights[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.sum(np.where(weights > 0, weights * np.log(weights), 0.0), axis=-1)
    ratio = entropy / np.log(np.arange(2, seq_len + 1))[None, :]
    stats["mean_max_weight"] = float(np.mean(np.max(weights, axis=-1)))
    stats["mean_entropy_ratio"] = float(np.mean(ratio))
    return stats


def zero_state_arrays(variant, batch):
    """The all-zero state in signature order, with the dtypes of the step function."""
    shapes = variant.state_shapes(batch)
    return {name: np.zeros(shapes[name], dtype=STATE_DTYPES[name]) for name in ref.STATE_NAMES}


def render_template(text, variant):
    """Substitutes @K@ @V@ @S@ @L@ @M@ @M1@ in a template; fails on any placeholder left."""
    values = {"M1": variant.M + 1, "K": variant.K, "V": variant.V, "S": variant.S,
              "L": variant.L, "M": variant.M}
    for key, value in values.items():
        text = text.replace("@%s@" % key, str(value))
    left = re.findall(r"@[A-Z][A-Z0-9]*@", text)
    if left:
        raise SetupError("unknown placeholders left in template: %s" % sorted(set(left)))
    return text


# ---------------------------------------------------------------------------------------------
# Running the tools and recording results.


def resolve_tool(label, path):
    """Returns the command (a list) that runs a tool, or raises SetupError naming it.

    A tool ending in .py (fake_tvq.py, the stand-in used to test this harness) is run with this
    script's own interpreter, so that it finds the same numpy.
    """
    if path.endswith(".py"):
        if not os.path.isfile(path):
            raise SetupError("%s not found: '%s'" % (label, path))
        return [sys.executable, os.path.abspath(path)]
    found = shutil.which(path)
    if found is None:
        raise SetupError("%s not found or not executable: '%s' (build the tools first)"
                         % (label, path))
    return [os.path.abspath(found)]


def run_tool(command, timeout_s, rerun_hint):
    """Runs a command; raises ToolError (with `rerun_hint` and the tool's output) on failure."""
    tool = os.path.basename(command[1] if command[0] == sys.executable else command[0])
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise ToolError("%s timed out after %d s (%s)" % (tool, timeout_s, rerun_hint))
    except OSError as error:
        raise ToolError("could not start %s: %s" % (command[0], error))
    if done.returncode != 0:
        lines = done.stdout.strip().splitlines()[-20:]
        raise ToolError("%s failed with exit status %d (%s)%s"
                        % (tool, done.returncode, rerun_hint,
                           "".join("\n    | " + line for line in lines)))


class Harness:
    """Compiles modules, runs entry points and records case results."""

    def __init__(self, args):
        self.dry_run = args.dry_run
        self.workdir = os.path.abspath(args.workdir)
        self.seed = args.seed
        self.models_dir = os.path.abspath(args.models_dir)
        self.tvq_compile = None if args.dry_run else resolve_tool("tvq-compile", args.tvq_compile)
        self.target = args.target
        self.compile_flags = list(args.compile_flag)
        self.tvq_run = None if args.dry_run else resolve_tool("tvq-run", args.tvq_run)
        self.modules = {}  # key -> (so path, error message or None)
        self.passed = 0
        self.failed = 0
        self.worst_ref_err = 0.0

    def rng_for(self, case_name):
        """A generator seeded by the run's seed and the case's name (independent of order)."""
        return np.random.default_rng([self.seed, zlib.crc32(case_name.encode())])

    def case_dir(self, *parts):
        """A directory under the workdir (created when missing)."""
        path = os.path.join(self.workdir, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def compile(self, key, mlir_path):
        """Compiles a module once per key into the workdir. Returns (so path, error or None)."""
        if key in self.modules:
            return self.modules[key]
        so_path = os.path.join(self.case_dir("modules"), key + ".so")
        error = None
        if not self.dry_run:
            try:
                command = self.tvq_compile + [mlir_path, "-o", so_path]
                if self.target != "cpu":
                    command.append("--target=" + self.target)
                command += self.compile_flags
                run_tool(command, COMPILE_TIMEOUT_S, "command: " + " ".join(command))
                if not os.path.isfile(so_path):
                    raise ToolError("tvq-compile exited 0 but wrote no %s" % so_path)
            except ToolError as e:
                error = str(e)
                print("ERROR " + error)
        self.modules[key] = (so_path, error)
        return self.modules[key]

    def compile_template(self, template_path, variant):
        """Writes a template's variant into the workdir and compiles it: (so path, error)."""
        stem = os.path.basename(template_path).replace(".mlir.in", "")
        key = "%s_%s" % (stem, variant.name())
        with open(template_path) as f:
            text = render_template(f.read(), variant)
        mlir_path = os.path.join(self.case_dir("modules"), key + ".mlir")
        with open(mlir_path, "w") as f:
            f.write(text)
        return self.compile(key, mlir_path)

    def compile_contract(self):
        """Compiles models/ops/vq_attention.mlir in place: (so path, error or None)."""
        return self.compile("contract_vq_attention",
                            os.path.join(self.models_dir, "ops", "vq_attention.mlir"))

    def call(self, so_path, function, inputs, output_names, directory):
        """Runs one entry point. `inputs`: (name, array or existing .npy path) in signature order.

        Saves the arrays under `directory`, runs `tvq-run call`, and returns the output paths
        (one per output name, in order), or None in a dry run.
        """
        input_paths = []
        for index, (name, value) in enumerate(inputs):
            if isinstance(value, str):
                input_paths.append(value)
            else:
                path = os.path.join(directory, "in%02d_%s.npy" % (index, name))
                np.save(path, np.ascontiguousarray(value))
                input_paths.append(path)
        output_paths = [os.path.join(directory, "out%02d_%s.npy" % (index, name))
                        for index, name in enumerate(output_names)]
        if self.dry_run:
            return None
        for path in output_paths:
            if os.path.exists(path):
                os.remove(path)
        command = (self.tvq_run + ["call", so_path, "--function=" + function]
                   + ["--input=@" + p for p in input_paths]
                   + ["--output=@" + p for p in output_paths])
        script = os.path.join(directory, "command.sh")
        with open(script, "w") as f:
            f.write(" ".join(command) + "\n")
        run_tool(command, RUN_TIMEOUT_S, "rerun: sh " + script)
        for path in output_paths:
            if not os.path.isfile(path):
                raise ToolError("tvq-run exited 0 but wrote no %s" % path)
        return output_paths

    def report(self, name, problems, summary):
        """Prints and counts one case: passed when `problems` is empty."""
        if problems:
            self.failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            self.passed += 1
            print("PASS %s: %s" % (name, summary))

    def note_ref_err(self, err):
        """Tracks the worst o-vs-reference error over the run."""
        if not err <= self.worst_ref_err:  # also picks up nan
            self.worst_ref_err = err


# ---------------------------------------------------------------------------------------------
# Comparisons. Each appends problem strings to `problems` and returns the measured error.


def load_output(path, name, dtype, shape, problems):
    """Loads a .npy output; checks dtype and shape. Returns the array or None."""
    try:
        array = np.load(path)
    except (OSError, ValueError) as error:
        problems.append("cannot read %s: %s" % (name, error))
        return None
    if array.dtype != np.dtype(dtype) or tuple(array.shape) != tuple(shape):
        problems.append("%s is %s%s, expected %s%s" % (name, array.dtype, list(array.shape),
                                                       np.dtype(dtype), list(shape)))
        return None
    return array


def compare_exact(label, values, expected, problems):
    """Integer-valued outputs (codes, counts, seen) must be equal exactly."""
    mismatch = np.argwhere(values != expected)
    if len(mismatch):
        first = tuple(int(i) for i in mismatch[0])
        problems.append("%s: %d of %d entries differ, first at %s: got %s expected %s"
                        % (label, len(mismatch), values.size, list(first), values[first],
                           expected[first]))


def compare_values(label, values, expected, tol, problems):
    """rel_err(values, expected) <= tol. Returns the error."""
    err = ref.rel_err(values, expected)
    if not err <= tol:
        diff = np.abs(ref.as_f64(values) - expected)
        where = tuple(int(i) for i in np.unravel_index(np.argmax(diff), expected.shape))
        problems.append("%s: rel_err %.3g > %.0e (worst at %s: got %.7g expected %.7g)"
                        % (label, err, tol, list(where), values[where], expected[where]))
    return err


def compare_state(label, state, expected, problems):
    """A state from the tool against the state's definition (real window entries only)."""
    valid = expected["valid"]
    compare_exact(label + " count", state["count"], expected["count"], problems)
    compare_values(label + " mean", state["mean"], expected["mean"], TOL_STATE_MEAN, problems)
    compare_exact(label + " win_codes", state["win_codes"][:, valid],
                  expected["win_codes"][:, valid], problems)
    compare_values(label + " win_keys", state["win_keys"][:, valid],
                   expected["win_keys"][:, valid], TOL_STATE_COPY, problems)
    compare_values(label + " win_values", state["win_values"][:, valid],
                   expected["win_values"][:, valid], TOL_STATE_COPY, problems)
    compare_exact(label + " seen", state["seen"], expected["seen"], problems)


def compare_with_reference(h, o, codes, o_ref, codes_ref, problems):
    """Codes exact and o within TOL_REF of the reference. Returns the o error."""
    compare_exact("codes", codes, codes_ref, problems)
    err = compare_values("o vs reference", o, o_ref, TOL_REF, problems)
    h.note_ref_err(err)
    return err


def load_o_codes(paths, batch, seq_len, variant, problems):
    """Loads o [B,T,V] f32 and codes [B,T] i32 from the first two output paths."""
    o = load_output(paths[0], "o", np.float32, (batch, seq_len, variant.V), problems)
    codes = load_output(paths[1], "codes", np.int32, (batch, seq_len), problems)
    return o, codes


def load_state(paths, variant, batch, problems):
    """Loads the six state outputs (paths in signature order) into a dict, or None."""
    shapes = variant.state_shapes(batch)
    state = {name: load_output(path, name, STATE_DTYPES[name], shapes[name], problems)
             for name, path in zip(ref.STATE_NAMES, paths)}
    return None if any(array is None for array in state.values()) else state


# ---------------------------------------------------------------------------------------------
# Suites.


def print_dry(name, inputs):
    """Dry run: how non-trivial the attention of a case's inputs is."""
    stats = input_stats(inputs)
    print("DRY  %s: mean max weight %.3f, mean entropy ratio %.3f, %d distinct codes, "
          "min code gap %.2g" % (name, stats["mean_max_weight"], stats["mean_entropy_ratio"],
                                 stats["distinct_codes"], stats["min_code_gap"]))


def one_shot_case(h, suite, variant, module, batch, seq_len, ties=False):
    """One call of @vq_attention on fresh inputs, compared with the reference.

    ties: the inputs come from make_tie_inputs (exact distance ties) instead of make_inputs.
    """
    so_path, compile_error = module
    name = "%s %s B=%d T=%d" % (suite, variant.name(), batch, seq_len)
    note = ""
    if ties:
        inputs, tied = make_tie_inputs(h.rng_for(name), batch, seq_len, variant)
        note = ", %d of %d keys on exact ties" % (tied, batch * seq_len)
    else:
        inputs = make_inputs(h.rng_for(name), batch, seq_len, variant)
    o_ref, codes_ref, _ = reference(inputs)
    directory = h.case_dir(suite, "%s_B%d_T%d" % (variant.name(), batch, seq_len))
    np.save(os.path.join(directory, "ref_o.npy"), o_ref)
    np.save(os.path.join(directory, "ref_codes.npy"), codes_ref)
    if compile_error:
        h.report(name, ["module did not compile"], "")
        return
    problems = []
    try:
        paths = h.call(so_path, "vq_attention", list(inputs.items()), OUTPUT_NAMES, directory)
    except ToolError as error:
        h.report(name, [str(error)], "")
        return
    if paths is None:
        print_dry(name, inputs)
        return
    o, codes = load_o_codes(paths, batch, seq_len, variant, problems)
    err = float("nan")
    if o is not None and codes is not None:
        err = compare_with_reference(h, o, codes, o_ref, codes_ref, problems)
    h.report(name, problems, "codes exact, worst_rel_err=%.3g%s" % (err, note))


def suite_contract(h):
    """The contract example for every (B,T) of CONTRACT_CASES."""
    module = h.compile_contract()
    for batch, seq_len in CONTRACT_CASES:
        one_shot_case(h, "contract", CONTRACT, module, batch, seq_len)


def suite_variants(h):
    """Template variants with their (B,T) cases."""
    for variant, cases in VARIANT_CASES:
        module = h.compile_template(TEMPLATE, variant)
        for batch, seq_len in cases:
            one_shot_case(h, "variants", variant, module, batch, seq_len)


def step_inputs(inputs, rows, state):
    """Inputs of one @vq_attention_step call: positions `rows`, then the state (arrays/paths)."""
    sliced = [(name, inputs[name][:, rows] if name in ("q", "k", "v") else inputs[name])
              for name in INPUT_NAMES]
    return sliced + [(name, state[name]) for name in ref.STATE_NAMES]


def run_steps(h, calls, inputs, start, state, label, expected_state, problems):
    """Runs @vq_attention_step over consecutive chunks of `inputs`, from position `start`.

    calls: [(so path, variant, chunk length)], one per call; the modules may differ (block
    length) but share M, S, K and V. `state` is the incoming state (arrays or .npy paths, by
    name). The state of each call goes to the next through its output .npy files, and is
    compared with `expected_state(position)`. Returns (o, codes, final state paths), o and codes
    concatenated over the calls, or None (dry run, or an output could not be read: then
    `problems` says why). Raises ToolError.
    """
    batch = inputs["q"].shape[0]
    names = OUTPUT_NAMES + ref.STATE_NAMES
    position, o_parts, code_parts, state_errors = start, [], [], []
    for index, (so_path, variant, chunk_len) in enumerate(calls):
        rows = slice(position, position + chunk_len)
        directory = h.case_dir(label, "call%03d" % index)
        paths = h.call(so_path, "vq_attention_step", step_inputs(inputs, rows, state), names,
                       directory)
        if paths is None:
            return None
        o, codes = load_o_codes(paths, batch, chunk_len, variant, problems)
        new_state = load_state(paths[2:], variant, batch, problems)
        if o is None or codes is None or new_state is None:
            return None
        position = rows.stop
        compare_state("state after %d (call %d, L=%d)" % (position, index, variant.L),
                      new_state, expected_state(position), state_errors)
        o_parts.append(o)
        code_parts.append(codes)
        state = dict(zip(ref.STATE_NAMES, paths[2:]))
    if state_errors:
        problems.append("%d state mismatches, first: %s" % (len(state_errors), state_errors[0]))
    return np.concatenate(o_parts, axis=1), np.concatenate(code_parts, axis=1), state


def steps_case(h, name, calls, inputs, label, other=None, start=0, state=None):
    """A run_steps case: against the reference and, when given, another run's (o, codes).

    calls: [(module, variant, chunk length)], module = (so path, compile error). The calls cover
    positions start.. of `inputs`, from `state` (default: the zero state, start must be 0); o
    and codes are compared with the reference of the whole sequence at those positions.
    `other` is (description, (o, codes, ...), tolerance). Returns (o, codes, final state paths)
    or None.
    """
    if any(module[1] for module, _, _ in calls):
        h.report(name, ["module did not compile"], "")
        return None
    variant = calls[0][1]
    batch = inputs["q"].shape[0]
    if state is None:
        state = zero_state_arrays(variant, batch)
    o_all, codes_all, k_hat = reference(inputs)
    end = start + sum(chunk_len for _, _, chunk_len in calls)
    o_ref, codes_ref = o_all[:, start:end], codes_all[:, start:end]

    def expected_state(position):
        return ref.state_from_definition(codes_all, k_hat, inputs["v"], position, variant.M,
                                         variant.S)

    problems = []
    try:
        result = run_steps(h, [(module[0], v, n) for module, v, n in calls], inputs, start,
                           state, label, expected_state, problems)
    except ToolError as error:
        h.report(name, [str(error)], "")
        return None
    if result is None:
        if h.dry_run:
            print_dry(name, inputs)
        else:
            h.report(name, problems, "")
        return None
    err = compare_with_reference(h, result[0], result[1], o_ref, codes_ref, problems)
    summary = "codes exact, states match, worst_rel_err=%.3g" % err
    if other is not None:
        description, other_result, tol = other
        if other_result is None:
            problems.append("no %s outputs to compare with" % description)
        else:
            compare_exact("codes vs " + description, result[1], other_result[1], problems)
            same = compare_values("o vs " + description, result[0], other_result[0], tol,
                                  problems)
            summary += ", rel_err vs %s=%.3g" % (description, same)
    h.report(name, problems, summary)
    return result


def suite_chunked(h):
    """One @vq_attention_step call over T = sum of chunks, then the same sequence in chunks."""
    for variant, chunk_blocks in CHUNKED_CASES:
        module = h.compile_template(STEP_TEMPLATE, variant)
        seq_len = variant.L * sum(chunk_blocks)
        chunk_lens = [variant.L * n for n in chunk_blocks]
        base = "chunked %s B=%d T=%d" % (variant.name(), CHUNKED_BATCH, seq_len)
        inputs = make_inputs(h.rng_for(base), CHUNKED_BATCH, seq_len, variant)
        directory = os.path.join("chunked", variant.name())
        one_call = steps_case(h, base + " one call", [(module, variant, seq_len)], inputs,
                              os.path.join(directory, "one_call"))
        steps_case(h, base + " chunks=%s" % chunk_lens,
                   [(module, variant, n) for n in chunk_lens], inputs,
                   os.path.join(directory, "chunks"), ("one call", one_call, TOL_CHUNKED))


def block_parallel_case(h, name, inputs):
    """The contract example over the whole sequence. Returns (o, codes) or None."""
    so_path, compile_error = h.compile_contract()
    if compile_error:
        h.report(name, ["contract module did not compile"], "")
        return None
    batch, seq_len, _ = inputs["q"].shape
    o_ref, codes_ref, _ = reference(inputs)
    problems = []
    try:
        paths = h.call(so_path, "vq_attention", list(inputs.items()), OUTPUT_NAMES,
                       h.case_dir("decode", "block_parallel"))
    except ToolError as error:
        h.report(name, [str(error)], "")
        return None
    if paths is None:
        return None
    o, codes = load_o_codes(paths, batch, seq_len, CONTRACT, problems)
    if o is None or codes is None:
        h.report(name, problems, "")
        return None
    err = compare_with_reference(h, o, codes, o_ref, codes_ref, problems)
    h.report(name, problems, "codes exact, worst_rel_err=%.3g" % err)
    return o, codes


def suite_decode(h):
    """Token by token (L=1, M=16) against one block-parallel call of the contract example."""
    variant = DECODE_VARIANT
    module = h.compile_template(STEP_TEMPLATE, variant)
    base = "decode %s B=%d T=%d" % (variant.name(), DECODE_BATCH, DECODE_LEN)
    inputs = make_inputs(h.rng_for(base), DECODE_BATCH, DECODE_LEN, CONTRACT)
    parallel = block_parallel_case(h, base + " block-parallel contract call", inputs)
    steps_case(h, base + " one token per call", [(module, variant, 1)] * DECODE_LEN, inputs,
               os.path.join("decode", "steps"), ("block-parallel", parallel, TOL_DECODE))


def suite_windows(h):
    """M neither a multiple nor a divisor of L: one-shot calls, then chunked step calls."""
    for variant, cases, chunk_blocks in WINDOW_CASES:
        module = h.compile_template(TEMPLATE, variant)
        for batch, seq_len in cases:
            one_shot_case(h, "windows", variant, module, batch, seq_len)
        step = h.compile_template(STEP_TEMPLATE, variant)
        chunk_lens = [variant.L * n for n in chunk_blocks]
        name = "windows %s B=%d T=%d step chunks=%s" % (variant.name(), WINDOW_BATCH,
                                                       sum(chunk_lens), chunk_lens)
        inputs = make_inputs(h.rng_for(name), WINDOW_BATCH, sum(chunk_lens), variant)
        steps_case(h, name, [(step, variant, n) for n in chunk_lens], inputs,
                   os.path.join("windows", variant.name() + "_steps"))


def suite_ties(h):
    """Codebooks with identical and mirrored rows, keys on exact ties: lowest index wins."""
    for variant, (batch, seq_len), chunk_blocks in TIE_CASES:
        module = h.compile_template(TEMPLATE, variant)
        one_shot_case(h, "ties", variant, module, batch, seq_len, ties=True)
        step = h.compile_template(STEP_TEMPLATE, variant)
        chunk_lens = [variant.L * n for n in chunk_blocks]
        name = "ties %s B=%d T=%d step chunks=%s" % (variant.name(), TIE_BATCH, sum(chunk_lens),
                                                    chunk_lens)
        inputs, tied = make_tie_inputs(h.rng_for(name), TIE_BATCH, sum(chunk_lens), variant)
        steps_case(h, name + ", %d keys on exact ties" % tied,
                   [(step, variant, n) for n in chunk_lens], inputs,
                   os.path.join("ties", variant.name() + "_steps"))


def suite_generation(h):
    """Prefill with the L=16 step module, decode with the L=1 one, then L=16 again.

    The state passes between two differently compiled modules, and the L=16 module gets states
    whose `seen` is not a multiple of 16.
    """
    block = h.compile_template(STEP_TEMPLATE, GEN_BLOCK)
    token = h.compile_template(STEP_TEMPLATE, GEN_TOKEN)
    resumed_at = GEN_PREFILL + GEN_TOKENS
    total = resumed_at + sum(GEN_RESUME)
    base = "generation M=%d S=%d K=%d V=%d B=%d T=%d" % (GEN_BLOCK.M, GEN_BLOCK.S, GEN_BLOCK.K,
                                                        GEN_BLOCK.V, GEN_BATCH, total)
    inputs = make_inputs(h.rng_for(base), GEN_BATCH, total, GEN_BLOCK)
    first = steps_case(h, base + " prefill %d (L=%d), then %d tokens (L=1)"
                       % (GEN_PREFILL, GEN_BLOCK.L, GEN_TOKENS),
                       [(block, GEN_BLOCK, GEN_PREFILL)] + [(token, GEN_TOKEN, 1)] * GEN_TOKENS,
                       inputs, os.path.join("generation", "prefill_decode"))
    name = base + " then L=%d again from seen=%d, chunks %s" % (GEN_BLOCK.L, resumed_at,
                                                                GEN_RESUME)
    if first is not None:
        state = first[2]
    elif h.dry_run:
        codes, k_hat = ref.quantize(inputs["k"], inputs["codebook"])
        state = definition_state_arrays([ref.state_from_definition(
            codes, k_hat, inputs["v"], resumed_at, GEN_BLOCK.M, GEN_BLOCK.S)])
    else:
        h.report(name, ["no state from the prefill and decode calls"], "")
        return
    steps_case(h, name, [(block, GEN_BLOCK, n) for n in GEN_RESUME], inputs,
               os.path.join("generation", "resume"), start=resumed_at, state=state)


def definition_state_arrays(states):
    """Stacks states of state_from_definition along the batch, with the step function's dtypes."""
    return {name: np.ascontiguousarray(np.concatenate([state[name] for state in states]),
                                       dtype=STATE_DTYPES[name]) for name in ref.STATE_NAMES}


def garbage_in_unused_entries(rng, state, variant):
    """Window entries at negative positions (state["valid"] false) get garbage, in place.

    Codes in range, keys and values ~1e3: the entries must be ignored (docs/design.md, section
    1); any weight on them would show in o.
    """
    unused = ~state["valid"]
    count = int(np.sum(unused))
    batch = state["win_codes"].shape[0]
    state["win_codes"][:, unused] = rng.integers(0, variant.S, size=(batch, count))
    state["win_keys"][:, unused] = 1e3 * rng.normal(size=(batch, count, variant.K))
    state["win_values"][:, unused] = 1e3 * rng.normal(size=(batch, count, variant.V))


def mixed_case(h, variant, module, prefixes, new_len, garbage):
    """One step call whose batch rows come with different states (row b has seen prefixes[b]).

    Each row's sequence is its prefix followed by the new tokens; the incoming state of row b is
    state_from_definition after its prefix. Row b's o and codes are compared with the dense
    reference over its whole sequence, at the new positions; its outgoing state with the
    definition after prefix + new_len positions.
    """
    so_path, compile_error = module
    batch = len(prefixes)
    name = "mixed %s B=%d seen=%s, %d new tokens%s" % (
        variant.name(), batch, list(prefixes), new_len,
        ", garbage in unused window entries" if garbage else "")
    rng = h.rng_for(name)
    inputs = make_inputs(rng, batch, max(prefixes) + new_len, variant)
    call_inputs = {name_: inputs[name_] for name_ in ("codebook", "u", "w", "r")}
    new_tokens = {"q": [], "k": [], "v": []}
    states_in, expected = [], []
    for b, prefix in enumerate(prefixes):
        row = dict(call_inputs)
        for key in new_tokens:
            row[key] = inputs[key][b:b + 1, :prefix + new_len]
            new_tokens[key].append(row[key][:, prefix:])
        o_all, codes_all, k_hat = reference(row)
        state = ref.state_from_definition(codes_all, k_hat, row["v"], prefix, variant.M,
                                          variant.S)
        if garbage:
            garbage_in_unused_entries(rng, state, variant)
        states_in.append(state)
        expected.append((prefix, o_all[:, prefix:], codes_all[:, prefix:],
                         ref.state_from_definition(codes_all, k_hat, row["v"], prefix + new_len,
                                                   variant.M, variant.S)))
    for key, parts in new_tokens.items():
        call_inputs[key] = np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
    if compile_error:
        h.report(name, ["module did not compile"], "")
        return
    directory = h.case_dir("mixed", "%s_seen%s_garbage%d" % (
        variant.name(), "_".join(str(p) for p in prefixes), int(garbage)))
    try:
        paths = h.call(so_path, "vq_attention_step",
                       step_inputs(call_inputs, slice(0, new_len),
                                   definition_state_arrays(states_in)),
                       OUTPUT_NAMES + ref.STATE_NAMES, directory)
    except ToolError as error:
        h.report(name, [str(error)], "")
        return
    if paths is None:
        print_dry(name, call_inputs)
        return
    problems = []
    o, codes = load_o_codes(paths, batch, new_len, variant, problems)
    state = load_state(paths[2:], variant, batch, problems)
    if o is None or codes is None or state is None:
        h.report(name, problems, "")
        return
    errors = []
    for b, (prefix, o_ref, codes_ref, state_ref) in enumerate(expected):
        label = "row %d (seen %d)" % (b, prefix)
        compare_exact(label + " codes", codes[b:b + 1], codes_ref, problems)
        err = compare_values(label + " o vs reference", o[b:b + 1], o_ref, TOL_REF, problems)
        h.note_ref_err(err)
        errors.append(err)
        compare_state("%s state after %d" % (label, prefix + new_len),
                      {key: value[b:b + 1] for key, value in state.items()}, state_ref, problems)
    h.report(name, problems, "codes exact, states match, rel_err per row %s"
             % ", ".join("%.3g" % e for e in errors))


def suite_mixed(h):
    """Batch rows with different `seen` in one step call."""
    for variant, prefixes, new_len, garbage in MIXED_CASES:
        module = h.compile_template(STEP_TEMPLATE, variant)
        mixed_case(h, variant, module, prefixes, new_len, garbage)


SUITES = {"contract": suite_contract, "variants": suite_variants, "chunked": suite_chunked,
          "decode": suite_decode, "windows": suite_windows, "ties": suite_ties,
          "generation": suite_generation, "mixed": suite_mixed}


def parse_args(argv):
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tvq-compile", default="tvq-compile", help="path of tvq-compile")
    parser.add_argument("--tvq-run", default="tvq-run", help="path of tvq-run")
    parser.add_argument("--models-dir", default=os.path.join(SCRIPT_DIR, "..", "..", "models"),
                        help="the repository's models/ directory")
    parser.add_argument("--workdir", required=True, help="where modules, inputs, outputs go")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--target", default="cpu", choices=["cpu", "cuda-sim"],
                        help="tvq-compile's target (cuda-sim: the CUDA pipeline's kernels, "
                             "its parallel attention blocks included, run as CPU loops)")
    parser.add_argument("--o-tol", type=float, default=None,
                        help="the tolerance of every comparison of o (against the reference, "
                             "chunked and decoded), for reduced-precision math such as "
                             "--cuda-matmul=bf16 (default: 1e-4, 1e-5 and 1e-4)")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="an extra tvq-compile flag (repeatable), e.g. --cuda-attention=fused")
    parser.add_argument("--suite", default="all", choices=sorted(SUITES) + ["all"])
    parser.add_argument("--dry-run", action="store_true",
                        help="write modules, inputs and references; run no tool")
    return parser.parse_args(argv)


def main(argv):
    """Runs the chosen suites. Exit status 0 all passed, 1 a case failed, 2 setup error."""
    args = parse_args(argv)
    if args.o_tol is not None:
        global TOL_REF, TOL_CHUNKED, TOL_DECODE
        TOL_REF = TOL_CHUNKED = TOL_DECODE = args.o_tol
    try:
        for path in (TEMPLATE, STEP_TEMPLATE,
                     os.path.join(args.models_dir, "ops", "vq_attention.mlir")):
            if not os.path.isfile(path):
                raise SetupError("missing input file: %s" % path)
        h = Harness(args)
    except SetupError as error:
        print("vq_numerics: error: %s" % error, file=sys.stderr)
        return 2
    os.makedirs(h.workdir, exist_ok=True)
    names = list(SUITES) if args.suite == "all" else [args.suite]
    print("vq_numerics: seed=%d suites=%s workdir=%s%s"
          % (args.seed, ",".join(names), h.workdir, " (dry run)" if h.dry_run else ""))
    for name in names:
        SUITES[name](h)
    if h.dry_run:
        print("vq_numerics: dry run: modules, inputs and references written to %s" % h.workdir)
        return 0
    print("vq_numerics: %d cases passed, %d failed, worst relative error %.3g (o vs float64 "
          "reference, tolerance %.0e)" % (h.passed, h.failed, h.worst_ref_err, TOL_REF))
    return 0 if h.failed == 0 and h.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
