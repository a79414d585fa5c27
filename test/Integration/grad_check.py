#!/usr/bin/env python3
"""Gradient rules of tvq-derive-gradients against central finite differences in float64.

For every gradient rule (tvq.embedding, tvq.rms_norm, tvq.scale_shift, tvq.scale, tvq.silu,
tvq.dense plain / with bias / transpose_weight, tvq.split with an unused part, tvq.cross_entropy,
tvq.mean, arith.addf / subf / mulf, tvq.vq_quantize, tvq.dropout with the mask of
dropout_reference.py) a small function in Inputs/grad_*.mlir has a
scalar loss that exercises it, usually through a random projection mean(y * c) with c an input,
so that the gradient arriving at the op is not trivial. Each file is compiled with tvq-compile,
its gradient entry @f_grad (derived by the compiler from `tvq.gradient = "f_grad"`) is called
through tvq-run on fresh random float32 inputs, and every returned gradient d.<name> is compared
with central finite differences of an independent float64 numpy implementation of the same
function (written here from the ops' definitions, not from the compiler), evaluated at the same
(float32) point.

tvq.vq_quantize is straight-through: its true forward is piecewise constant in the keys, so
finite differences of it are zero almost everywhere. The reference gradient
  d keys = d quantized + 2 (keys - C[z]) d err2,   no gradient to the codebook
is the derivative of a surrogate forward that freezes, at the base point, the codes z and the
offset delta = C[z] - keys:  quantized = keys + delta,  err2 = |keys - C[z]|^2 with z frozen.
That surrogate is what is differentiated numerically for those cases (it equals the true forward
at the base point, which is checked). Inputs whose nearest code is close to a tie are redrawn.

Checks per case:
  - the gradient entry returns exactly the expected d.<name> (in argument order): every f32
    argument except those that get no gradient (the codebook and its statistics);
  - its first result (the loss) against the float64 forward: relative error <= 1e-5;
  - per gradient tensor: max|g - fd| / max|fd| <= TOL = 1e-4, and g exactly 0 where the
    function does not depend on the input at all (embedding rows of ids that do not occur, the
    unused middle part of a split).

Finite-difference step h = 1e-5 (absolute; inputs are O(1)): the truncation error of the float64
central difference is O(h^2 f''') ~ 1e-10 and the rounding error O(eps64 |f| / h) ~ 1e-11, both
about 1e-8 relative to the gradients here, so fd is exact to far better than the tolerance. The
tolerance is for the compiled float32 arithmetic: each gradient element is a short chain of f32
operations with reductions over at most a few dozen terms, i.e. relative errors of order 1e-6
(observed: at most a few 1e-7); 1e-4 leaves a wide margin for that, while any wrong rule (a
missing term, a wrong factor or transposition, a gradient to the wrong element) shows as an O(1)
relative error.

Prints one PASS/FAIL line per case and 'grad_check: N cases passed, M failed'. Exit status 1 on
any failure.
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dropout_reference  # noqa: E402

TOL = 1e-4
TOL_LOSS = 1e-5
FD_STEP = 1e-5
MIN_MARGIN = 1e-2  # smallest gap between the two nearest squared code distances accepted
TOOL_TIMEOUT_S = 120
INPUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")


# --- float64 reference building blocks (from the op definitions in TVQOps.td) -------------------

def rms_norm(x, eps=1e-6):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def silu(x):
    return x / (1.0 + np.exp(-x))


def cross_entropy(logits, targets):
    m = logits.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.sum(np.exp(logits - m), axis=-1))
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    return np.mean(lse - picked)


def nearest_codes(k, C):
    """Codes (lowest index on ties) and the gap between the two nearest squared distances."""
    d2 = ((k[..., None, :] - C) ** 2).sum(-1)
    z = d2.argmin(-1)
    srt = np.sort(d2, axis=-1)
    return z, srt[..., 1] - srt[..., 0]


def codebook_from_stats(c_sum, c_count):
    return c_sum / np.maximum(c_count, 0.01)[:, None]


class FrozenVQ:
    """Straight-through surrogate of tvq.vq_quantize around a base point: codes z and the offset
    delta = C[z] - k frozen, so quantized = k + delta (derivative 1) and err2 = |k - C[z]|^2
    (derivative 2 (k - C[z])); the codebook enters only through constants."""

    def __init__(self, k0, C):
        self.z, self.margin = nearest_codes(k0, C)
        self.Cz = C[self.z]
        self.delta = self.Cz - k0

    def __call__(self, k):
        return k + self.delta, ((k - self.Cz) ** 2).sum(-1)


# --- the cases ---------------------------------------------------------------------------------
# Each case: file, inputs (name, kind, shape) in signature order with kind one of
#   "n" N(0, 1), "n2" N(0, 2^2), "small" N(0, 0.3^2), "gain" 1 + N(0, 0.1^2),
#   ("ids", n) integers in [0, n), "count" codebook counts (one entry 0);
# forward(v, base) -> float64 loss, where v maps names to float64 arrays (ints as ints) and base
# holds whatever the surrogate freezes (from prepare(v0), default none);
# no_grad: f32 arguments that must not get a gradient.

def fwd_embedding(v, _):
    return np.mean(v["table"][v["ids"]] * v["c"])


def fwd_rms_norm(v, _):
    return np.mean(rms_norm(v["x"]) * v["c"])


def fwd_rms_norm_eps(v, _):
    return np.mean(rms_norm(v["x"], 0.25) * v["c"])


def fwd_scale_shift(v, _):
    y = v["x"] * v["gain"] + v["bias"]
    return np.mean(y * y * v["c"])


def fwd_scale(v, _):
    return -2.5 * np.mean(0.37 * v["x"] * v["c"])


def fwd_silu(v, _):
    return np.mean(silu(v["x"]) * v["c"])


def fwd_dense(v, _):
    return np.mean((v["x"] @ v["w"]) * v["c"])


def fwd_dense_bias(v, _):
    return np.mean((v["x"] @ v["w"] + v["b"]) * v["c"])


def fwd_dense_transposed(v, _):
    return np.mean((v["x"] @ v["w"].T) * v["c"])


def fwd_dense_transposed_bias(v, _):
    return np.mean((v["x"] @ v["w"].T + v["b"]) * v["c"])


def fwd_split(v, _):
    x = v["x"]
    a, c = x[..., 0:3], x[..., 6:10]
    return np.mean(a * v["ca"]) + np.mean(c * c * v["cc"])


def fwd_cross_entropy(v, _):
    return 1.7 * cross_entropy(v["logits"], v["targets"])


def fwd_mean(v, _):
    return np.mean(v["x"]) * np.mean(v["y"])


def fwd_addf(v, _):
    return np.mean((v["a"] + v["b"]) * v["c"])


def fwd_subf(v, _):
    return np.mean((v["a"] - v["b"]) * v["c"])


def fwd_dropout(v, _):
    y = dropout_reference.dropout(v["x"], v["seed"], 3, 3, 0.4)
    z = dropout_reference.dropout(y, v["seed"], 4, 1, 0.5)
    return np.mean(z * v["c"])


def dropout_zeros(v):
    keep = (dropout_reference.keep_mask(v["x"].shape, v["seed"], 3, 3, 0.4)
            & dropout_reference.keep_mask(v["x"].shape, v["seed"], 4, 1, 0.5))
    return {"x": ~keep}


def fwd_mulf(v, _):
    a = v["a"]
    return np.mean((a * a * v["b"] - a) * v["c"])


def fwd_chain(v, _):
    z = rms_norm(silu(v["x"])) @ v["w"] + v["b"]
    return np.mean(z * z)


def prep_vq(v):
    return FrozenVQ(v["k"], v["codebook"])


def fwd_vq(v, frozen):
    k_hat, err2 = frozen(v["k"])
    return np.mean(k_hat * v["c1"]) + np.mean(err2 * v["c2"])


def vq_stats_keys(x):
    return rms_norm(x) * 7.071068e-01


def prep_vq_stats(v):
    return FrozenVQ(vq_stats_keys(v["x"]), codebook_from_stats(v["c_sum"], v["c_count"]))


def fwd_vq_stats(v, frozen):
    k_hat, err2 = frozen(vq_stats_keys(v["x"]))
    return np.mean(k_hat * v["c1"]) + np.mean(err2 * v["c2"])


B, T = 2, 3
CASES = [
    dict(name="embedding", file="grad_embedding.mlir", forward=fwd_embedding,
         zeros=lambda v: {"table": np.broadcast_to(
             ~np.isin(np.arange(7), v["ids"])[:, None], (7, 4))},
         inputs=[("ids", ("ids", 7), (B, T)), ("table", "n", (7, 4)), ("c", "n", (B, T, 4))]),
    dict(name="rms_norm", file="grad_rms_norm.mlir", forward=fwd_rms_norm,
         inputs=[("x", "n2", (B, T, 8)), ("c", "n", (B, T, 8))]),
    dict(name="rms_norm epsilon=0.25", file="grad_rms_norm_eps.mlir", forward=fwd_rms_norm_eps,
         inputs=[("x", "small", (5, 6)), ("c", "n", (5, 6))]),
    dict(name="scale_shift", file="grad_scale_shift.mlir", forward=fwd_scale_shift,
         inputs=[("x", "n", (B, T, 6)), ("gain", "gain", (6,)), ("bias", "n", (6,)),
                 ("c", "n", (B, T, 6))]),
    dict(name="scale", file="grad_scale.mlir", forward=fwd_scale,
         inputs=[("x", "n", (4, 5)), ("c", "n", (4, 5))]),
    dict(name="silu", file="grad_silu.mlir", forward=fwd_silu,
         inputs=[("x", "n2", (B, T, 5)), ("c", "n", (B, T, 5))]),
    dict(name="dense", file="grad_dense.mlir", forward=fwd_dense,
         inputs=[("x", "n", (B, T, 6)), ("w", "n", (6, 4)), ("c", "n", (B, T, 4))]),
    dict(name="dense bias", file="grad_dense_bias.mlir", forward=fwd_dense_bias,
         inputs=[("x", "n", (5, 6)), ("w", "n", (6, 4)), ("b", "n", (4,)), ("c", "n", (5, 4))]),
    dict(name="dense transpose_weight", file="grad_dense_transposed.mlir",
         forward=fwd_dense_transposed,
         inputs=[("x", "n", (B, T, 6)), ("w", "n", (4, 6)), ("c", "n", (B, T, 4))]),
    dict(name="dense bias transpose_weight", file="grad_dense_transposed_bias.mlir",
         forward=fwd_dense_transposed_bias,
         inputs=[("x", "n", (5, 6)), ("w", "n", (4, 6)), ("b", "n", (4,)), ("c", "n", (5, 4))]),
    dict(name="split (middle part unused)", file="grad_split.mlir", forward=fwd_split,
         zeros=lambda v: {"x": np.broadcast_to(np.arange(10) // 3 == 1, (B, T, 10))},
         inputs=[("x", "n", (B, T, 10)), ("ca", "n", (B, T, 3)), ("cc", "n", (B, T, 4))]),
    dict(name="cross_entropy", file="grad_cross_entropy.mlir", forward=fwd_cross_entropy,
         inputs=[("logits", "n2", (B, T, 7)), ("targets", ("ids", 7), (B, T))]),
    dict(name="mean", file="grad_mean.mlir", forward=fwd_mean,
         inputs=[("x", "n", (B, T, 3)), ("y", "n", (4,))]),
    dict(name="arith.addf", file="grad_addf.mlir", forward=fwd_addf,
         inputs=[("a", "n", (4, 6)), ("b", "n", (4, 6)), ("c", "n", (4, 6))]),
    dict(name="arith.subf", file="grad_subf.mlir", forward=fwd_subf,
         inputs=[("a", "n", (4, 6)), ("b", "n", (4, 6)), ("c", "n", (4, 6))]),
    dict(name="arith.mulf (squares, fan-out)", file="grad_mulf.mlir", forward=fwd_mulf,
         inputs=[("a", "n", (B, T, 3)), ("b", "n", (B, T, 3)), ("c", "n", (B, T, 3))]),
    dict(name="vq_quantize (straight-through)", file="grad_vq_quantize.mlir", forward=fwd_vq,
         prepare=prep_vq, no_grad=["codebook"],
         inputs=[("k", "n", (B, T, 4)), ("codebook", "n", (5, 4)), ("c1", "n", (B, T, 4)),
                 ("c2", "n", (B, T))]),
    dict(name="vq_quantize on tvq.codebook stats", file="grad_vq_quantize_stats.mlir",
         forward=fwd_vq_stats, prepare=prep_vq_stats, no_grad=["c_sum", "c_count"],
         inputs=[("x", "n", (B, T, 4)), ("c_sum", "n", (5, 4)), ("c_count", "count", (5,)),
                 ("c1", "n", (B, T, 4)), ("c2", "n", (B, T))]),
    dict(name="dropout (elementwise, then per row)", file="grad_dropout.mlir",
         forward=fwd_dropout, zeros=dropout_zeros,
         inputs=[("x", "n", (4, T, 6)), ("seed", "seed", ()), ("c", "n", (4, T, 6))]),
    dict(name="chain silu/rms_norm/dense/mulf/mean", file="grad_chain.mlir", forward=fwd_chain,
         inputs=[("x", "n", (5, 8)), ("w", "n", (8, 4)), ("b", "n", (4,))]),
]


def draw(kind, shape, rng):
    if isinstance(kind, tuple) and kind[0] == "ids":
        return rng.integers(0, kind[1], size=shape).astype(np.int32)
    if kind == "seed":
        return np.array(rng.integers(0, 2**63 - 1), dtype=np.int64)
    if kind == "count":
        count = rng.uniform(0.5, 2.0, size=shape)
        count[rng.integers(0, shape[0])] = 0.0  # the max(count, 0.01) floor decides that code
        return count.astype(np.float32)
    scale = {"n": 1.0, "n2": 2.0, "small": 0.3, "gain": 0.1}[kind]
    x = scale * rng.normal(size=shape)
    if kind == "gain":
        x += 1.0
    return x.astype(np.float32)


def draw_inputs(case, rng, tries=50):
    """Random float32/int32 inputs; for quantization cases, redrawn until no key is near a tie
    and at least two codes are used. Returns (inputs, frozen surrogate state or None)."""
    for _ in range(tries):
        vals = {n: draw(k, s, rng) for n, k, s in case["inputs"]}
        if case["name"].startswith("vq_quantize on"):
            # Codebook sums from keys the function will see (plus noise), so codes vary.
            C = vq_stats_keys(vals["x"].astype(np.float64)).reshape(-1, 4)[:5]
            C = C + 0.3 * rng.normal(size=C.shape)
            vals["c_sum"] = (C * np.maximum(vals["c_count"], 0.01)[:, None]).astype(np.float32)
        base = {n: v.astype(np.float64) if v.dtype == np.float32 else v for n, v in vals.items()}
        prepare = case.get("prepare")
        frozen = prepare(base) if prepare else None
        if frozen is None or (frozen.margin.min() >= MIN_MARGIN
                              and len(np.unique(frozen.z)) >= 2):
            return vals, frozen
    raise RuntimeError("no inputs without a near-tie in %d tries" % tries)


def central_fd(forward, base, frozen, name):
    x0 = base[name]
    g = np.zeros_like(x0)
    for idx in np.ndindex(*x0.shape):
        vals = dict(base)
        xp = x0.copy()
        xp[idx] += FD_STEP
        vals[name] = xp
        fp = forward(vals, frozen)
        xm = x0.copy()
        xm[idx] -= FD_STEP
        vals[name] = xm
        fm = forward(vals, frozen)
        g[idx] = (fp - fm) / (2 * FD_STEP)
    return g


def run_tool(command):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TOOL_TIMEOUT_S)
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (done.returncode, " ".join(command), out.strip()))
    return out


def result_names(info, function):
    for line in info.splitlines():
        m = re.match(r"\s*entry (\w+)\((.*)\) -> \((.*)\)\s*$", line)
        if m and m.group(1) == function:
            return re.findall(r"([\w.]+): \w+\[[^\]]*\]", m.group(3))
    return None


def check_case(case, args, rng):
    name = case["name"]
    stem = os.path.splitext(case["file"])[0]
    so = os.path.join(args.workdir, stem + ".so")
    run_tool([args.tvq_compile, os.path.join(INPUTS, case["file"]), "-o", so,
              "--target=" + args.target])
    outs = result_names(run_tool([args.tvq_run, "info", so]), "f_grad")
    if outs is None:
        return False, "no entry point f_grad"
    vals, frozen = draw_inputs(case, rng)
    no_grad = set(case.get("no_grad", []))
    f32_args = [n for n, v in vals.items() if v.dtype == np.float32]
    expected = ["result0"] + ["d." + n for n in f32_args if n not in no_grad]
    if outs != expected:
        return False, "f_grad returns %s, expected %s" % (outs, expected)
    in_paths = []
    for n, _, _ in case["inputs"]:
        in_paths.append(os.path.join(args.workdir, "%s_in_%s.npy" % (stem, n)))
        np.save(in_paths[-1], vals[n])
    out_paths = [os.path.join(args.workdir, "%s_out_%s.npy" % (stem, o)) for o in outs]
    run_tool([args.tvq_run, "call", so, "--function=f_grad"]
             + ["--input=@" + p for p in in_paths] + ["--output=@" + p for p in out_paths])
    got = dict(zip(outs, (np.load(p) for p in out_paths)))

    base = {n: v.astype(np.float64) if v.dtype == np.float32 else v for n, v in vals.items()}
    problems, parts = [], []
    loss_ref = case["forward"](base, frozen)
    loss_err = abs(float(got["result0"]) - loss_ref) / max(abs(loss_ref), 1e-30)
    if not loss_err <= TOL_LOSS:
        problems.append("loss %.9g vs reference %.9g (rel err %.2e > %g)"
                        % (float(got["result0"]), loss_ref, loss_err, TOL_LOSS))
    worst = 0.0
    for n in f32_args:
        if n in no_grad:
            continue
        g = got["d." + n].astype(np.float64)
        if g.shape != base[n].shape:
            problems.append("d.%s has shape %s, expected %s" % (n, g.shape, base[n].shape))
            continue
        fd = central_fd(case["forward"], base, frozen, n)
        scale = float(np.max(np.abs(fd)))
        err = float(np.max(np.abs(g - fd))) / max(scale, 1e-30)
        worst = max(worst, err)
        structural = case.get("zeros", lambda v: {})(vals).get(n)
        parts.append("d.%s %.1e" % (n, err))
        if not np.all(np.isfinite(g)):
            problems.append("d.%s not finite" % n)
        elif not err <= TOL:
            at = np.unravel_index(np.argmax(np.abs(g - fd)), g.shape)
            problems.append("d.%s: max|g - fd| / max|fd| = %.3e > %g (worst at %s: g %.9g, fd "
                            "%.9g; max|fd| %.3e)" % (n, err, TOL, at, g[at], fd[at], scale))
        if structural is not None:
            if np.any(fd[structural] != 0.0):
                problems.append("reference: fd of d.%s not 0 where expected" % n)
            if np.any(g[structural] != 0.0):
                problems.append("d.%s nonzero (max %.3e) where the loss does not depend on the "
                                "input" % (n, float(np.max(np.abs(g[structural])))))
            parts[-1] += " (%d exact zeros)" % int(structural.sum())
    detail = "max rel err %.2e [%s], loss rel err %.1e" % (worst, ", ".join(parts), loss_err)
    if frozen is not None:
        detail += ", codes used %d, min code margin %.2e" % (len(np.unique(frozen.z)),
                                                            float(frozen.margin.min()))
    if no_grad:
        detail += ", no d.%s (as required)" % "/d.".join(sorted(no_grad))
    if problems:
        detail = "; ".join(problems) + " | " + detail
    return not problems, detail


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tvq-compile", default="tvq-compile")
    parser.add_argument("--tvq-run", default="tvq-run")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--target", default="cpu", help="tvq-compile's --target (cpu, cuda-sim)")
    parser.add_argument("--case", action="append", help="run only cases whose name has this")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    passed = failed = 0
    for i, case in enumerate(CASES):
        if args.case and not any(s in case["name"] for s in args.case):
            continue
        rng = np.random.default_rng([args.seed, i])
        try:
            ok, detail = check_case(case, args, rng)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            ok, detail = False, str(e)
        print("%s %s: %s" % ("PASS" if ok else "FAIL", case["name"], detail), flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print("grad_check: %d cases passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
