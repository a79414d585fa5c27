"""PyTorch peers of the GPU check (bench/gpu_check.py), on the GPU machine's CUDA device.

  gemm_peak()            bf16 torch.matmul 8192 x 8192 x 8192: the "% of peak" reference
  sdpa_time(T, K, V, dtype, backward)
                         dense causal scaled_dot_product_attention at the VQ layer's shapes
                         ([1, 1, T, K] queries and keys, V-wide values), restricted to the flash
                         backend (torch.nn.attention.sdpa_kernel(SDPBackend.FLASH_ATTENTION)).
                         Flash needs d_v == d_k, so v goes in K-wide slices, one call each (as
                         bench/run.py does on the CPU). Flash has no fp32 kernel: in fp32 the call
                         is tried with flash first and, when PyTorch refuses, with the
                         memory-efficient backend, and the result names the backend used.
  train_tokens_per_s(cfg, batch, seq_len)
                         bench/model_torch.py (the same network and update as tvq-model's
                         train_step, PyTorch eager) on CUDA, float32

Times are medians over CUDA-event-timed calls after one warm-up call. GPU_PEERS_DEVICE=cpu runs
the same code on the CPU (wall-clock timing): a test of this file without a GPU, nothing more.
"""
import os
import sys
import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from attention_cost import sdpa_split  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32, "fp16": torch.float16}
DEVICE = os.environ.get("GPU_PEERS_DEVICE", "cuda")


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def empty_cache():
    if DEVICE == "cuda":
        torch.cuda.empty_cache()


def cuda_ms(fn, budget=10.0, max_repeat=20, min_repeat=3):
    """Median ms of fn() (CUDA events), after one warm-up call; as many calls as fit the budget."""
    sync()
    t = time.perf_counter()
    fn()
    sync()
    first = time.perf_counter() - t
    repeat = int(max(1 if first * min_repeat > budget else min_repeat,
                     min(max_repeat, budget / 2 / max(first, 1e-4))))
    times = []
    for _ in range(repeat):
        if DEVICE != "cuda":
            t = time.perf_counter()
            fn()
            times.append(1e3 * (time.perf_counter() - t))
            continue
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2], repeat


def gemm_peak(n=8192, dtype="bf16"):
    a = torch.randn(n, n, device=DEVICE, dtype=DTYPES[dtype])
    b = torch.randn(n, n, device=DEVICE, dtype=DTYPES[dtype])
    for _ in range(3):
        a @ b
    ms, repeat = cuda_ms(lambda: a @ b, budget=5.0, max_repeat=20)
    del a, b
    empty_cache()
    return dict(n=n, dtype=dtype, ms=ms, repeat=repeat, tflops=2 * n ** 3 / ms / 1e9)


def sdpa_time(T, K, V, dtype="bf16", backward=False, budget=10.0, B=1, H=1):
    """{ms, backend, repeat}: forward (no grad) or forward + backward of causal SDPA."""
    dt = DTYPES[dtype]
    g = torch.Generator(device=DEVICE).manual_seed(T)
    q = torch.randn(B, H, T, K, device=DEVICE, dtype=dt, generator=g) * K ** -0.25
    k = torch.randn(B, H, T, K, device=DEVICE, dtype=dt, generator=g) * K ** -0.25
    v = torch.randn(B, H, T, V, device=DEVICE, dtype=dt, generator=g)
    d_out = torch.randn(B, H, T, V, device=DEVICE, dtype=dt, generator=g)
    if backward:
        q.requires_grad_()
        k.requires_grad_()
        v.requires_grad_()

    def fwd():
        with torch.no_grad():
            sdpa_split(q, k, v)

    def fwd_bwd():
        q.grad = k.grad = v.grad = None
        sdpa_split(q, k, v).backward(d_out)

    fn = fwd_bwd if backward else fwd
    errors = []
    for name, backend in (("flash", SDPBackend.FLASH_ATTENTION),
                          ("efficient", SDPBackend.EFFICIENT_ATTENTION)):
        try:
            with sdpa_kernel(backend):
                ms, repeat = cuda_ms(fn, budget=budget)
            return dict(ms=ms, backend=name, repeat=repeat,
                        note="; ".join(errors) if errors else "")
        except RuntimeError as e:
            errors.append("%s: %s" % (name, str(e).splitlines()[0][:160]))
            if dt != torch.float32:
                break  # bf16 must run on flash: no fallback
    raise RuntimeError("; ".join(errors))


def train_tokens_per_s(cfg, batch, seq_len, budget=60.0, steps=4, warmup=1, seed=0):
    """tokens/s of bench/model_torch.py's training step on CUDA (float32, eager)."""
    import model_torch
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = model_torch.Model(cfg["layers"], cfg["d_model"], cfg["d_k"], cfg["d_v"],
                              cfg["codebook"], cfg["block_len"], cfg["vocab"]).to(DEVICE)
    trainer = model_torch.Trainer(model)
    gen = torch.Generator(device=DEVICE).manual_seed(seed)
    times = []
    for i in range(warmup + steps):
        tokens = torch.randint(3, cfg["vocab"], (batch, seq_len + 1), generator=gen, device=DEVICE)
        sync()
        t = time.perf_counter()
        trainer.step(tokens[:, :-1], tokens[:, 1:])
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget:
            break
    if not times:
        raise RuntimeError("no timed step within %.0f s" % budget)
    times.sort()
    median = times[len(times) // 2]
    del model, trainer
    empty_cache()
    return dict(tokens_per_s=batch * seq_len / median, step_ms=1e3 * median, steps=len(times))
