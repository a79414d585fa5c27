"""Checks the compiled tvq.vq_attention_grad against central finite differences of an independent
float64 numpy implementation of the forward (transformer-vq.md section 3, the dense formula), on
fresh random inputs.

The gradient semantics are the reference implementation's (section 4 and the op's description):
for a query at position t and a key at position p, if p lies in the compressed cache of t's block
(p < blockstart(t) - M), the score uses the codebook row C[z_p], held constant (a key in the
cache gets no gradient); otherwise it uses k_hat_p. Values always enter linearly as in section 3
(a cache mean is a mean of values, so the dense formula's dependence on v is exact). An incoming
state (the second entry point) is constant: its cache is the collapsed form of section 3 (per
code: C_j with score + log count_j and value mean_j) and its window slots are keys and values at
positions seen - M + j, ignored where negative.

Loss: L = sum(o * d_out). Every gradient (dq, dk_hat, dv, du, dw, dr) is compared with central
differences (step H = 1e-6, float64) by
    err = max|g - fd| / max(max|fd|, FLOOR * G)
where G is the largest |fd| entry of any of the six gradients of the case, and must be <= TOL.
Why TOL = 2e-5: the compiled code is float32; its gradients are sums of a few dozen products of
O(1) softmax weights and O(1) inputs, so their error is a few float32 ulps of the largest terms
(observed: at most a few 1e-7 relative to max|fd|). The finite differences of the float64 loss
are accurate to ~1e-9 absolute (truncation ~H^2, rounding ~1e-16 * |L| / H), far below that. A
gradient that is wrong in any one entry (a missed band distance, the cache-key rule, the flow
through the means) is off by O(1e-2) or more relative.
Why FLOOR = 0.1 (of the case's scale G): a gradient can cancel to zero while its terms do not,
and the float32 rounding stays at the terms' scale. du is a sum over each row's keys of score
gradients that add to zero, so it vanishes exactly when a row's keys are one code (T = 4,
S = 8: one run in 512; seed 2817844659 drew it: du = 0 against a float32 du of 4.5e-7, which a
floor of 1e-3 turned into an error of 4.5e-4); and where T = L = 1 one query sees only itself,
so only dv is nonzero. An error of 1e-2 of a gradient's own scale still exceeds TOL unless that
scale is below 2e-4 G.

As a check that the cases exercise the cache, each case with keys in the cache also computes
dk_hat by finite differences of the plain dense formula (every key k_hat, STE through the cache)
and requires that it differ from the compiled dk_hat by more than 100 * TOL.

Each variant also runs T = 0 (B = 2, with and without an incoming state): the position gradients
must be empty and du, dw, dr exactly zero (no finite differences: the loss is 0).

usage: attention_grad_check.py --tvq-compile PATH --tvq-run PATH --template MLIR.IN --workdir DIR
                              [--target cpu|cuda-sim] [--compile-flag FLAG ...]
Prints the seed (--seed repeats a run), PASS/FAIL per case and a final
'attention_grad: N cases passed, M failed'."""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

from seeds import seeded_rng

H = 1e-6
TOL = 2e-5
FLOOR = 0.1

# (L, M, S, K, V): block length, window, codebook size, d_k, d_v.
VARIANTS = [(4, 4, 8, 8, 8), (8, 4, 16, 8, 12), (4, 8, 8, 8, 8), (1, 4, 8, 8, 8),
            # more than 64 keys per block (S + M + L = 88): the fused kernels' second key chunk
            (8, 8, 72, 8, 8)]
GRADS = ("dq", "dk_hat", "dv", "du", "dw", "dr")
STATE_NAMES = ("count", "mean", "win_codes", "win_keys", "win_values", "seen")


def render(template, L, M, S, K, V):
    text = template
    for key, value in (("M1", M + 1), ("K", K), ("V", V), ("S", S), ("L", L), ("M", M)):
        text = text.replace("@%s@" % key, str(value))
    assert "@" not in text.replace("@attention_grad", ""), "placeholder left in template"
    return text


# ---------------------------------------------------------------------------------------------
# The float64 forward, dense (section 3), one batch row at a time.


def row_loss(x, c, b, plain=False):
    """sum(o * d_out) of batch row b. x: the differentiated arrays (q, k_hat, v, u, w, r);
    c: the constants (codebook, codes, d_out, L, M, state). With `plain`, every key uses k_hat
    (no constant cache keys)."""
    L, M, C = c["L"], c["M"], c["codebook"]
    q, T = x["q"][b], x["q"].shape[1]
    st = c["state"]
    seen = int(st["seen"][b])
    # Explicit keys: the incoming window slots, then the positions of the call.
    pos = np.concatenate([seen - M + np.arange(M), seen + np.arange(T)])
    keys = np.concatenate([st["win_keys"][b], x["k_hat"][b]])
    vals = np.concatenate([st["win_values"][b], x["v"][b]])
    codes = np.concatenate([st["win_codes"][b], c["codes"][b]])
    tpos = seen + np.arange(T)
    block_start = seen + (np.arange(T) // L) * L
    dist = tpos[:, None] - pos[None, :]
    visible = (pos[None, :] >= 0) & (dist >= 0)
    in_cache = pos[None, :] < block_start[:, None] - M
    qu, qw = q + x["u"], q + x["w"]
    scores = qu @ keys.T
    if not plain:
        scores = np.where(in_cache, qu @ C[codes].T, scores)
    rel = qw @ x["r"].T  # [T, M + 1]
    band = visible & (dist <= M)
    scores = scores + np.where(band, np.take_along_axis(rel, np.clip(dist, 0, M), axis=1), 0.0)
    scores = np.where(visible, scores, -np.inf)
    # The incoming cache, collapsed per code.
    count = st["count"][b]
    with np.errstate(divide="ignore"):
        cache = np.where(count > 0, qu @ C.T + np.log(np.maximum(count, 1.0)), -np.inf)
    allscores = np.concatenate([cache, scores], axis=1)
    e = np.exp(allscores - allscores.max(axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)
    o = a[:, :len(count)] @ st["mean"][b] + a[:, len(count):] @ vals
    return float(np.sum(o * c["d_out"][b]))


def fd_gradients(x, c, names=GRADS, plain=False):
    """Central differences of sum over rows of row_loss, per differentiated array."""
    B = x["q"].shape[0]
    out = {}
    for gname in names:
        name = gname[1:]
        arr = x[name]
        g = np.zeros_like(arr)
        per_row = arr.ndim == 3  # q, k_hat, v: an entry of row b only moves row b
        for idx in np.ndindex(arr.shape):
            rows = [idx[0]] if per_row else range(B)
            old = arr[idx]
            arr[idx] = old + H
            fp = sum(row_loss(x, c, b, plain) for b in rows)
            arr[idx] = old - H
            fm = sum(row_loss(x, c, b, plain) for b in rows)
            arr[idx] = old
            g[idx] = (fp - fm) / (2 * H)
        out[gname] = g
    return out


# ---------------------------------------------------------------------------------------------
# Inputs.


def make_inputs(rng, L, M, S, K, V, B, T, seen=None):
    """Random f32 inputs; k_hat = codebook[codes]. With `seen` (per row), an incoming state that
    a prefix of seen[b] positions leaves: cache of positions < seen - M, window of the last M
    (slots of negative positions hold garbage, which must be ignored)."""
    scale = K ** -0.25
    f32 = np.float32
    codebook = (rng.normal(size=(S, K)) * scale).astype(f32)
    codes = rng.integers(0, S, size=(B, T)).astype(np.int32)
    x = {"q": (rng.normal(size=(B, T, K)) * scale).astype(f32),
         "k_hat": codebook[codes],
         "v": rng.normal(size=(B, T, V)).astype(f32),
         "u": (rng.normal(size=K) * 0.3 * scale).astype(f32),
         "w": (rng.normal(size=K) * 0.3 * scale).astype(f32),
         "r": (rng.normal(size=(M + 1, K)) * scale).astype(f32)}
    state = {"count": np.zeros((B, S), f32), "mean": np.zeros((B, S, V), f32),
             "win_codes": np.zeros((B, M), np.int32), "win_keys": np.zeros((B, M, K), f32),
             "win_values": np.zeros((B, M, V), f32), "seen": np.zeros(B, np.int64)}
    if seen is not None:
        for b, P in enumerate(seen):
            pz = rng.integers(0, S, size=P)
            pv = rng.normal(size=(P, V))
            ncache = max(P - M, 0)
            for j in range(S):
                sel = pz[:ncache] == j
                state["count"][b, j] = sel.sum()
                if sel.any():
                    state["mean"][b, j] = pv[:ncache][sel].mean(axis=0)
            for j in range(M):
                p = P - M + j
                if p >= 0:
                    state["win_codes"][b, j] = pz[p]
                    state["win_keys"][b, j] = codebook[pz[p]]
                    state["win_values"][b, j] = pv[p]
                else:  # garbage: a slot of a negative position is ignored
                    state["win_codes"][b, j] = rng.integers(0, S)
                    state["win_keys"][b, j] = rng.normal(size=K) * 10
                    state["win_values"][b, j] = rng.normal(size=V) * 10
            state["seen"][b] = P
    c = {"codebook": codebook, "codes": codes, "L": L, "M": M,
         "d_out": rng.normal(size=(B, T, V)).astype(f32), "state": state}
    return x, c


def as_f64(x, c):
    x64 = {k: v.astype(np.float64) for k, v in x.items()}
    c64 = dict(c)
    c64["codebook"] = c["codebook"].astype(np.float64)
    c64["d_out"] = c["d_out"].astype(np.float64)
    c64["state"] = {k: (v.astype(np.float64) if v.dtype == np.float32 else v)
                    for k, v in c["state"].items()}
    return x64, c64


# ---------------------------------------------------------------------------------------------


def run_case(a, so, case_dir, x, c, with_state):
    os.makedirs(case_dir, exist_ok=True)
    arrays = [x["q"], x["k_hat"], c["codes"], x["v"], c["codebook"], x["u"], x["w"], x["r"]]
    if with_state:
        arrays += [c["state"][n] for n in STATE_NAMES]
    arrays.append(c["d_out"])
    args = []
    for i, arr in enumerate(arrays):
        path = os.path.join(case_dir, "in%02d.npy" % i)
        np.save(path, arr)
        args.append("--input=@" + path)
    outs = [os.path.join(case_dir, n + ".npy") for n in GRADS]
    fn = "attention_grad_state" if with_state else "attention_grad"
    subprocess.run([a.tvq_run, "call", so, "--function=" + fn] + args
                   + ["--output=@" + p for p in outs], check=True)
    return {n: np.load(p).astype(np.float64) for n, p in zip(GRADS, outs)}


def rel_err(g, fd, scale):
    """max|g - fd| relative to max|fd|, or to FLOOR * scale (the case's largest gradient entry)
    where fd is smaller than that."""
    return float(np.max(np.abs(g - fd)) / max(float(np.max(np.abs(fd))), FLOOR * scale))


def case_label(variant, B, T, suffix):
    return "L=%d M=%d S=%d K=%d V=%d B=%d T=%d%s" % (variant + (B, T, suffix))


def cases_for(L, M):
    """(B, T, seen or None): T = L, T >= 4L, a longer one with many keys in the cache, and a
    call with an incoming state (rows with seen 0, < M, and > M not a multiple of L)."""
    long_t = L * max(4, -(-(3 * M + 2 * L) // L))
    return [(1, L, None), (2, 4 * L, None), (2, long_t, None),
            (3, 2 * L, [0, M - 1, 3 * M + L + 1])]


def main():
    p = argparse.ArgumentParser()
    for flag in ("--tvq-compile", "--tvq-run", "--template", "--workdir"):
        p.add_argument(flag, required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--target", default="cpu", choices=["cpu", "cuda-sim"],
                   help="tvq-compile's target (cuda-sim: the CUDA pipeline as CPU loops, "
                        "with every block's backward at once where M = L)")
    p.add_argument("--compile-flag", action="append", default=[],
                   help="an extra tvq-compile flag (repeatable), e.g. --cuda-attention=fused")
    p.add_argument("--tol", type=float, default=TOL,
                   help="largest relative error of a gradient (default %g; bf16 storage "
                        "needs more)" % TOL)
    a = p.parse_args()
    start = time.time()
    rng = seeded_rng(a.seed, "attention_grad")
    os.makedirs(a.workdir, exist_ok=True)
    with open(a.template) as f:
        template = f.read()

    # Compile the variants, two at a time.
    sos, procs = {}, []
    for variant in VARIANTS:
        name = "L%d_M%d_S%d_K%d_V%d" % variant
        src = os.path.join(a.workdir, name + ".mlir")
        with open(src, "w") as f:
            f.write(render(template, *variant))
        sos[variant] = os.path.join(a.workdir, name + ".so")
        target = [] if a.target == "cpu" else ["--target=" + a.target]
        procs.append(subprocess.Popen([a.tvq_compile, src, "-o", sos[variant]] + target +
                                      a.compile_flag))
        if len(procs) == 2:
            for proc in procs:
                assert proc.wait() == 0, "tvq-compile failed"
            procs = []
    for proc in procs:
        assert proc.wait() == 0, "tvq-compile failed"

    passed = failed = 0
    for variant in VARIANTS:
        L, M, S, K, V = variant
        for B, T, seen in cases_for(L, M):
            label = case_label(variant, B, T, "" if seen is None else " seen=%s" % seen)
            x, c = make_inputs(rng, L, M, S, K, V, B, T, seen)
            case_dir = os.path.join(a.workdir, "case%d" % (passed + failed))
            got = run_case(a, sos[variant], case_dir, x, c, seen is not None)
            x64, c64 = as_f64(x, c)
            fd = fd_gradients(x64, c64)
            scale = max(float(np.max(np.abs(fd[n]))) for n in GRADS)
            errs = {n: rel_err(got[n], fd[n], scale) for n in GRADS}
            ok = all(e <= a.tol for e in errs.values())
            detail = " ".join("%s %.1e" % (n, errs[n]) for n in GRADS)
            # Does the case have keys of this call in the cache? Then the plain dense gradient
            # of k_hat (STE through the cache) must differ clearly from the compiled one.
            # (The call's first position is in the cache of its last block when (R-1)L > M.)
            if (T // L - 1) * L > M:
                plain = fd_gradients(x64, c64, names=("dk_hat",), plain=True)["dk_hat"]
                sep = rel_err(got["dk_hat"], plain, scale)
                detail += "; vs STE-through-cache dk_hat %.1e" % sep
                if sep <= 100 * TOL:
                    ok = False
                    detail += " (NOT SEPARATED)"
            passed, failed = passed + ok, failed + (not ok)
            print("%s %s: max rel err %s (tolerance %g)"
                  % ("PASS" if ok else "FAIL", label, detail, a.tol))
            sys.stdout.flush()
        # T = 0 (no blocks: the lowerings' T = 0 branches): every gradient has its input's
        # shape (empty position gradients) and is zero.
        for with_state in (False, True):
            x, c = make_inputs(rng, L, M, S, K, V, 2, 0, [M + 1, 0] if with_state else None)
            case_dir = os.path.join(a.workdir, "case%d" % (passed + failed))
            got = run_case(a, sos[variant], case_dir, x, c, with_state)
            ok = all(got[n].shape == x[n[1:]].shape and not np.any(got[n]) for n in GRADS)
            passed, failed = passed + ok, failed + (not ok)
            print("%s %s: empty position gradients, zero du dw dr"
                  % ("PASS" if ok else "FAIL",
                     case_label(variant, 2, 0, " with state" if with_state else "")))
            sys.stdout.flush()
    print("attention_grad: %d cases passed, %d failed (%.1f s)"
          % (passed, failed, time.time() - start))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
