"""Float64 numpy reference of a whole Transformer-VQ model as tvq-model writes it.

Written from the specification (shared/docs/transformer-vq.md sections 1 to 3 and 6, and the
model file's @gau / @logits / @eval_loss), not from the compiler's lowering:

  x      = embed[inputs]
  per GAU (2 per layer), pre-norm residual:
    xn    = rms_norm(x) * gain + bias                  rms_norm(y) = y / sqrt(mean(y^2) + 1e-6)
    q     = xn @ Wq;   k, v, g = split(xn @ Wkvg, [K, V, V])
    q     = rms_norm(q) * K^-0.25;   k = rms_norm(k) * K^-0.25
    v     = silu(v);   g = silu(g)
    C     = c_sum / max(c_count, 0.01)
    z     = argmin_s |k - C_s|^2 (lowest index on ties);  k_hat = C[z];  err2 = min_s |k - C_s|^2
    r_d   = (sin(d*inv), cos(d*inv)) @ Wr * K^-0.25 for distances d = 0..M, inv_j = base^(-2j/D)
    u, w  scaled by K^-0.25
    score(t, s) = (q_t + u).k_hat_s + [t - s <= M] (q_t + w).r_{t-s}   for s <= t
    o_t   = sum_s softmax_s(score(t, .)) v_s            (dense, quadratic: the section-3 meaning)
    x     = x + (o * g) @ Wo
  untied head: logits = x @ head.w + head.b
  tied head:   logits = 0.005 * ((rms_norm(x) * final_norm.gain + final_norm.bias) @ embed^T)
  ce   = mean over (b, t) of -log softmax(logits[b, t])[targets[b, t]]
  loss = ce + 1e-4 * sum over GAUs of mean over (b, t) of err2

Everything is computed in float64 from the (usually float32) parameters it is given.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dropout_reference  # noqa: E402

EPSILON = 1e-6
SINUSOID_BASE = 100000.0
LOGIT_SCALE = 0.005
COMMIT_WEIGHT = 1e-4
CODEBOOK_COUNT_FLOOR = 0.01

GAU_PARAMS = ("norm.gain", "norm.bias", "wq", "wkvg", "wo", "wr", "u", "w", "c_sum", "c_count")


def parameter_names(layers, head):
    """The model's parameter names in the order of the entry points' signature."""
    names = ["embed"]
    for i in range(2 * layers):
        names += ["gau%d.%s" % (i, p) for p in GAU_PARAMS]
    names += ["head.w", "head.b"] if head == "untied" else ["final_norm.gain", "final_norm.bias"]
    return names


def parameter_shapes(cfg):
    d, k, v, s, n = cfg["d_model"], cfg["d_k"], cfg["d_v"], cfg["codebook"], cfg["vocab"]
    per_gau = {"norm.gain": (d,), "norm.bias": (d,), "wq": (d, k), "wkvg": (d, k + 2 * v),
               "wo": (v, d), "wr": (d, k), "u": (k,), "w": (k,), "c_sum": (s, k), "c_count": (s,)}
    shapes = {}
    for name in parameter_names(cfg["layers"], cfg["head"]):
        if name == "embed":
            shapes[name] = (n, d)
        elif name.startswith("gau"):
            shapes[name] = per_gau[name.split(".", 1)[1]]
        elif name == "head.w":
            shapes[name] = (d, n)
        elif name == "head.b":
            shapes[name] = (n,)
        else:
            shapes[name] = (d,)
    return shapes


def f64(a):
    return np.asarray(a, dtype=np.float64)


def rms_norm(x, eps=EPSILON):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def silu(x):
    return x / (1.0 + np.exp(-x))


def sinusoid_rows(rows, dim, base=SINUSOID_BASE):
    """Row d encodes distance d: concatenation (not interleaving) of sin and cos."""
    half = dim // 2
    table = np.zeros((rows, dim))
    for d in range(rows):
        for j in range(half):
            angle = d * base ** (-2.0 * j / dim)
            table[d, j] = np.sin(angle)
            table[d, half + j] = np.cos(angle)
    return table


def codebook(c_sum, c_count):
    return f64(c_sum) / np.maximum(f64(c_count), CODEBOOK_COUNT_FLOOR)[:, None]


def quantize(k, C):
    """Nearest code per key. Returns (k_hat, codes, err2, margin) where margin is the gap between
    the second-nearest and the nearest squared distance (how far the choice is from a tie)."""
    lead = k.shape[:-1]
    flat = k.reshape(-1, k.shape[-1])
    dist = np.empty((flat.shape[0], C.shape[0]))
    for s in range(C.shape[0]):
        diff = flat - C[s]
        dist[:, s] = np.sum(diff * diff, axis=-1)
    codes = np.argmin(dist, axis=-1)  # first index among equal minima
    best = dist[np.arange(flat.shape[0]), codes]
    if C.shape[0] > 1:
        margin = np.partition(dist, 1, axis=-1)[:, 1] - best
    else:
        margin = np.full(flat.shape[0], np.inf)
    err2 = np.maximum(best, 0.0)
    return (C[codes].reshape(k.shape), codes.reshape(lead), err2.reshape(lead),
            margin.reshape(lead))


def vq_attention_dense(q, k_hat, v, u, w, r, mem_len):
    """Section 3 exactly: causal softmax over all earlier quantized keys, with the relative
    position term only for distances 0..mem_len. q, k_hat [B, T, K], v [B, T, V], r [M + 1, K]."""
    B, T, _ = q.shape
    out = np.zeros((B, T, v.shape[-1]))
    for b in range(B):
        for t in range(T):
            scores = np.empty(t + 1)
            for s in range(t + 1):
                score = np.dot(q[b, t] + u, k_hat[b, s])
                if t - s <= mem_len:
                    score += np.dot(q[b, t] + w, r[t - s])
                scores[s] = score
            p = np.exp(scores - scores.max())
            p /= p.sum()
            out[b, t] = p @ v[b, : t + 1]
    return out


def gau(x, p, prefix, cfg, drop=None):
    """One gated attention unit. Returns (new x, commit loss, details). With drop (a dict of
    rates "residual", "layer", "sinusoid" and this GAU's "seed" and "layer_seed"), the training
    dropouts of @gau_train: the sinusoid table, the residual branch, LayerDrop per sequence."""
    K, V = cfg["d_k"], cfg["d_v"]
    M = cfg["block_len"]  # mem_len = block_len
    tau = K ** -0.25
    g_ = lambda n: f64(p[prefix + n])
    xn = rms_norm(x) * g_("norm.gain") + g_("norm.bias")
    q = xn @ g_("wq")
    kvg = xn @ g_("wkvg")
    k, v, g = kvg[..., :K], kvg[..., K:K + V], kvg[..., K + V:K + 2 * V]
    q = rms_norm(q) * tau
    k = rms_norm(k) * tau
    v = silu(v)
    g = silu(g)
    C = codebook(p[prefix + "c_sum"], p[prefix + "c_count"])
    k_hat, codes, err2, margin = quantize(k, C)
    table = sinusoid_rows(M + 1, cfg["d_model"])
    if drop:
        table = dropout_reference.dropout(table, drop["seed"], 1, 2, drop["sinusoid"])
    r = table @ g_("wr") * tau
    u = g_("u") * tau
    w = g_("w") * tau
    o = vq_attention_dense(q, k_hat, v, u, w, r, M)
    y = (o * g) @ g_("wo")
    if drop:
        y = dropout_reference.dropout(y, drop["seed"], 0, 3, drop["residual"])
        y = dropout_reference.dropout(y, drop["layer_seed"], 2, 1, drop["layer"])
    commit = float(np.mean(err2))
    details = {"keys": k, "codes": codes, "err2": err2, "margin": margin, "codebook": C,
               "commit": commit}
    return x + y, commit, details


def gau_seed(seed, i):
    """The seed GAU i's dropouts use: the entry's seed plus (i + 1) * 0x9e3779b97f4a7c15, modulo
    2^64 (the arith.addi of @train_loss)."""
    return (int(seed) + (i + 1) * 0x9E3779B97F4A7C15) % (1 << 64)


def forward(params, cfg, inputs, drop=None):
    """Logits [B, T, vocab] and per-GAU details (codes, margins, commit losses, keys). With drop
    (rates "residual", "layer", "sinusoid", seeds "dropout_seed", "layerdrop_seed"): the dropouts
    of @train_loss on the first window of a sequence (empty attention state)."""
    inputs = np.asarray(inputs)
    embed = f64(params["embed"])
    x = embed[inputs]
    gaus = []
    for i in range(2 * cfg["layers"]):
        gau_drop = None
        if drop:
            gau_drop = dict(drop, seed=gau_seed(drop["dropout_seed"], i),
                            layer_seed=gau_seed(drop["layerdrop_seed"], i))
        x, _, details = gau(x, params, "gau%d." % i, cfg, gau_drop)
        gaus.append(details)
    if cfg["head"] == "untied":
        logits = x @ f64(params["head.w"]) + f64(params["head.b"])
    else:
        xn = rms_norm(x) * f64(params["final_norm.gain"]) + f64(params["final_norm.bias"])
        logits = LOGIT_SCALE * (xn @ embed.T)
    return logits, gaus


def cross_entropy(logits, targets):
    targets = np.asarray(targets)
    m = logits.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.sum(np.exp(logits - m), axis=-1))
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    return float(np.mean(lse - picked))


def eval_loss(params, cfg, inputs, targets, drop=None):
    """(loss, ce, logits, per-GAU details); drop as in forward."""
    logits, gaus = forward(params, cfg, inputs, drop)
    ce = cross_entropy(logits, targets)
    loss = ce + COMMIT_WEIGHT * sum(d["commit"] for d in gaus)
    return loss, ce, logits, gaus


def _selftest():
    """Hand-checkable properties of the pieces (run: python3 model_reference.py)."""
    rng = np.random.default_rng(0)
    # rms_norm: unit root-mean-square (up to eps).
    y = rms_norm(rng.normal(size=(3, 8)) * 5)
    assert np.allclose(np.sqrt(np.mean(y * y, -1)), 1.0, atol=1e-6)
    # Sinusoid: row 0 is (0..0, 1..1); row d column 0 is sin(d); last sin column has the
    # smallest frequency base^(-(D-2)/D).
    t = sinusoid_rows(5, 8, 100000.0)
    assert np.allclose(t[0], [0, 0, 0, 0, 1, 1, 1, 1])
    assert np.isclose(t[3, 0], np.sin(3.0)) and np.isclose(t[3, 4], np.cos(3.0))
    assert np.isclose(t[2, 3], np.sin(2 * 100000.0 ** (-6 / 8)))
    # Codebook floor and lowest-index ties.
    C = codebook(np.array([[1.0, 0.0], [0.02, 0.0], [1.0, 0.0]]), np.array([1.0, 0.0, 1.0]))
    assert np.allclose(C, [[1, 0], [2, 0], [1, 0]])
    _, z, e, _ = quantize(np.array([[[1.0, 1.0]]]), C)
    assert z[0, 0] == 0 and np.isclose(e[0, 0], 1.0)
    # Attention: one position attends only to itself; uniform scores average the values.
    q = np.zeros((1, 3, 2)); k = np.zeros((1, 3, 2)); v = np.arange(6.0).reshape(1, 3, 2)
    o = vq_attention_dense(q, k, v, np.zeros(2), np.zeros(2), np.zeros((2, 2)), 1)
    assert np.allclose(o[0, 0], v[0, 0]) and np.allclose(o[0, 2], v[0].mean(0))
    # The position term stops beyond distance M: with r making distance 0 and 1 very negative,
    # position 2 (M = 1) attends only to position 0 (distance 2, no position term).
    r = np.array([[-100.0, 0.0], [-100.0, 0.0]])
    o = vq_attention_dense(q, k, v, np.zeros(2), np.array([1.0, 0.0]), r, 1)
    assert np.allclose(o[0, 2], v[0, 0])
    # Cross-entropy of uniform logits is log(n).
    assert np.isclose(cross_entropy(np.zeros((2, 3, 7)), np.zeros((2, 3), int)), np.log(7))
    print("model_reference: selftest passed")


if __name__ == "__main__":
    _selftest()
