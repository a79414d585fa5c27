"""Float64 reference implementations of Transformer-VQ attention, in plain numpy.

Semantics: /work/shared/docs/transformer-vq.md sections 2-5. Two independent implementations:

- `attention_dense`: the definition of section 3, a dense causal softmax over every earlier key,
  with the relative-position term only for distance <= M. This is the reference the compiled
  code is compared with.
- `attention_blockwise`: the linear-time algorithm of section 4 (compressed cache of per-code
  counts and means, uncompressed window of the last M keys, band bias), carrying the attention
  state from call to call like `@vq_attention_step`. It exists to cross-check the dense
  reference (reference_selftest.py) and to compute the expected state tensors.

`state_from_definition` builds the attention state after P positions straight from its
definition, without any recurrence.

Shapes: q, k, k_hat [B,T,K]; v [B,T,V]; codebook [S,K]; u, w [K]; r [M+1,K] (row d is distance d);
codes [B,T]. Everything is computed in float64.
"""

import numpy as np

STATE_NAMES = ("count", "mean", "win_codes", "win_keys", "win_values", "seen")


def as_f64(x):
    """Returns `x` as a float64 numpy array."""
    return np.asarray(x, dtype=np.float64)


def squared_distances(k, codebook):
    """Returns |k - C_s|^2 for every key and code: shape [..., S]."""
    diff = as_f64(k)[..., None, :] - as_f64(codebook)
    return np.sum(diff * diff, axis=-1)


def quantize(k, codebook):
    """Vector quantizer (section 2): codes = argmin_s |k - C_s|^2, ties -> lowest index.

    Returns (codes int32 [...], k_hat float64 [..., K]).
    """
    d2 = squared_distances(k, codebook)
    codes = np.argmin(d2, axis=-1)  # np.argmin returns the first minimum: lowest index
    return codes.astype(np.int32), as_f64(codebook)[codes]


def position_bias(q, w, r, dist):
    """Returns (q_t + w) . r[dist[t,s]] where 0 <= dist <= M, and 0 elsewhere.

    q [T,K] (one sequence); dist [T,N] integer distances; r [M+1,K].
    """
    mem_len = r.shape[0] - 1
    per_distance = (as_f64(q) + as_f64(w)) @ as_f64(r).T  # [T, M+1]
    band = (dist >= 0) & (dist <= mem_len)
    rows = np.broadcast_to(np.arange(dist.shape[0])[:, None], dist.shape)
    bias = np.zeros(dist.shape)
    bias[band] = per_distance[rows[band], dist[band]]
    return bias


def attention_scores(q, k_hat, u, w, r):
    """Dense causal scores of one sequence: [T,T], -inf above the diagonal (s > t)."""
    seq_len = q.shape[0]
    positions = np.arange(seq_len)
    dist = positions[:, None] - positions[None, :]
    scores = (as_f64(q) + as_f64(u)) @ as_f64(k_hat).T + position_bias(q, w, r, dist)
    scores[dist < 0] = -np.inf
    return scores


def softmax_rows(scores):
    """Row-wise softmax; every row must have at least one finite entry."""
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / np.sum(weights, axis=1, keepdims=True)


def attention_weights(q, k_hat, u, w, r):
    """Dense attention probabilities [B,T,T] (section 3)."""
    return np.stack([softmax_rows(attention_scores(q[b], k_hat[b], u, w, r))
                     for b in range(q.shape[0])])


def attention_dense(q, k_hat, v, u, w, r):
    """Section 3: o_t = sum_{s<=t} softmax_s(score(t,.)) v_s. Returns o [B,T,V] float64.

    score(t,s) = (q_t + u).k_hat_s + [t-s <= M] (q_t + w).r[t-s], M = r.shape[0] - 1.
    """
    weights = attention_weights(q, k_hat, u, w, r)
    return np.einsum("bts,bsv->btv", weights, as_f64(v))


def vq_attention_dense(q, k, v, codebook, u, w, r):
    """Quantize, then dense attention. Returns (o float64 [B,T,V], codes int32 [B,T])."""
    codes, k_hat = quantize(k, codebook)
    return attention_dense(q, k_hat, v, u, w, r), codes


def state_from_definition(codes, k_hat, v, num_seen, mem_len, codebook_size):
    """The attention state after positions 0..P-1 (P = num_seen), from its definition.

    codes [B,>=P], k_hat [B,>=P,K], v [B,>=P,V]: the positions seen so far (extra ones ignored).
    Returns a dict with the six state tensors (float64 / int64) plus `valid` [M] bool: which
    window entries hold a real position (entry j holds position P-M+j, real when >= 0).
      count[b,s] = number of positions < P-M whose code is s
      mean[b,s]  = mean of v over those positions (0 where the count is 0)
      win_*[b,j] = codes / k_hat / v of position P-M+j (0 for negative positions)
      seen[b]    = P
    """
    batch = codes.shape[0]
    key_dim, value_dim = k_hat.shape[2], v.shape[2]
    cached = max(num_seen - mem_len, 0)
    count = np.zeros((batch, codebook_size))
    mean = np.zeros((batch, codebook_size, value_dim))
    for b in range(batch):
        for s in range(codebook_size):
            members = np.nonzero(codes[b, :cached] == s)[0]
            count[b, s] = len(members)
            if len(members) > 0:
                mean[b, s] = np.mean(as_f64(v[b, members]), axis=0)
    positions = np.arange(num_seen - mem_len, num_seen)
    valid = positions >= 0
    win_codes = np.zeros((batch, mem_len), dtype=np.int64)
    win_keys = np.zeros((batch, mem_len, key_dim))
    win_values = np.zeros((batch, mem_len, value_dim))
    win_codes[:, valid] = codes[:, positions[valid]]
    win_keys[:, valid] = k_hat[:, positions[valid]]
    win_values[:, valid] = v[:, positions[valid]]
    return {"count": count, "mean": mean, "win_codes": win_codes, "win_keys": win_keys,
            "win_values": win_values, "seen": np.full(batch, num_seen, dtype=np.int64),
            "valid": valid}


def zero_state(batch, codebook_size, mem_len, key_dim, value_dim):
    """The all-zero state ("nothing seen"), float64 / int64, without `valid`."""
    return {"count": np.zeros((batch, codebook_size)),
            "mean": np.zeros((batch, codebook_size, value_dim)),
            "win_codes": np.zeros((batch, mem_len), dtype=np.int64),
            "win_keys": np.zeros((batch, mem_len, key_dim)),
            "win_values": np.zeros((batch, mem_len, value_dim)),
            "seen": np.zeros(batch, dtype=np.int64)}


def blockwise_one_block(q, u, w, r, codebook, seq_state, block):
    """Section 4 for one block of one sequence; updates `seq_state` in place, returns o [L,V].

    seq_state: dict with count [S], mean [S,V], win_codes [M], win_keys [M,K], win_values [M,V],
    seen (int). block: dict with codes [L], k_hat [L,K], v [L,V].
    The block attends to (a) the compressed cache, with no position term, (b) the window of the
    last M keys and (c) itself, causally; (b) and (c) form the [L, M+L] score window whose entry
    (i,j) has distance (i+M)-j and carries the band bias where that distance is <= M.
    """
    block_len = q.shape[0]
    mem_len = seq_state["win_codes"].shape[0]
    first = seq_state["seen"]  # position of the block's first query
    # The window entries at negative positions hold nothing.
    win_valid = np.arange(first - mem_len, first) >= 0
    keys = np.concatenate([seq_state["win_keys"], block["k_hat"]])
    values = np.concatenate([seq_state["win_values"], block["v"]])
    codes = np.concatenate([seq_state["win_codes"], block["codes"]])
    valid = np.concatenate([win_valid, np.ones(block_len, dtype=bool)])

    count = seq_state["count"]
    s_cache = (q + u) @ codebook.T
    with np.errstate(divide="ignore"):
        s_cache = s_cache + np.where(count == 0, -np.inf, np.log(np.maximum(count, 1.0)))
    dist = (np.arange(block_len)[:, None] + mem_len) - np.arange(mem_len + block_len)[None, :]
    s_win = (q + u) @ keys.T + position_bias(q, w, r, dist)
    s_win[(dist < 0) | ~valid[None, :]] = -np.inf
    row_max = np.maximum(np.max(s_cache, axis=1), np.max(s_win, axis=1))[:, None]
    a_cache = np.exp(s_cache - row_max)
    a_win = np.exp(s_win - row_max)
    denom = np.sum(a_cache, axis=1) + np.sum(a_win, axis=1)
    o = (a_cache @ seq_state["mean"] + a_win @ values) / denom[:, None]

    # The oldest L entries of [window, block] leave the window into the cache.
    leaving = slice(0, block_len)
    delta = np.zeros((block_len, codebook.shape[0]))
    # Entries at negative positions may hold anything: give them code 0, then weight 0.
    leaving_codes = np.where(valid[leaving], codes[leaving], 0)
    delta[np.arange(block_len), leaving_codes] = 1.0
    delta *= valid[leaving][:, None]
    new_count = count + np.sum(delta, axis=0)
    scale = np.maximum(new_count, 1.0)
    seq_state["mean"] = ((count / scale)[:, None] * seq_state["mean"]
                         + (delta / scale[None, :]).T @ values[leaving])
    seq_state["count"] = new_count
    seq_state["win_codes"] = codes[block_len:]
    seq_state["win_keys"] = keys[block_len:]
    seq_state["win_values"] = values[block_len:]
    seq_state["seen"] = first + block_len
    return o


def attention_blockwise(q, k_hat, codes, v, codebook, u, w, r, block_len, state):
    """Section 4, block by block, starting from `state` (see `zero_state`).

    T must be a multiple of block_len; M = r.shape[0] - 1 = the window size of `state`.
    Returns (o float64 [B,T,V], new state dict); `state` itself is not modified.
    """
    batch, seq_len, _ = q.shape
    if seq_len % block_len != 0:
        raise ValueError("T=%d is not a multiple of block_len=%d" % (seq_len, block_len))
    if state["win_codes"].shape[1] != r.shape[0] - 1:
        raise ValueError("window size of the state does not match r")
    q, k_hat, v = as_f64(q), as_f64(k_hat), as_f64(v)
    codebook, u, w, r = as_f64(codebook), as_f64(u), as_f64(w), as_f64(r)
    o = np.zeros((batch, seq_len, v.shape[2]))
    new_state = {name: np.array(state[name], copy=True) for name in STATE_NAMES}
    for b in range(batch):
        seq_state = {name: np.array(state[name][b], copy=True) for name in STATE_NAMES}
        seq_state["seen"] = int(seq_state["seen"])
        for start in range(0, seq_len, block_len):
            rows = slice(start, start + block_len)
            block = {"codes": codes[b, rows], "k_hat": k_hat[b, rows], "v": v[b, rows]}
            o[b, rows] = blockwise_one_block(q[b, rows], u, w, r, codebook, seq_state, block)
        for name in STATE_NAMES:
            new_state[name][b] = seq_state[name]
    return o, new_state


def rel_err(x, expected):
    """The comparison metric: max|x - expected| / max|expected|, max-norm over the whole array.

    When `expected` is all zero it is the absolute error max|x|. NaN or inf in x give nan/inf,
    which fail every tolerance.
    """
    x, expected = as_f64(x), as_f64(expected)
    if expected.size == 0:
        return 0.0
    diff = float(np.max(np.abs(x - expected)))
    scale = float(np.max(np.abs(expected)))
    return diff / scale if scale > 0 else diff
