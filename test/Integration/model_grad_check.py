#!/usr/bin/env python3
"""The whole model's compiled @loss_grad against central finite differences of a float64
surrogate forward.

For small configurations, the model file written by tvq-model (whose @train_loss carries
`tvq.gradient = "loss_grad"`) is compiled with tvq-compile and @loss_grad is called through
tvq-run on random parameters and inputs (drawn as in model_numerics.py: codebooks calibrated on
the keys so that codes vary, inputs with a near-tie between two codes redrawn), with T = 3L so
that the last block reads block 0 from the compressed cache.

The reference gradient is the derivative of a float64 surrogate of model_reference.py (the
section 1-3 and 6 semantics of shared/docs/transformer-vq.md) in which, per GAU,
  - the codes z and the offset delta = C[z] - k are frozen at the base point (straight-through):
    k_hat = k + delta, so d k_hat / d k = 1;  err2 = |k - C[z]|^2 with z frozen;
  - the codebook is a constant: nothing depends on c_sum / c_count (and the compiled gradient
    must not return d.*c_sum / d.*c_count at all);
  - in attention, for a query t, a key s in the compressed cache of t's block
    (s < blockstart(t) - M, M = L) is the constant C[z_s]; keys in the window or the current
    block are k_hat_s = k_s + delta_s and carry the straight-through gradient. Values of cached
    positions stay differentiable (gradients flow through the cache means).
The surrogate equals the reference forward at the base point (checked), and its derivative is
checked against a hand-derived vector-Jacobian product of the attention on a tiny case (the
self-test below, also run on its own with --selftest, no compiler needed).

Per parameter tensor, SAMPLES = 20 coordinates are compared (all when the tensor is smaller):
the 5 with the largest compiled |g| (so the denominator is representative) and 15 at random.
Metric per tensor
  max over samples |g - fd| / max(max over samples |fd|, FLOOR * F)  <= TOL = 1e-4,
where F is the largest |fd| over all tensors of the case and FLOOR = 0.05: a tensor whose
gradient is much smaller than the others' (attention saturated by the far codebook makes d.u,
d.w, d.wr, d.wq of a GAU ~1e-3 of the rest) is a sum of much larger float32 terms that cancel,
so its absolute error is that of the case (observed ~1e-9 absolute for F ~ 3e-3), not of its
own size; a wrong rule for such a tensor still shows, as an error of the tensor's own size.
Finite differences: central, step h = 1e-5 on the (float32) parameter values converted to
float64; the surrogate is smooth (codes frozen), so truncation (~h^2) and rounding (~1e-16/h)
errors are below 1e-9 relative. The tolerance is for the compiled float32 arithmetic through the
network (two GAUs with softmax attention, norms and reductions over B*T positions; observed
errors: at most 1.3e-5 over 30 seeds, 2e-6 with the default seed), 1e-4 leaving a margin of
about 8 over that and lying far below the effect of a wrong rule. The discrimination lines show
this: in the same cases, letting cached keys carry the straight-through gradient, cutting the
gradient to the values of cached positions, or dropping the commitment-loss gradient would each
change some tensor's reference gradient by more than 10x the tolerance (the commitment term is
resolved in the "far" case, where the codebook is far from the keys).
Also checked: the results of @loss_grad are (loss, ce, d.<p> for every parameter except the
codebook statistics, in signature order), loss and ce agree with model_reference.py (relative
1e-4), and with the untied head the embedding rows of tokens absent from the inputs get exactly
0.

One PASS/FAIL line per check, then 'model_grad_check: N cases passed, M failed'. Exit status 1
on any failure, 2 when a tool is missing.
"""

import argparse
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_numerics as mn  # noqa: E402
import model_reference as ref  # noqa: E402

TOL = 1e-4
TOL_SCALAR = 1e-4
FD_STEP = 1e-5
SAMPLES = 20
FLOOR = 0.05
TOP_SAMPLES = 5

CONFIGS = [
    dict(name="grad_l1_d16_untied", layers=1, d_model=16, d_k=8, d_v=32, codebook=8,
         block_len=4, vocab=11, head="untied", B=2, blocks=3, far=False),
    dict(name="grad_l1_d16_tied_far", layers=1, d_model=16, d_k=8, d_v=32, codebook=8,
         block_len=4, vocab=11, head="tied", B=1, blocks=4, far=True),
    # The tiny preset's sizes (models/tiny.mlir), T = 3L so the cache is reached. Only with
    # --config grad_tiny: its float64 reference takes minutes, too long for make test.
    dict(name="grad_tiny", layers=2, d_model=128, d_k=32, d_v=256, codebook=64,
         block_len=32, vocab=259, head="untied", B=1, blocks=3, far=False, opt_in=True),
]


# --- the surrogate -----------------------------------------------------------------------------

def attention_surrogate(q, k_hat, c_z, v, u, w, r, L, M, v_cache=None):
    """Dense section-3 attention where key s, for query t, is c_z[s] (a constant) when s is in
    t's compressed cache (s < blockstart(t) - M) and k_hat[s] otherwise. v_cache (only for the
    discrimination variant "cached values get no gradient"): values used for cached pairs."""
    B, T, _ = q.shape
    t = np.arange(T)[:, None]
    s = np.arange(T)[None, :]
    cached = s < (t // L) * L - M
    qu = q + u
    scores = np.where(cached, np.einsum("btk,bsk->bts", qu, c_z),
                      np.einsum("btk,bsk->bts", qu, k_hat))
    dist = t - s
    band = (dist >= 0) & (dist <= M)
    pos = np.einsum("btk,dk->btd", q + w, r)  # [B, T, M + 1]
    pos_ts = np.take_along_axis(pos, np.broadcast_to(np.clip(dist, 0, M), (B, T, T)), axis=2)
    scores = scores + np.where(band, pos_ts, 0.0)
    scores = np.where(dist >= 0, scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    if v_cache is not None:
        return np.where(cached, 0.0, p) @ v + np.where(cached, p, 0.0) @ v_cache
    return p @ v


class Frozen:
    """Per GAU: C[z] and delta = C[z] - k at the base point."""

    def __init__(self, params, cfg, inputs):
        _, gaus = ref.forward(params, cfg, inputs)
        self.c_z = [d["codebook"][d["codes"]] for d in gaus]
        self.delta = [cz - d["keys"] for cz, d in zip(self.c_z, gaus)]
        self.gaus = gaus
        self.v = {}  # per GAU, the values at the base point (recorded by the first evaluation)


def gau_surrogate(x, p, i, cfg, frozen, variant):
    K, V, L = cfg["d_k"], cfg["d_v"], cfg["block_len"]
    M = L
    tau = K ** -0.25
    g_ = lambda n: p["gau%d.%s" % (i, n)]
    xn = ref.rms_norm(x) * g_("norm.gain") + g_("norm.bias")
    q = xn @ g_("wq")
    kvg = xn @ g_("wkvg")
    k, v, g = kvg[..., :K], kvg[..., K:K + V], kvg[..., K + V:]
    q = ref.rms_norm(q) * tau
    k = ref.rms_norm(k) * tau
    v, g = ref.silu(v), ref.silu(g)
    c_z, delta = frozen.c_z[i], frozen.delta[i]
    k_hat = k + delta
    cache_keys = k_hat if variant == "cached keys carry STE" else c_z
    r = ref.sinusoid_rows(M + 1, cfg["d_model"]) @ g_("wr") * tau
    frozen.v.setdefault(i, v)
    v_cache = frozen.v[i] if variant == "cached values get no gradient" else None
    o = attention_surrogate(q, k_hat, cache_keys, v, g_("u") * tau, g_("w") * tau, r, L, M,
                            v_cache)
    y = (o * g) @ g_("wo")
    err2 = np.sum((k - c_z) ** 2, axis=-1)
    if variant == "no commitment gradient":
        err2 = frozen.gaus[i]["err2"]  # same value, constant
    return x + y, float(np.mean(err2))


def check_loss_grad_signature(sig, cfg, states):
    """Problems with loss_grad's inputs: parameters, inputs, the state, targets, two seeds."""
    dtype_name = {np.float32: "f32", np.int32: "i32", np.int64: "i64"}
    expected = [(n, "f32", s) for n, s in ref.parameter_shapes(cfg).items()]
    expected.append(("inputs", "i32", (None, None)))
    expected += [(n, dtype_name[t], (None,) + s[1:]) for n, t, s in states]
    expected += [("targets", "i32", (None, None)), ("dropout_seed", "i64", ()),
                 ("layerdrop_seed", "i64", ())]
    for i, (got, want) in enumerate(zip(sig, expected)):
        if got != want:
            return ["loss_grad argument %d is %s, expected %s" % (i, got, want)]
    if len(sig) != len(expected):
        return ["loss_grad has %d arguments, expected %d" % (len(sig), len(expected))]
    return []


def surrogate_loss(p, cfg, inputs, targets, frozen, variant=None):
    """(loss, ce) of the surrogate; p maps names to float64 arrays."""
    embed = p["embed"]
    x = embed[inputs]
    commit = 0.0
    for i in range(2 * cfg["layers"]):
        x, c = gau_surrogate(x, p, i, cfg, frozen, variant)
        commit += c
    if cfg["head"] == "untied":
        logits = x @ p["head.w"] + p["head.b"]
    else:
        xn = ref.rms_norm(x) * p["final_norm.gain"] + p["final_norm.bias"]
        logits = ref.LOGIT_SCALE * (xn @ embed.T)
    ce = ref.cross_entropy(logits, targets)
    return ce + ref.COMMIT_WEIGHT * commit, ce


def fd_at(p, name, coords, fn):
    """Central differences of fn(p) in the coordinates `coords` (flat indices) of p[name]."""
    x0 = p[name]
    out = np.empty(len(coords))
    for j, c in enumerate(coords):
        vals = dict(p)
        for sign in (1, -1):
            x = x0.copy()
            x.flat[c] += sign * FD_STEP
            vals[name] = x
            f = fn(vals)
            out[j] = f if sign == 1 else (out[j] - f) / (2 * FD_STEP)
    return out


# --- self-test of the surrogate (no compiler) --------------------------------------------------

def attention_vjp_by_hand(q, k_hat, c_z, v, u, w, r, L, M, d_o):
    """Hand-derived gradients of attention_surrogate (loops, written independently of it):
    with S_ts = (q_t+u).key_ts + [t-s<=M] (q_t+w).r_{t-s}, p = softmax_s S, o_t = sum p_ts v_s:
      dv_s  = sum_t p_ts do_t;   dS_ts = p_ts (do_t.v_s - do_t.o_t)
      dq_t  = sum_s dS_ts key_ts + sum_{s in band} dS_ts r_{t-s};  du = sum dS_ts key_ts
      dw    = sum_{band} dS_ts r_{t-s};  dr_d = sum_{t-s=d} dS_ts (q_t+w)
      dk_s  = sum over t that see s uncompressed (s >= blockstart(t) - M) of dS_ts (q_t+u);
      dc_z_s = the same sum over the t that see s in their compressed cache (in the model c_z is
    the codebook, a constant, and this gradient is dropped; here it checks the partition)."""
    B, T, K = q.shape
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k_hat), np.zeros_like(v)
    dcz = np.zeros_like(c_z)
    du, dw, dr = np.zeros_like(u), np.zeros_like(w), np.zeros_like(r)
    for b in range(B):
        for t in range(T):
            keys, sc = [], np.empty(t + 1)
            for s in range(t + 1):
                cached = s < (t // L) * L - M
                keys.append(c_z[b, s] if cached else k_hat[b, s])
                sc[s] = np.dot(q[b, t] + u, keys[s])
                if t - s <= M:
                    sc[s] += np.dot(q[b, t] + w, r[t - s])
            pr = np.exp(sc - sc.max())
            pr /= pr.sum()
            o = pr @ v[b, :t + 1]
            for s in range(t + 1):
                dv[b, s] += pr[s] * d_o[b, t]
                ds = pr[s] * (np.dot(d_o[b, t], v[b, s]) - np.dot(d_o[b, t], o))
                dq[b, t] += ds * keys[s]
                du += ds * keys[s]
                if t - s <= M:
                    dq[b, t] += ds * r[t - s]
                    dw += ds * r[t - s]
                    dr[t - s] += ds * (q[b, t] + w)
                if s < (t // L) * L - M:
                    dcz[b, s] += ds * (q[b, t] + u)
                else:
                    dk[b, s] += ds * (q[b, t] + u)
    return dict(q=dq, k_hat=dk, v=dv, u=du, w=dw, r=dr, c_z=dcz)


def selftest(report, rng):
    # 1. Attention surrogate: FD against the hand-derived VJP, on T = 4L (L = M = 2), so that
    #    blocks 2 and 3 read the cache; and its value against model_reference's dense attention
    #    where the cached keys equal k_hat (the base point).
    B, L, T, K, V = 2, 2, 8, 3, 2
    M = L
    a = dict(q=rng.normal(size=(B, T, K)), k_hat=rng.normal(size=(B, T, K)),
             c_z=rng.normal(size=(B, T, K)), v=rng.normal(size=(B, T, V)),
             u=rng.normal(size=K), w=rng.normal(size=K), r=rng.normal(size=(M + 1, K)))
    d_o = rng.normal(size=(B, T, V))
    fn = lambda z: float(np.sum(attention_surrogate(z["q"], z["k_hat"], z["c_z"], z["v"], z["u"],
                                                    z["w"], z["r"], L, M) * d_o))
    hand = attention_vjp_by_hand(a["q"], a["k_hat"], a["c_z"], a["v"], a["u"], a["w"], a["r"],
                                 L, M, d_o)
    errs = {}
    for n in ("q", "k_hat", "v", "u", "w", "r", "c_z"):
        fd = fd_at(a, n, range(a[n].size), fn).reshape(a[n].shape)
        errs[n] = float(np.max(np.abs(fd - hand[n])) / max(np.max(np.abs(hand[n])), 1e-300))
    # The partition: blocks 2 and 3 read block 0 (and block 3 also block 1) from the cache, so
    # only keys 0..3 have a cached-key gradient, and keys 0..1 (block 0) are not seen
    # uncompressed by blocks 2 and 3.
    cz_keys = np.flatnonzero(np.abs(hand["c_z"]).sum(axis=(0, 2)) > 0).tolist()
    ok = max(errs.values()) <= 1e-7 and cz_keys == [0, 1, 2, 3]
    report(ok, "selftest attention surrogate vs hand-derived VJP (T=4L, L=M=2)",
           "max|fd - hand| / max|hand|: %s; keys with a cached-key (constant C[z]) gradient: %s"
           % (", ".join("%s %.1e" % (n, errs[n]) for n in errs), cz_keys))
    kq = a["k_hat"].copy()
    dense = ref.vq_attention_dense(a["q"], kq, a["v"], a["u"], a["w"], a["r"], M)
    sur = attention_surrogate(a["q"], kq, kq, a["v"], a["u"], a["w"], a["r"], L, M)
    err = float(np.max(np.abs(dense - sur)))
    report(err <= 1e-12, "selftest attention surrogate = model_reference dense attention when "
           "cached keys equal k_hat", "max abs diff %.1e" % err)


# --- the compiled checks -----------------------------------------------------------------------

def to64(params):
    return {n: np.asarray(v, np.float64) for n, v in params.items()}


def sample_coords(g, rng):
    n = g.size
    if n <= SAMPLES:
        return np.arange(n)
    top = np.argsort(-np.abs(g.reshape(-1)), kind="stable")[:TOP_SAMPLES]
    rest = np.setdiff1d(np.arange(n), top)
    return np.concatenate([top, rng.choice(rest, SAMPLES - TOP_SAMPLES, replace=False)])


class Checker:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = 0
        self.discrimination = {}

    def report(self, ok, label, detail):
        print("%s %s: %s" % ("PASS" if ok else "FAIL", label, detail), flush=True)
        self.passed += bool(ok)
        self.failed += not ok

    def run_config(self, cfg, seed):
        args = self.args
        rng = np.random.default_rng(seed)
        L, B, T = cfg["block_len"], cfg["B"], cfg["blocks"] * cfg["block_len"]
        label = "%s B=%d T=%d" % (cfg["name"], B, T)
        base = os.path.join(args.workdir, cfg["name"])
        flags = ["--name=" + cfg["name"], "--layers=%d" % cfg["layers"],
                 "--d-model=%d" % cfg["d_model"], "--d-k=%d" % cfg["d_k"],
                 "--d-v=%d" % cfg["d_v"], "--codebook=%d" % cfg["codebook"],
                 "--block-len=%d" % L, "--vocab=%d" % cfg["vocab"], "--head=" + cfg["head"]]
        flags += args.model_flag
        ok, out = mn.run_tool(self.tvq_model + flags + ["-o", base + ".mlir"])
        if ok:
            ok, out = mn.run_tool(self.tvq_compile + ["-O", str(args.opt_level), base + ".mlir",
                                                     "--entries=loss_grad", "-o", base + ".so"])
        if ok:
            ok, out = mn.run_tool(self.tvq_run + ["info", base + ".so"])
        if not ok:
            self.report(False, label, "build failed: " + out.strip()[-2000:])
            return
        info = out
        names = ref.parameter_names(cfg["layers"], cfg["head"])
        no_grad = [n for n in names if n.endswith(".c_sum") or n.endswith(".c_count")]
        states = mn.state_specs(cfg, B)
        expected = (["loss", "ce"] + [n for n, _, _ in states]
                    + ["d." + n for n in names if n not in no_grad])
        outs = None
        for line in info.splitlines():
            m = re.match(r"\s*entry (\w+)\((.*)\) -> \((.*)\)\s*$", line)
            if m and m.group(1) == "loss_grad":
                outs = re.findall(r"([\w.]+): \w+\[[^\]]*\]", m.group(3))
        sig = mn.parse_signature(info, "loss_grad")
        problems = (check_loss_grad_signature(sig, cfg, states) if sig
                    else ["no entry loss_grad"])
        if outs != expected:
            problems.append("loss_grad returns %s, expected %s" % (outs, expected))
        self.report(not problems, label + " signature",
                    "; ".join(problems) if problems else
                    "%d gradients, none for %s" % (len(expected) - 2, ", ".join(no_grad)))
        if problems:
            return

        params = mn.draw_parameters(cfg, rng, far=cfg["far"])
        inputs, targets, (loss_r, ce_r, _, gaus), redraws = mn.draw_case_data(
            cfg, params, B, T, rng)
        pdir = os.path.join(args.workdir, cfg["name"] + "_data")
        os.makedirs(pdir, exist_ok=True)
        in_paths = [mn.save(os.path.join(pdir, "p%03d.npy" % i), params[n])
                    for i, n in enumerate(names)]
        # The empty attention state (a window at the start of a sequence) and seeds, which
        # no dropout of these models reads.
        in_paths += [mn.save(os.path.join(pdir, "inputs.npy"), inputs)]
        in_paths += [mn.save(os.path.join(pdir, "s%03d.npy" % i), np.zeros(shape, dtype))
                     for i, (_, dtype, shape) in enumerate(states)]
        in_paths += [mn.save(os.path.join(pdir, "targets.npy"), targets),
                     mn.save(os.path.join(pdir, "seed.npy"), np.array(rng.integers(1 << 62))),
                     mn.save(os.path.join(pdir, "layer_seed.npy"),
                             np.array(rng.integers(1 << 62)))]
        out_paths = [os.path.join(pdir, "out%03d.npy" % i) for i in range(len(outs))]
        ok, out = mn.run_tool(self.tvq_run + ["call", base + ".so", "--function=loss_grad"]
                              + ["--input=@" + p for p in in_paths]
                              + ["--output=@" + p for p in out_paths])
        if not ok:
            self.report(False, label, "tvq-run failed: " + out.strip()[-2000:])
            return
        got = dict(zip(outs, (np.load(p) for p in out_paths)))

        p64 = to64(params)
        frozen = Frozen(params, cfg, inputs)
        loss_s, ce_s = surrogate_loss(p64, cfg, inputs, targets, frozen)
        sur_err = max(abs(loss_s - loss_r) / abs(loss_r), abs(ce_s - ce_r) / abs(ce_r))
        loss_err = abs(float(got["loss"]) - loss_r) / abs(loss_r)
        ce_err = abs(float(got["ce"]) - ce_r) / abs(ce_r)
        distinct = [len(np.unique(d["codes"])) for d in gaus]
        cached = T > 2 * L
        ok = sur_err <= 1e-12 and loss_err <= TOL_SCALAR and ce_err <= TOL_SCALAR
        self.report(ok, label + " loss",
                    "loss %.7f (rel err %.1e), ce %.7f (rel err %.1e) vs model_reference; "
                    "surrogate = reference at the base point (rel %.0e); distinct codes per GAU "
                    "%s, min code margin %.1e%s%s"
                    % (float(got["loss"]), loss_err, float(got["ce"]), ce_err, sur_err, distinct,
                       min(float(d["margin"].min()) for d in gaus),
                       ", compressed cache used (blocks 0..%d)" % (cfg["blocks"] - 3)
                       if cached else ", NO compressed cache",
                       ", %d redraws" % redraws if redraws else ""))

        loss_fn = lambda vals: surrogate_loss(vals, cfg, inputs, targets, frozen)[0]
        variants = ("cached keys carry STE", "cached values get no gradient",
                    "no commitment gradient")
        alt_fns = {v: (lambda vals, v=v: surrogate_loss(vals, cfg, inputs, targets, frozen, v)[0])
                   for v in variants}
        alt_diff = {v: (0.0, "") for v in variants}
        failures, sampled = [], []
        t0 = time.time()
        for n in names:
            if n in no_grad:
                continue
            g = got["d." + n].astype(np.float64)
            if g.shape != p64[n].shape or not np.all(np.isfinite(g)):
                failures.append("d.%s shape %s / finite %s" % (n, g.shape,
                                                                np.all(np.isfinite(g))))
                continue
            coords = sample_coords(g, rng)
            fd = fd_at(p64, n, coords, loss_fn)
            sampled.append((n, coords, g.reshape(-1)[coords], fd))
            if any(k in n for k in ("wkvg", "wq", "wo", "norm", "embed")):
                for v in variants:
                    fd_alt = fd_at(p64, n, coords, alt_fns[v])
                    d = float(np.max(np.abs(fd_alt - fd))) / max(np.max(np.abs(fd)), 1e-30)
                    if d > alt_diff[v][0]:
                        alt_diff[v] = (d, n)
        # A tensor whose gradient is much smaller than the others' (saturated attention in the
        # far case) is a sum of much larger float32 terms that cancel; it is judged relative to
        # FLOOR times the largest gradient of the case instead of its own size.
        overall = max([float(np.max(np.abs(fd))) for _, _, _, fd in sampled] + [1e-30])
        worst, worst_name = 0.0, ""
        for n, coords, gs, fd in sampled:
            scale = max(float(np.max(np.abs(fd))), FLOOR * overall)
            err = float(np.max(np.abs(gs - fd))) / scale
            if err > worst:
                worst, worst_name = err, n
            if not err <= TOL:
                j = int(np.argmax(np.abs(gs - fd)))
                failures.append("d.%s rel err %.3e (worst at flat index %d: g %.6e, fd %.6e; "
                                "max|fd| %.3e)" % (n, err, coords[j], gs[j], fd[j],
                                                   float(np.max(np.abs(fd)))))
        # Untied head: embedding rows of tokens absent from the inputs get exactly 0.
        unused = np.setdiff1d(np.arange(cfg["vocab"]), inputs)
        if cfg["head"] == "untied" and unused.size:
            if np.any(got["d.embed"][unused] != 0.0):
                failures.append("d.embed nonzero in rows %s of tokens absent from the inputs"
                                % unused.tolist())
        self.report(not failures, label + " gradients",
                    ("; ".join(failures) + " | " if failures else "")
                    + "%d tensors, %d coordinates each (5 largest |g| + random), worst "
                    "max|g - fd| / max(max|fd|, %g max|fd of all|) = %.2e (d.%s), "
                    "tolerance %g (%.1f s)"
                    % (len(names) - len(no_grad), SAMPLES, FLOOR, worst, worst_name, TOL,
                       time.time() - t0))
        for v in variants:
            d, n = alt_diff[v]
            self.discrimination.setdefault(v, []).append((d, n, label))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tvq-model", default="tvq-model")
    parser.add_argument("--tvq-compile", default="tvq-compile")
    parser.add_argument("--tvq-run", default="tvq-run")
    parser.add_argument("--workdir")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--opt-level", type=int, default=0,
                        help="tvq-compile -O level (0 keeps the compile short)")
    parser.add_argument("--config", action="append", help="only these configurations")
    parser.add_argument("--model-flag", action="append", default=[],
                        help="an extra tvq-model flag for every configuration, e.g. --recompute")
    parser.add_argument("--selftest", action="store_true", help="only the surrogate self-test")
    args = parser.parse_args()
    c = Checker(args)
    start = time.time()
    selftest(c.report, np.random.default_rng(args.seed))
    if not args.selftest:
        if not args.workdir:
            parser.error("--workdir is required")
        os.makedirs(args.workdir, exist_ok=True)
        try:
            c.tvq_model = mn.resolve_tool("tvq-model", args.tvq_model)
            c.tvq_compile = mn.resolve_tool("tvq-compile", args.tvq_compile)
            c.tvq_run = mn.resolve_tool("tvq-run", args.tvq_run)
        except mn.ToolMissing as e:
            print(e, file=sys.stderr)
            return 2
        ran = []
        for i, cfg in enumerate(CONFIGS):
            if args.config and cfg["name"] not in args.config:
                continue
            if cfg.get("opt_in") and not (args.config and cfg["name"] in args.config):
                continue
            c.run_config(cfg, args.seed + 1000 * i)
            ran.append(cfg)
        if ran and all(cfg.get("opt_in") for cfg in ran):
            # The discrimination needs a codebook far from the keys (a "far" configuration)
            # to resolve the commitment term; the opt-in run checks gradients only.
            c.discrimination.clear()
            print("discrimination: not checked (opt-in configuration only)")
        # The test is only meaningful if the wrong semantics would be caught: per variant, the
        # largest change of the reference gradient over the configurations run.
        for v, found in c.discrimination.items():
            d, n, where = max(found)
            c.report(d > 10 * TOL, "discrimination: " + v,
                     "would change the reference gradient by %.2e (d.%s, %s), %s 10x the "
                     "tolerance" % (d, n, where, "above" if d > 10 * TOL else "NOT above"))
    print("model_grad_check: %d cases passed, %d failed (%.1f s)"
          % (c.passed, c.failed, time.time() - start))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
