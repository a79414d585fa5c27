#!/usr/bin/env python3
"""Self-test of the float64 VQ-attention references in vq_reference.py (numpy only).

Checks the dense reference on small cases whose answer is known by hand, then cross-checks it
against the independent blockwise implementation of transformer-vq.md section 4 on random inputs
(M == L and M != L, chunked calls with the state carried, starts from a partial state, block
lengths switched between calls, batch rows with different `seen`), and the blockwise state
against the state's definition. Also checks that the input generators of vq_numerics.py give
non-degenerate softmaxes and well-separated codes, and exact distance ties where intended.

Usage: python3 reference_selftest.py     (exit status 0 when every check passes)
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean when run from lit
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import numpy as np  # noqa: E402
except ImportError:
    print("%s: error: numpy is not installed for %s (scripts/setup.sh installs it)"
          % (os.path.basename(__file__), sys.executable), file=sys.stderr)
    sys.exit(2)

import vq_numerics  # noqa: E402
import vq_reference as ref  # noqa: E402

TOL = 1e-10  # float64 against float64
FAILURES = []


def check(name, ok, detail=""):
    """Records and prints one check."""
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""))
    if not ok:
        FAILURES.append(name)


def check_close(name, x, expected, tol=TOL):
    """Checks ref.rel_err(x, expected) <= tol."""
    err = ref.rel_err(x, expected)
    check(name, err <= tol, "rel_err=%.3g" % err)


def blockwise_from_zero(q, k_hat, codes, v, codebook, u, w, r, block_len):
    """Runs the blockwise implementation over the whole sequence from the zero state."""
    batch, _, key_dim = q.shape
    state = ref.zero_state(batch, codebook.shape[0], r.shape[0] - 1, key_dim, v.shape[2])
    return ref.attention_blockwise(q, k_hat, codes, v, codebook, u, w, r, block_len, state)


def random_problem(rng, batch, seq_len, mem_len, codebook_size, key_dim, value_dim, scale=1.0):
    """Random float64 inputs; k is drawn near the codebook so that codes repeat."""
    codebook = rng.normal(size=(codebook_size, key_dim))
    picks = rng.integers(0, codebook_size, size=(batch, seq_len))
    k = codebook[picks] + 0.3 * rng.normal(size=(batch, seq_len, key_dim))
    return {"q": scale * rng.normal(size=(batch, seq_len, key_dim)) / np.sqrt(key_dim),
            "k": k, "v": rng.normal(size=(batch, seq_len, value_dim)), "codebook": codebook,
            "u": scale * 0.5 * rng.normal(size=key_dim) / np.sqrt(key_dim),
            "w": scale * 0.5 * rng.normal(size=key_dim) / np.sqrt(key_dim),
            "r": rng.normal(size=(mem_len + 1, key_dim))}


# ---------------------------------------------------------------------------------------------
# Hand-computable cases of the dense reference.


def test_single_position():
    """T=1: the only key is the query's own, so o_0 = v_0 whatever q, k, u, w, r are."""
    rng = np.random.default_rng(1)
    p = random_problem(rng, 2, 1, 3, 4, 5, 6, scale=10.0)
    o, codes = ref.vq_attention_dense(p["q"], p["k"], p["v"], p["codebook"], p["u"], p["w"], p["r"])
    check_close("T=1 gives o = v_0", o, p["v"])
    k_hat = p["codebook"][codes]
    o_bw, _ = blockwise_from_zero(p["q"], k_hat, codes, p["v"], p["codebook"], p["u"], p["w"],
                                  p["r"], 1)
    check_close("T=1 blockwise gives o = v_0", o_bw, p["v"])


def test_equal_scores_running_mean():
    """q_t = q0, u = w = -q0: every score is 0, so o_t is the running mean of v_0..v_t."""
    rng = np.random.default_rng(2)
    seq_len, mem_len, key_dim, value_dim = 12, 3, 4, 5
    q0 = rng.normal(size=key_dim)
    q = np.broadcast_to(q0, (1, seq_len, key_dim)).copy()
    k_hat = rng.normal(size=(1, seq_len, key_dim))
    v = rng.normal(size=(1, seq_len, value_dim))
    r = rng.normal(size=(mem_len + 1, key_dim))
    o = ref.attention_dense(q, k_hat, v, -q0, -q0, r)
    running_mean = np.cumsum(v, axis=1) / np.arange(1, seq_len + 1)[None, :, None]
    check_close("equal scores give the running mean of v", o, running_mean)


def test_quantize_ties():
    """Equal distances pick the lowest code index; otherwise the nearest code."""
    codebook = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    k = np.array([[[0.0, 0.0],     # equidistant to all four codes -> 0
                   [-1.0, 0.0],    # exactly code 1
                   [1.0, 0.0],     # codes 0 and 3 are the same vector -> 0
                   [-0.5, 0.5],    # codes 1 and 2 equidistant, nearer than 0/3 -> 1
                   [0.1, 0.9]]])   # nearest is code 2
    codes, k_hat = ref.quantize(k, codebook)
    expected = np.array([[0, 1, 0, 1, 2]])
    check("quantize ties pick the lowest index", np.array_equal(codes, expected),
          "codes=%s expected=%s" % (codes.tolist(), expected.tolist()))
    check_close("k_hat = C[codes]", k_hat, codebook[expected])
    check("codes are int32", codes.dtype == np.int32)


def test_band_cutoff():
    """(q+w).r[d] = log 2 for every d: keys at distance <= M weigh 2, farther keys weigh 1."""
    rng = np.random.default_rng(3)
    seq_len, mem_len, key_dim, value_dim = 10, 3, 3, 4
    q = np.zeros((1, seq_len, key_dim))
    k_hat = rng.normal(size=(1, seq_len, key_dim))  # irrelevant: (q + u) = 0
    v = rng.normal(size=(1, seq_len, value_dim))
    w = np.array([1.0, 0.0, 0.0])
    r = np.zeros((mem_len + 1, key_dim))
    r[:, 0] = np.log(2.0)
    o = ref.attention_dense(q, k_hat, v, np.zeros(key_dim), w, r)
    expected = np.zeros((1, seq_len, value_dim))
    for t in range(seq_len):
        weights = np.array([2.0 if t - s <= mem_len else 1.0 for s in range(t + 1)])
        expected[0, t] = weights @ v[0, :t + 1] / np.sum(weights)
    check_close("position term only for distance <= M", o, expected)


def test_distance_indexing():
    """Row d of r is distance d: with (q+w).r[d] = c*d, o_2 = (e^2c v0 + e^c v1 + v2) / sum."""
    c = 0.7
    v = np.array([[[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]])
    q = np.zeros((1, 3, 1))
    k_hat = np.zeros((1, 3, 1))
    r = np.array([[0.0], [c], [2.0 * c]])  # M = 2
    o = ref.attention_dense(q, k_hat, v, np.zeros(1), np.ones(1), r)
    e1, e2 = np.exp(c), np.exp(2.0 * c)
    expected_o1 = (e1 * v[0, 0] + v[0, 1]) / (e1 + 1.0)
    expected_o2 = (e2 * v[0, 0] + e1 * v[0, 1] + v[0, 2]) / (e2 + e1 + 1.0)
    check_close("row d of r is distance d (t=1)", o[0, 1], expected_o1)
    check_close("row d of r is distance d (t=2)", o[0, 2], expected_o2)


def test_u_applies_beyond_band():
    """u acts on keys beyond the band, w does not: M=1, k_hat_0 = e0, u = log3 e0, w = e0.

    At t=2 key 0 is at distance 2 > M: its score is (q+u).k_hat_0 = log 3 and it gets no position
    term; keys 1 and 2 score 0 + (q+w).r[d] = 0 with r = 0. So o_2 = (3 v0 + v1 + v2) / 5.
    The blockwise run with L=1 reaches key 0 through the compressed cache.
    """
    codebook = np.array([[0.0, 0.0], [1.0, 0.0]])
    k = np.array([[[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]])
    v = np.array([[[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]]])
    q = np.zeros((1, 3, 2))
    u = np.array([np.log(3.0), 0.0])
    w = np.array([1.0, 0.0])
    r = np.zeros((2, 2))
    o, codes = ref.vq_attention_dense(q, k, v, codebook, u, w, r)
    expected_o2 = (3.0 * v[0, 0] + v[0, 1] + v[0, 2]) / 5.0
    check_close("u applies to keys beyond the band (dense)", o[0, 2], expected_o2)
    for block_len in (1, 3):
        o_bw, _ = blockwise_from_zero(q, codebook[codes], codes, v, codebook, u, w, r, block_len)
        check_close("u applies to keys beyond the band (blockwise L=%d)" % block_len,
                    o_bw[0, 2], expected_o2)


def test_state_definition_by_hand():
    """state_from_definition on a tiny sequence: P=5, M=2 caches positions 0..2."""
    codes = np.array([[0, 2, 0, 1, 2]])
    k_hat = np.arange(10.0).reshape(1, 5, 2)
    v = np.array([[[1.0], [2.0], [5.0], [7.0], [11.0]]])
    state = ref.state_from_definition(codes, k_hat, v, 5, 2, 3)
    check("hand state: count", np.array_equal(state["count"], [[2.0, 0.0, 1.0]]))
    check("hand state: mean", np.array_equal(state["mean"], [[[3.0], [0.0], [2.0]]]))
    check("hand state: window", np.array_equal(state["win_codes"], [[1, 2]])
          and np.array_equal(state["win_values"], [[[7.0], [11.0]]])
          and np.array_equal(state["win_keys"], k_hat[:, 3:5]))
    check("hand state: seen", np.array_equal(state["seen"], [5]))
    early = ref.state_from_definition(codes, k_hat, v, 1, 2, 3)
    check("hand state P < M: empty cache, window entry 1 = position 0",
          np.array_equal(early["count"], [[0.0, 0.0, 0.0]])
          and np.array_equal(early["valid"], [False, True])
          and np.array_equal(early["win_values"][0, 1], [1.0]))


# ---------------------------------------------------------------------------------------------
# Dense reference against the blockwise implementation (section 4) on random inputs.


def garbage_in_invalid_entries(state, rng):
    """Fills window entries at negative positions with garbage: they must be ignored."""
    invalid = ~state["valid"]
    batch = state["seen"].shape[0]
    n_invalid = int(np.sum(invalid))
    state["win_codes"][:, invalid] = rng.integers(-1000, 1000, size=(batch, n_invalid))
    state["win_keys"][:, invalid] = 1e3 * rng.normal(size=(batch, n_invalid,
                                                            state["win_keys"].shape[2]))
    state["win_values"][:, invalid] = 1e3 * rng.normal(size=(batch, n_invalid,
                                                              state["win_values"].shape[2]))
    return state


def check_state(name, state, expected):
    """Compares a blockwise state with the state's definition (window: real entries only)."""
    valid = expected["valid"]
    ok = (np.array_equal(state["count"], expected["count"])
          and ref.rel_err(state["mean"], expected["mean"]) <= TOL
          and np.array_equal(state["win_codes"][:, valid], expected["win_codes"][:, valid])
          and np.array_equal(state["win_keys"][:, valid], expected["win_keys"][:, valid])
          and np.array_equal(state["win_values"][:, valid], expected["win_values"][:, valid])
          and np.array_equal(state["seen"], expected["seen"]))
    mean_err = ref.rel_err(state["mean"], expected["mean"])
    check(name, ok, "" if ok else "mean rel_err=%.3g" % mean_err)


def cross_check_chunked(rng, block_len, mem_len, start, chunks, scale=1.0):
    """Dense vs blockwise over chunks (sizes in blocks), starting from the state after `start`.

    The first `start` positions are only history: the blockwise run begins from their state as
    given by its definition (with garbage in the unused window entries).
    """
    codebook_size, key_dim, value_dim, batch = 6, 5, 3, 2
    total = start + block_len * sum(chunks)
    p = random_problem(rng, batch, total, mem_len, codebook_size, key_dim, value_dim, scale)
    codes, k_hat = ref.quantize(p["k"], p["codebook"])
    o_dense = ref.attention_dense(p["q"], k_hat, p["v"], p["u"], p["w"], p["r"])
    state = ref.state_from_definition(codes, k_hat, p["v"], start, mem_len, codebook_size)
    state = garbage_in_invalid_entries(state, rng)
    label = "L=%d M=%d start=%d chunks=%s scale=%g" % (block_len, mem_len, start, chunks, scale)
    position, worst = start, 0.0
    for n_blocks in chunks:
        rows = slice(position, position + n_blocks * block_len)
        o_bw, state = ref.attention_blockwise(p["q"][:, rows], k_hat[:, rows], codes[:, rows],
                                              p["v"][:, rows], p["codebook"], p["u"], p["w"],
                                              p["r"], block_len, state)
        worst = max(worst, ref.rel_err(o_bw, o_dense[:, rows]))
        position = rows.stop
        expected = ref.state_from_definition(codes, k_hat, p["v"], position, mem_len,
                                             codebook_size)
        check_state("blockwise state = definition after %d (%s)" % (position, label), state,
                    expected)
    check("blockwise o = dense o (%s)" % label, worst <= TOL, "rel_err=%.3g" % worst)


def test_blockwise_matches_dense():
    """Random cross-checks over block and window sizes, chunkings and partial starts."""
    rng = np.random.default_rng(4)
    cases = [  # (L, M, start, chunks in blocks)
        (4, 4, 0, [5]), (4, 4, 0, [2, 1, 3]), (4, 8, 0, [1, 3, 2]), (8, 3, 0, [4, 1]),
        (1, 4, 0, [20]), (1, 1, 0, [9]), (3, 7, 0, [2, 5]), (16, 4, 0, [3]),
        (4, 4, 6, [3, 2]), (4, 8, 3, [4]), (8, 3, 13, [2, 2]), (1, 5, 2, [12]),
        (5, 2, 21, [1, 4]),
    ]
    for block_len, mem_len, start, chunks in cases:
        cross_check_chunked(rng, block_len, mem_len, start, chunks)
    cross_check_chunked(rng, 4, 4, 0, [6], scale=30.0)  # large scores: stability of the max
    cross_check_chunked(rng, 1, 3, 0, [16], scale=30.0)


def test_decode_equals_block_parallel():
    """One token at a time (L=1, same M) gives the same o as one block-parallel call (L=M)."""
    rng = np.random.default_rng(5)
    mem_len, batch, seq_len = 4, 2, 24
    p = random_problem(rng, batch, seq_len, mem_len, 6, 5, 3)
    codes, k_hat = ref.quantize(p["k"], p["codebook"])
    args = (p["codebook"], p["u"], p["w"], p["r"])
    o_parallel, final_parallel = blockwise_from_zero(p["q"], k_hat, codes, p["v"], *args,
                                                     mem_len)
    state = ref.zero_state(batch, 6, mem_len, 5, 3)
    steps = []
    for t in range(seq_len):
        rows = slice(t, t + 1)
        o_t, state = ref.attention_blockwise(p["q"][:, rows], k_hat[:, rows], codes[:, rows],
                                             p["v"][:, rows], *args, 1, state)
        steps.append(o_t)
    check_close("decode (L=1) o = block-parallel o", np.concatenate(steps, axis=1), o_parallel)
    check("decode and block-parallel end in the same count",
          np.array_equal(state["count"], final_parallel["count"]))


def test_block_length_switch():
    """Prefill with L=4, decode with L=1, then L=4 again from a `seen` that is not a multiple of 4.

    The state passes between the block lengths as it does between the differently compiled step
    modules of the generation suite; o and the states must follow the dense reference.
    """
    rng = np.random.default_rng(7)
    mem_len, batch, codebook_size = 4, 2, 6
    schedule = [(4, 8), (1, 1), (1, 1), (1, 1), (4, 4), (4, 8)]  # (block length, tokens)
    total = sum(n for _, n in schedule)
    p = random_problem(rng, batch, total, mem_len, codebook_size, 5, 3)
    codes, k_hat = ref.quantize(p["k"], p["codebook"])
    o_dense = ref.attention_dense(p["q"], k_hat, p["v"], p["u"], p["w"], p["r"])
    state = ref.zero_state(batch, codebook_size, mem_len, 5, 3)
    position, parts = 0, []
    for block_len, tokens in schedule:
        rows = slice(position, position + tokens)
        o_part, state = ref.attention_blockwise(p["q"][:, rows], k_hat[:, rows], codes[:, rows],
                                                p["v"][:, rows], p["codebook"], p["u"], p["w"],
                                                p["r"], block_len, state)
        parts.append(o_part)
        position = rows.stop
        check_state("block length switch: state after %d (L=%d)" % (position, block_len), state,
                    ref.state_from_definition(codes, k_hat, p["v"], position, mem_len,
                                              codebook_size))
    check_close("block length switch: o = dense o", np.concatenate(parts, axis=1), o_dense)


def test_rows_with_different_seen():
    """One blockwise call whose batch rows start from states of different lengths."""
    rng = np.random.default_rng(8)
    mem_len, block_len, codebook_size, new_len = 4, 4, 6, 8
    prefixes = [0, 8, 3, 13]
    p = random_problem(rng, len(prefixes), max(prefixes) + new_len, mem_len, codebook_size, 5, 3)
    codes, k_hat = ref.quantize(p["k"], p["codebook"])
    states, new = [], {"q": [], "k_hat": [], "codes": [], "v": []}
    expected_o, expected_state = [], []
    for b, prefix in enumerate(prefixes):
        rows = slice(0, prefix + new_len)
        o_row = ref.attention_dense(p["q"][b:b + 1, rows], k_hat[b:b + 1, rows],
                                    p["v"][b:b + 1, rows], p["u"], p["w"], p["r"])
        expected_o.append(o_row[:, prefix:])
        state = ref.state_from_definition(codes[b:b + 1], k_hat[b:b + 1], p["v"][b:b + 1],
                                          prefix, mem_len, codebook_size)
        states.append(garbage_in_invalid_entries(state, rng))
        expected_state.append(ref.state_from_definition(codes[b:b + 1], k_hat[b:b + 1],
                                                        p["v"][b:b + 1], prefix + new_len,
                                                        mem_len, codebook_size))
        for key, array in (("q", p["q"]), ("k_hat", k_hat), ("codes", codes), ("v", p["v"])):
            new[key].append(array[b:b + 1, prefix:prefix + new_len])
    state = {name: np.concatenate([st[name] for st in states]) for name in ref.STATE_NAMES}
    new = {key: np.concatenate(parts) for key, parts in new.items()}
    o_bw, state = ref.attention_blockwise(new["q"], new["k_hat"], new["codes"], new["v"],
                                          p["codebook"], p["u"], p["w"], p["r"], block_len,
                                          state)
    check_close("rows with seen %s: o = dense o of each row" % prefixes, o_bw,
                np.concatenate(expected_o))
    for b, prefix in enumerate(prefixes):
        check_state("rows with different seen: state of row %d (seen %d)" % (b, prefix),
                    {name: state[name][b:b + 1] for name in ref.STATE_NAMES}, expected_state[b])


# ---------------------------------------------------------------------------------------------
# The input generator of vq_numerics.py.


def float32_distance_orders(k, codebook):
    """Float32 squared distances [..., S] computed in three different ways.

    Each way treats every codebook row alike (same operations in the same order). That is what
    makes the ties exact; a float32 matrix product that sums some rows in another order (numpy's
    `k @ C.T` does, for rows in different tiles) can split them by an ulp.
    """
    k32, c32 = k.astype(np.float32), codebook.astype(np.float32)
    diff = k32[..., None, :] - c32
    direct = np.sum(diff * diff, axis=-1, dtype=np.float32)
    backwards = np.zeros(direct.shape, dtype=np.float32)
    dot = np.zeros(direct.shape, dtype=np.float32)
    for i in reversed(range(k32.shape[-1])):
        backwards += diff[..., i] * diff[..., i]
    for i in range(k32.shape[-1]):
        dot += k32[..., i, None] * c32[:, i]
    expanded = (np.sum(k32 * k32, axis=-1, dtype=np.float32)[..., None] - np.float32(2) * dot
                + np.sum(c32 * c32, axis=-1, dtype=np.float32))
    return direct, backwards, expanded


def test_tie_inputs():
    """make_tie_inputs: many keys on exact ties, exact in float32 too, and clear of other codes."""
    rng = np.random.default_rng(9)
    for variant in (vq_numerics.Variant(8, 8, 16, 16, 24), vq_numerics.CONTRACT):
        inputs, tied = vq_numerics.make_tie_inputs(rng, 2, 64, variant)
        k, codebook = inputs["k"], inputs["codebook"]
        label = variant.name()
        check("ties: at least a third of the keys tied (%s)" % label, tied >= 128 // 3,
              "%d of 128" % tied)
        d2 = ref.squared_distances(k, codebook)
        tie_mask = d2 == np.min(d2, axis=-1, keepdims=True)
        codes, _ = ref.quantize(k, codebook)
        check("ties: code = lowest tied index (%s)" % label,
              np.array_equal(codes, np.argmax(tie_mask, axis=-1)))
        exact = True
        for d2_32 in float32_distance_orders(k, codebook):
            tied_values = np.where(tie_mask, d2_32, np.nan)
            spread = np.nanmax(tied_values, axis=-1) - np.nanmin(tied_values, axis=-1)
            exact = exact and np.all(spread == 0)
            # The float32 argmin (first minimum) must be the float64 code.
            exact = exact and np.array_equal(np.argmin(d2_32, axis=-1), codes)
        check("ties: exact in float32 under three summation orders (%s)" % label, exact)
        gap = float(np.min(vq_numerics.code_gaps(k, codebook)))
        check("ties: next code well separated (%s)" % label, gap >= vq_numerics.MIN_CODE_GAP,
              "min relative gap %.3g" % gap)
        wrong = codebook[codebook.shape[0] - 1 - np.argmax(tie_mask[..., ::-1], axis=-1)]
        changed = np.any(wrong != codebook[codes], axis=-1)
        check("ties: the highest tied index would change k_hat for some keys (%s)" % label,
              np.sum(changed) > 0, "%d keys" % np.sum(changed))


def test_generator_is_not_degenerate():
    """Generated inputs: softmax neither one-hot nor uniform, codes varied and well separated."""
    rng = np.random.default_rng(6)
    for variant, batch, seq_len in [(vq_numerics.CONTRACT, 2, 512),
                                    (vq_numerics.Variant(1, 4, 8, 8, 8), 2, 40),
                                    (vq_numerics.Variant(32, 32, 128, 16, 16), 1, 256)]:
        inputs = vq_numerics.make_inputs(rng, batch, seq_len, variant)
        stats = vq_numerics.input_stats(inputs)
        label = "%s B=%d T=%d" % (variant.name(), batch, seq_len)
        check("generator: softmax not one-hot (%s)" % label, stats["mean_max_weight"] < 0.7,
              "mean max weight %.3f" % stats["mean_max_weight"])
        check("generator: softmax not uniform (%s)" % label, stats["mean_entropy_ratio"] < 0.9,
              "mean entropy / log(t+1) %.3f" % stats["mean_entropy_ratio"])
        check("generator: codes varied (%s)" % label,
              stats["distinct_codes"] >= min(variant.S, batch * seq_len) // 2,
              "%d distinct codes" % stats["distinct_codes"])
        check("generator: codes well separated (%s)" % label,
              stats["min_code_gap"] >= vq_numerics.MIN_CODE_GAP,
              "min relative gap %.3g" % stats["min_code_gap"])
        check("generator: float32 inputs (%s)" % label,
              all(a.dtype == np.float32 for a in inputs.values()))


def main():
    """Runs every test; exit status 1 when any check failed."""
    tests = [test_single_position, test_equal_scores_running_mean, test_quantize_ties,
             test_band_cutoff, test_distance_indexing, test_u_applies_beyond_band,
             test_state_definition_by_hand, test_blockwise_matches_dense,
             test_decode_equals_block_parallel, test_block_length_switch,
             test_rows_with_different_seen, test_generator_is_not_degenerate, test_tie_inputs]
    for test in tests:
        test()
    if FAILURES:
        print("reference_selftest: %d checks FAILED: %s" % (len(FAILURES), ", ".join(FAILURES)))
        return 1
    print("reference_selftest: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
