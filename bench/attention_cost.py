"""What the attention benchmarks share: FLOP counts and the dense peer.

Used by bench/run.py (CPU) and bench/gpu_check.py / bench/gpu_torch_peers.py (the H200 check).
"""


def vq_flops(T, K, V, S, L):
    """Multiply-adds x 2 of the contractions tvq runs for one layer (M = L): distances to the
    codebook, scores against cache, window (2L) and relative table (L+1), weights times means
    and window values, and the cache update (one-hot sums)."""
    blocks = T // L
    per_block = 2 * L * K * (S + S + 2 * L + L + 1) + 2 * L * V * (S + 2 * L) + 2 * S * V * L
    return blocks * per_block


def dense_flops(T, K, V):
    """Causal dense attention: half of the T x T scores and weights x values."""
    return T * T * (K + V)


def sdpa_split(q, k, v, causal=True):
    """Dense SDPA with the flash kernel: v in d_k-wide slices, one call each."""
    import torch  # only the callers that time PyTorch need it

    K = q.shape[-1]
    V = v.shape[-1]
    parts = []
    for s in range(0, V, K):
        vs = v[..., s:s + K]
        if vs.shape[-1] < K:
            vs = torch.nn.functional.pad(vs, (0, K - vs.shape[-1]))
        parts.append(torch.nn.functional.scaled_dot_product_attention(q, k, vs, is_causal=causal))
    return torch.cat(parts, -1)[..., :V]
