"""The Transformer-VQ training step in PyTorch eager: the bench peer of `tvq-run train`.

The same network as tvq-model writes (transformer-vq.md section 1; tools/tvq-model): embedding,
per GAU pre-norm rmsnorm with gain and bias, q = xn Wq, [k, v, g] = xn Wkvg, rmsnorm(q),
rmsnorm(k) scaled by K^-0.25, SiLU on v and g, the codebook c_sum / max(c_count, 0.01), the
straight-through quantizer with its commitment term, sinusoid positions through Wr, VQ attention
(bench/vq_torch.py's block recurrence, gradients through the cache means), o * g, Wo, residual;
untied head with bias; loss = ce + 1e-4 * sum of commitment losses. The step: backward, global
norm clipping at 0.1, AdamW (b1 0.9, b2 0.98, eps 1e-9) with decoupled weight decay 2e-4 on
matrices (`p -= wd * p`), and the EMA k-means update of every codebook (gamma 0.99) from the
step's keys and codes. Float32, the thread count of the caller (torch.set_num_threads).

A PyTorch user would write it this way; nothing here is tuned for or against either side.
"""
import json
import math
import sys
import time

import torch
import torch.utils.checkpoint

import vq_torch


def sinusoid_table(rows, dim, base=1e5):
    """Rows flipped so that row w is distance rows - 1 - w (section 1)."""
    pos = torch.arange(rows, dtype=torch.float32)[:, None]
    inv = 1.0 / base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.cat([torch.sin(pos * inv), torch.cos(pos * inv)], 1)
    return table.flip(0)


def rms_norm(x, eps=1e-6):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)


class GAU(torch.nn.Module):
    def __init__(self, D, K, V, S, L):
        super().__init__()
        self.K, self.V, self.L = K, V, L
        self.gain = torch.nn.Parameter(torch.ones(D))
        self.bias = torch.nn.Parameter(torch.zeros(D))
        self.wq = torch.nn.Parameter(torch.randn(D, K) / math.sqrt(D))
        self.wkvg = torch.nn.Parameter(torch.randn(D, K + 2 * V) / math.sqrt(D))
        self.wo = torch.nn.Parameter(torch.randn(V, D) / math.sqrt(V))
        self.wr = torch.nn.Parameter(torch.randn(D, K) / math.sqrt(D))
        self.u = torch.nn.Parameter(torch.zeros(K))
        self.w = torch.nn.Parameter(torch.zeros(K))
        self.register_buffer("c_sum", torch.randn(S, K) / math.sqrt(S))
        self.register_buffer("c_count", torch.ones(S))
        self.register_buffer("table", sinusoid_table(L + 1, D))

    def forward(self, x):
        K, V, tau = self.K, self.V, self.K ** -0.25
        xn = rms_norm(x) * self.gain + self.bias
        q = rms_norm(xn @ self.wq) * tau
        k, v, g = (xn @ self.wkvg).split([K, V, V], -1)
        k = rms_norm(k) * tau
        v = torch.nn.functional.silu(v)
        g = torch.nn.functional.silu(g)
        codebook = self.c_sum / self.c_count.clamp(min=0.01)[:, None]
        codes, k_q = vq_torch.quantize(k.detach(), codebook)
        err2 = ((k - k_q) ** 2).sum(-1).clamp(min=0.0)       # gradient to k only
        k_hat = k + (k_q - k).detach()                          # straight-through
        r = (self.table @ self.wr) * tau
        o = vq_torch.vq_attention(q, k_hat, codes, v, codebook, self.u * tau, self.w * tau, r,
                                  self.L)
        self.last = (k.detach(), codes)
        return x + (o * g) @ self.wo, err2.mean()


class Model(torch.nn.Module):
    def __init__(self, layers, D, K, V, S, L, vocab, checkpoint=False):
        super().__init__()
        # checkpoint: each GAU under torch.utils.checkpoint (its forward again in the backward).
        self.checkpoint = checkpoint
        self.embed = torch.nn.Parameter(torch.randn(vocab, D))
        self.gaus = torch.nn.ModuleList(GAU(D, K, V, S, L) for _ in range(2 * layers))
        self.head_w = torch.nn.Parameter(torch.randn(D, vocab) / math.sqrt(D))
        self.head_b = torch.nn.Parameter(torch.zeros(vocab))

    def forward(self, inputs, targets):
        x = self.embed[inputs]
        commit = 0.0
        for gau in self.gaus:
            if self.checkpoint:
                x, c = torch.utils.checkpoint.checkpoint(gau, x, use_reentrant=False)
            else:
                x, c = gau(x)
            commit = commit + c
        logits = x @ self.head_w + self.head_b
        ce = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten().long())
        return ce + 1e-4 * commit, ce


class Trainer:
    """One training step = forward, backward, clip, AdamW, codebook EMA."""

    def __init__(self, model, lr=2e-3, wd=2e-4, clip=0.1, gamma=0.99):
        self.model, self.lr, self.wd, self.clip, self.gamma = model, lr, wd, clip, gamma
        self.params = [p for p in model.parameters()]
        # Decoupled decay p -= wd * p on matrices is applied by hand below; AdamW's own decay
        # (p -= lr * wd * p) is off.
        self.opt = torch.optim.AdamW(self.params, lr=lr, betas=(0.9, 0.98), eps=1e-9,
                                     weight_decay=0.0, foreach=True)
        self.matrices = [p for p in self.params if p.dim() >= 2]

    def step(self, inputs, targets):
        loss, ce = self.model(inputs, targets)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        with torch.no_grad():
            for p in self.matrices:
                p.mul_(1.0 - self.wd)
        self.opt.step()
        with torch.no_grad():
            for gau in self.model.gaus:
                k, codes = gau.last
                onehot = torch.nn.functional.one_hot(codes.flatten(), gau.c_sum.shape[0]).float()
                gau.c_sum.mul_(self.gamma).add_((1 - self.gamma) * (onehot.t() @ k.flatten(0, 1)))
                gau.c_count.mul_(self.gamma).add_((1 - self.gamma) * onehot.sum(0))
        return float(ce.detach())


def tokens_per_second(cfg, batch, seq_len, steps, warmup=2, seed=0, checkpoint=False):
    """Median tokens/s over `steps` timed training steps on random bytes (after warm-up)."""
    torch.manual_seed(seed)
    model = Model(cfg["layers"], cfg["d_model"], cfg["d_k"], cfg["d_v"], cfg["codebook"],
                  cfg["block_len"], cfg["vocab"], checkpoint=checkpoint)
    trainer = Trainer(model)
    gen = torch.Generator().manual_seed(seed)
    times, ces = [], []
    for i in range(warmup + steps):
        tokens = torch.randint(3, cfg["vocab"], (batch, seq_len + 1), generator=gen)
        start = time.perf_counter()
        ces.append(trainer.step(tokens[:, :-1], tokens[:, 1:]))
        if i >= warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    params = sum(p.numel() for p in model.parameters()) + sum(
        g.c_sum.numel() + g.c_count.numel() for g in model.gaus)
    return dict(tokens_per_s=batch * seq_len / median, step_ms=1e3 * median, params=params,
                first_ce=ces[0], last_ce=ces[-1])


if __name__ == "__main__":
    # python model_torch.py CONFIG_JSON BATCH SEQ_LEN STEPS [checkpoint]: one run in a process of
    # its own (bench/run.py's memory suite reads its peak resident memory); prints the result as
    # JSON.
    config, batch, seq_len, steps = json.loads(sys.argv[1]), *map(int, sys.argv[2:5])
    torch.set_num_threads(int(config.get("threads", torch.get_num_threads())))
    print(json.dumps(tokens_per_second(config, batch, seq_len, steps, warmup=1,
                                       checkpoint="checkpoint" in sys.argv[5:])))
