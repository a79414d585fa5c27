"""VQ attention in PyTorch eager, written from transformer-vq.md sections 2 to 4 (bench peer).

The same computation as tvq.vq_quantize + tvq.vq_attention (models/ops/vq_attention*.mlir):
codes = argmin_s |k - C_s|^2 (here through |k|^2 - 2 k.C + |C|^2, as a PyTorch user would write
it), k_hat = C[codes], then block by block (L queries): scores against the compressed cache
(q+u).C^T + log(count) (-inf where count = 0), against the previous block and the current one
(q+u).k_hat^T plus the relative term (q+w).r_d for distance d <= M, causal; one max, exp, one sum;
o = (a_cache.mean + a_window.v) / sum; then the block that leaves the window goes into the cache
(counts and means). Requires M == L (the bench shapes); no scaling inside.
"""
import torch


def quantize(k, codebook):
    """codes [B,T] (int64), k_hat [B,T,K]."""
    c2 = (codebook * codebook).sum(-1)
    d = (k * k).sum(-1, keepdim=True) - 2.0 * (k @ codebook.t()) + c2
    codes = d.argmin(-1)
    return codes, codebook[codes]


def vq_attention(q, k_hat, codes, v, codebook, u, w, r, L):
    """Exact causal VQ attention, block recurrence of section 4 (M = L)."""
    B, T, K = q.shape
    V = v.shape[-1]
    S = codebook.shape[0]
    M = r.shape[0] - 1
    assert M == L and T % L == 0
    dev, dt = q.device, q.dtype
    count = torch.zeros(B, S, device=dev, dtype=dt)
    mean = torch.zeros(B, S, V, device=dev, dtype=dt)
    i = torch.arange(L, device=dev)[:, None]
    j = torch.arange(2 * L, device=dev)[None, :]
    dist = i + M - j                                   # distance of window slot j from query i
    causal = dist >= 0
    in_band = causal & (dist <= M)
    dist_c = dist.clamp(0, M)
    neg_inf = torch.tensor(float("-inf"), device=dev, dtype=dt)
    outs = []
    k_prev = torch.zeros(B, L, K, device=dev, dtype=dt)
    v_prev = torch.zeros(B, L, V, device=dev, dtype=dt)
    z_prev = None
    for blk in range(T // L):
        sl = slice(blk * L, (blk + 1) * L)
        qu = q[:, sl] + u
        qw = q[:, sl] + w
        s_cache = qu @ codebook.t() + torch.where(count > 0, count.clamp(min=1).log(),
                                                  neg_inf)[:, None, :]
        keys = torch.cat([k_prev, k_hat[:, sl]], 1)
        vals = torch.cat([v_prev, v[:, sl]], 1)
        rel = qw @ r.t()                                # [B, L, M+1]
        bias = torch.gather(rel, 2, dist_c.expand(B, L, 2 * L))
        s_win = qu @ keys.transpose(1, 2) + torch.where(in_band, bias, 0.0)
        valid = causal if blk > 0 else causal & (j >= L)
        s_win = s_win.masked_fill(~valid, float("-inf"))
        m = torch.maximum(s_cache.amax(-1, keepdim=True), s_win.amax(-1, keepdim=True))
        a_c = (s_cache - m).exp()
        a_w = (s_win - m).exp()
        den = a_c.sum(-1, keepdim=True) + a_w.sum(-1, keepdim=True)
        outs.append((a_c @ mean + a_w @ vals) / den)
        if blk > 0:  # the previous block leaves the window into the cache
            delta = torch.nn.functional.one_hot(z_prev, S).to(dt)        # [B, L, S]
            new_count = count + delta.sum(1)
            denom = new_count.clamp(min=1)
            mean = (count / denom)[..., None] * mean + (delta.transpose(1, 2) @ v_prev) / denom[..., None]
            count = new_count
        k_prev, v_prev, z_prev = k_hat[:, sl], v[:, sl], codes[:, sl]
    return torch.cat(outs, 1)


def vq_layer(q, k, v, codebook, u, w, r, L):
    """What models/ops/vq_attention*.mlir compute: (o, codes)."""
    codes, k_hat = quantize(k, codebook)
    return vq_attention(q, k_hat, codes, v, codebook, u, w, r, L), codes
