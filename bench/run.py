#!/usr/bin/env python3
"""tvq's benchmark suite (`make bench`): one run on this machine, a table, bench/RESULTS.md.

Measures, all in the same run and at the same thread count:
  peak     the machine's fp32 FMA peak (bench/fma_peak.cpp) on 1 and N threads, and the
           vdpbf16ps (bf16 products, fp32 accumulation) peak where the CPU has AVX512-BF16
  gemm     the GEMM-heavy parts of an attention block compiled by tvq-compile
           (bench/modules/gemm_bench.mlir) against that peak, and PyTorch's matmul (oneDNN/MKL)
  layer    the VQ-attention layer forward (tvq.vq_quantize + tvq.vq_attention) at T = 1k..64k,
           B = 1, bench widths (models/ops/vq_attention_bench.mlir: K=128 V=256 S=512 L=M=512)
           and small widths (models/ops/vq_attention.mlir: K=32 V=48 S=64 L=M=16)
           (where the CPU has AVX512-BF16, bench widths also compiled with --cpu-matmul=bf16),
           against
           - PyTorch eager VQ attention (bench/vq_torch.py, the same algorithm)
           - PyTorch scaled_dot_product_attention, dense causal, same q/k/v shapes. Its flash
             kernel needs d_v == d_k, so v is split into d_k-wide slices (zero-padded), one call
             each ("sdpa"); the single call at d_v != d_k falls back to the O(T^2)-memory math
             kernel ("sdpa-math", only up to 8k).
  fwd+bwd  tvq.vq_attention_grad (bench/modules/vq_attention_grad_bench.mlir) vs PyTorch
           autograd through the eager VQ attention and through SDPA
  decode   the one-token step (bench/modules/vq_attention_step_bench.mlir, L=1) with a state
           that has seen 1k, 8k, 64k tokens, vs SDPA of one query over a dense cache of that size
  train    tvq-run train of the tiny model (tokens/s from its metrics)
  memory   peak resident memory and tokens/s of tiny's training step at T = 2048, batch 4 and 8,
           with and without activation recomputation (tvq-model --recompute), against PyTorch
           eager with and without torch.utils.checkpoint per GAU
Times are medians of `tvq-run bench` (whole calls: validation, checks, entry, output copy) and
of time.perf_counter around the PyTorch calls. A configuration whose predicted time exceeds
--max-seconds is skipped and reported as such.

Usage: run.py --build-dir build [--threads 2] [--max-seconds 120] [--tmax 65536] [--quick]
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import vq_torch  # noqa: E402
from attention_cost import dense_flops, sdpa_split, vq_flops  # noqa: E402

BENCH = dict(K=128, V=256, S=512, L=512)
SMALL = dict(K=32, V=48, S=64, L=16)


def log(msg):
    print(msg, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# --------------------------------------------------------------------------------------------
# Inputs and FLOP counts
# --------------------------------------------------------------------------------------------

def make_inputs(B, T, K, V, S, L, seed=0):
    rng = np.random.default_rng(seed)

    def rms(x):  # as the model feeds the layer: rmsnorm * tau^-0.5, |q| = K^0.25
        return x / np.sqrt((x * x).mean(-1, keepdims=True)) * K ** -0.25

    return dict(q=rms(rng.standard_normal((B, T, K))).astype(np.float32),
                k=rms(rng.standard_normal((B, T, K))).astype(np.float32),
                v=rng.standard_normal((B, T, V)).astype(np.float32),
                codebook=rms(rng.standard_normal((S, K))).astype(np.float32),
                u=(0.1 * rng.standard_normal(K)).astype(np.float32),
                w=(0.1 * rng.standard_normal(K)).astype(np.float32),
                r=(0.1 * rng.standard_normal((L + 1, K))).astype(np.float32))


# --------------------------------------------------------------------------------------------
# Runners
# --------------------------------------------------------------------------------------------

class Tvq:
    def __init__(self, build, workdir, threads):
        self.bin = os.path.join(build, "bin")
        self.compile = os.path.join(build, "bin", "tvq-compile")
        self.run = os.path.join(build, "bin", "tvq-run")
        self.workdir = workdir
        self.env = dict(os.environ, OMP_NUM_THREADS=str(threads))

    def build(self, src, name, extra=()):
        out = os.path.join(self.workdir, name + ".so")
        t = time.perf_counter()
        res = subprocess.run([self.compile, src, "-o", out, *extra], capture_output=True,
                             text=True)
        if res.returncode != 0:
            log("  tvq-compile %s failed: %s" % (src, res.stderr.strip()[:300]))
            return None
        log("  compiled %s in %.1f s" % (os.path.relpath(src, ROOT), time.perf_counter() - t))
        return out

    def save(self, tag, arrays):
        paths = []
        for name, a in arrays:
            p = os.path.join(self.workdir, "%s.%s.npy" % (tag, name))
            np.save(p, a)
            paths.append(p)
        return paths

    def bench(self, module, function, inputs, repeat, warmup=1):
        cmd = [self.run, "bench", module, "--function=" + function,
               "--repeat=%d" % repeat, "--warmup=%d" % warmup] + ["--input=@" + p for p in inputs]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=self.env).stdout
        return json.loads(out.strip().splitlines()[-1])

    def timed(self, module, function, inputs, budget, max_repeat=10):
        """Median ms: one call to estimate, then as many as fit in a few seconds (3..max)."""
        first = self.bench(module, function, inputs, repeat=1, warmup=0)["median_ms"]
        if first / 1e3 > budget:
            return first, 1
        repeat = int(max(3, min(max_repeat, 3.0 / max(first / 1e3, 1e-3))))
        res = self.bench(module, function, inputs, repeat=repeat, warmup=1)
        return res["median_ms"], repeat


def torch_timed(fn, budget, max_repeat=10):
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    if first > budget / 2:
        return first * 1e3, 1
    repeat = int(max(3, min(max_repeat, 3.0 / max(first, 1e-3))))
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3, repeat


class Predictor:
    """Skips a series once the next size would exceed the budget (time ~ T^power)."""

    def __init__(self, budget, power):
        self.budget, self.power, self.last = budget, power, None

    def allows(self, T):
        if self.last is None:
            return True
        T0, s0 = self.last
        return s0 * (T / T0) ** self.power <= self.budget

    def record(self, T, ms):
        self.last = (T, ms / 1e3)


# --------------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------------

def machine_info(threads):
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        flags = open("/proc/cpuinfo").read()
    except OSError:
        flags = ""
    isa = [f for f in ("avx512f", "avx512_bf16", "amx_tile", "avx2", "fma") if " %s " % f in flags]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        commit = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    except Exception:
        commit = "?"
    return dict(cpu=model, cores=os.cpu_count(), isa=" ".join(isa), mem_gib="%.0f" % mem,
                threads=threads, torch=torch.__version__, numpy=np.__version__,
                python=platform.python_version(), commit=commit,
                date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                load=" ".join("%.2f" % x for x in os.getloadavg()))


def fma_peak(workdir, threads):
    """The fp32 FMA peak {threads: GFLOP/s}, and the vdpbf16ps (bf16 products, fp32
    accumulation) peak the same way where the CPU has AVX512-BF16 (else {})."""
    exe = os.path.join(workdir, "fma_peak")
    sh(["g++", "-O3", "-march=native", "-pthread", os.path.join(HERE, "fma_peak.cpp"), "-o", exe])
    peaks, bf16 = {}, {}
    for line in sh([exe, str(threads)]).splitlines():
        d = json.loads(line)
        (bf16 if d.get("isa") == "avx512_bf16" else peaks)[d["threads"]] = d["gflops"]
    return peaks, bf16


def x16_correct(tvq, module, fn, ins, a, b, tolerance):
    """Whether @<fn>_x16 of module returns 16 a.b (float64 reference) within tolerance
    (relative to the largest element): a kernel is timed only when it computes what it claims."""
    out = os.path.join(tvq.workdir, "gemm_%s_x16.c.npy" % fn)
    sh([tvq.run, "call", module, "--function=%s_x16" % fn] + ["--input=@" + p for p in ins] +
       ["--output=@" + out], env=tvq.env)
    ref = 16 * (a.astype(np.float64) @ b.astype(np.float64))
    err = float(np.abs(np.load(out) - ref).max() / np.abs(ref).max())
    if err > tolerance:
        log("  %s_x16: relative error %.1e above %.0e: not timed" % (fn, err, tolerance))
    return err <= tolerance


def suite_gemm(tvq, peak, budget, bf16_peak=None):
    """Per part: whole calls of @scores/@values (output handling included), the kernel's own
    speed from @<part>_x16 (16 products accumulated in one call), the same in bf16 when the CPU
    has it, and PyTorch's matmul."""
    rows = []
    src = os.path.join(HERE, "modules", "gemm_bench.mlir")
    module = tvq.build(src, "gemm_bench")
    module_bf16 = tvq.build(src, "gemm_bench_bf16", ["--cpu-matmul=bf16"]) if bf16_peak else None
    rng = np.random.default_rng(1)
    for fn, (m, k, n) in (("scores", (512, 128, 1536)), ("values", (512, 1536, 256))):
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        flops = 2 * m * k * n
        ins = tvq.save("gemm_" + fn, [("a", a), ("b", b)])
        row = dict(part=fn, shape="%dx%d . %dx%d" % (m, k, k, n))
        if module:
            ms, _ = tvq.timed(module, fn, ins, budget)
            row["tvq_gflops"] = flops / ms / 1e6
            if x16_correct(tvq, module, fn, ins, a, b, 1e-4):
                ms, _ = tvq.timed(module, fn + "_x16", ins, budget)
                row["tvq_kernel_gflops"] = 16 * flops / ms / 1e6
        if module_bf16 and x16_correct(tvq, module_bf16, fn, ins, a, b, 2e-2):
            ms, _ = tvq.timed(module_bf16, fn + "_x16", ins, budget)
            row["bf16_kernel_gflops"] = 16 * flops / ms / 1e6
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        ms, _ = torch_timed(lambda: ta @ tb, budget, max_repeat=50)
        row["torch_gflops"] = flops / ms / 1e6
        row["peak"] = peak
        row["bf16_peak"] = bf16_peak
        rows.append(row)
    return rows


def suite_layer(tvq, widths, src, name, Ts, budget, with_math, bf16=False):
    """bf16: also the module compiled with --cpu-matmul=bf16 (column "tvq-bf16")."""
    K, V, S, L = widths["K"], widths["V"], widths["S"], widths["L"]
    module = tvq.build(src, name)
    module_bf16 = tvq.build(src, name + "_bf16", ["--cpu-matmul=bf16"]) if bf16 else None
    rows = []
    pred = {k: Predictor(budget, p) for k, p in
            (("tvq", 1), ("tvq-bf16", 1), ("eager", 1), ("sdpa", 2), ("sdpa-math", 2))}
    for T in Ts:
        inp = make_inputs(1, T, K, V, S, L)
        row = dict(T=T, flops_vq=vq_flops(T, K, V, S, L), flops_dense=dense_flops(T, K, V))
        if module and pred["tvq"].allows(T):
            files = tvq.save("%s_T%d" % (name, T), list(inp.items()))
            ms, _ = tvq.timed(module, "vq_attention", files, budget)
            row["tvq"] = ms
            pred["tvq"].record(T, ms)
            if module_bf16 and pred["tvq-bf16"].allows(T):
                ms, _ = tvq.timed(module_bf16, "vq_attention", files, budget)
                row["tvq-bf16"] = ms
                pred["tvq-bf16"].record(T, ms)
        t = {n: torch.from_numpy(a) for n, a in inp.items()}
        if pred["eager"].allows(T):
            with torch.no_grad():
                ms, _ = torch_timed(lambda: vq_torch.vq_layer(t["q"], t["k"], t["v"], t["codebook"],
                                                               t["u"], t["w"], t["r"], L), budget)
            row["eager"] = ms
            pred["eager"].record(T, ms)
        q4, k4, v4 = t["q"][:, None], t["k"][:, None], t["v"][:, None]
        if pred["sdpa"].allows(T):
            with torch.no_grad():
                ms, _ = torch_timed(lambda: sdpa_split(q4, k4, v4), budget)
            row["sdpa"] = ms
            pred["sdpa"].record(T, ms)
        if with_math and T <= 8192 and pred["sdpa-math"].allows(T):
            with torch.no_grad():
                ms, _ = torch_timed(lambda: torch.nn.functional.scaled_dot_product_attention(
                    q4, k4, v4, is_causal=True), budget)
            row["sdpa-math"] = ms
            pred["sdpa-math"].record(T, ms)
        rows.append(row)
        log("  T=%6d  %s" % (T, "  ".join("%s %.1f ms" % (k, row[k]) for k in
                                           ("tvq", "tvq-bf16", "eager", "sdpa", "sdpa-math")
                                           if k in row)))
        del inp
    return rows


def suite_grad(tvq, Ts, budget):
    K, V, S, L = BENCH["K"], BENCH["V"], BENCH["S"], BENCH["L"]
    module = tvq.build(os.path.join(HERE, "modules", "vq_attention_grad_bench.mlir"),
                       "vq_attention_grad_bench")
    rows = []
    pred = {k: Predictor(budget, p) for k, p in (("tvq", 1), ("eager", 1), ("sdpa", 2))}
    for T in Ts:
        inp = make_inputs(1, T, K, V, S, L)
        t = {n: torch.from_numpy(a) for n, a in inp.items()}
        codes, k_hat = vq_torch.quantize(t["k"], t["codebook"])
        d_out = torch.from_numpy(np.random.default_rng(2).standard_normal((1, T, V)).astype(np.float32))
        row = dict(T=T)
        if module and pred["tvq"].allows(T):
            files = tvq.save("grad_T%d" % T, [("q", inp["q"]), ("k_hat", k_hat.numpy()),
                                              ("codes", codes.numpy().astype(np.int32)),
                                              ("v", inp["v"]), ("codebook", inp["codebook"]),
                                              ("u", inp["u"]), ("w", inp["w"]), ("r", inp["r"]),
                                              ("d_out", d_out.numpy())])
            ms, _ = tvq.timed(module, "attention_grad", files, budget)
            row["tvq"] = ms
            pred["tvq"].record(T, ms)

        def eager():
            leaves = [x.detach().requires_grad_() for x in (t["q"], k_hat, t["v"], t["u"], t["w"], t["r"])]
            q, kh, v, u, w, r = leaves
            o = vq_torch.vq_attention(q, kh, codes, v, t["codebook"], u, w, r, L)
            o.backward(d_out)

        if pred["eager"].allows(T):
            ms, _ = torch_timed(eager, budget)
            row["eager"] = ms
            pred["eager"].record(T, ms)

        def sdpa():
            q, k, v = (x[:, None].detach().requires_grad_() for x in (t["q"], t["k"], t["v"]))
            sdpa_split(q, k, v).backward(d_out[:, None])

        if pred["sdpa"].allows(T):
            ms, _ = torch_timed(sdpa, budget)
            row["sdpa"] = ms
            pred["sdpa"].record(T, ms)
        rows.append(row)
        log("  T=%6d  %s" % (T, "  ".join("%s %.1f ms" % (k, row[k]) for k in
                                           ("tvq", "eager", "sdpa") if k in row)))
    return rows


def suite_decode(tvq, seens, budget):
    K, V, S, M = BENCH["K"], BENCH["V"], BENCH["S"], BENCH["L"]
    module = tvq.build(os.path.join(HERE, "modules", "vq_attention_step_bench.mlir"),
                       "vq_attention_step_bench")
    rng = np.random.default_rng(3)
    rows = []
    for seen in seens:
        inp = make_inputs(1, 1, K, V, S, M)
        counts = rng.multinomial(seen - M, np.ones(S) / S).astype(np.float32)
        state = [("count", counts[None]),
                 ("mean", rng.standard_normal((1, S, V)).astype(np.float32)),
                 ("win_codes", rng.integers(0, S, (1, M)).astype(np.int32)),
                 ("win_keys", inp["codebook"][rng.integers(0, S, M)][None]),
                 ("win_values", rng.standard_normal((1, M, V)).astype(np.float32)),
                 ("seen", np.array([seen], dtype=np.int64))]
        row = dict(seen=seen)
        if module:
            files = tvq.save("step_%d" % seen, list(inp.items()) + state)
            ms, _ = tvq.timed(module, "vq_attention_step", files, budget, max_repeat=100)
            row["tvq"] = ms
        q = torch.from_numpy(inp["q"])[:, None]
        kc = torch.randn(1, 1, seen, K)
        vc = torch.randn(1, 1, seen, V)
        with torch.no_grad():
            ms, _ = torch_timed(lambda: sdpa_split(q, kc, vc, causal=False), budget, max_repeat=50)
        row["sdpa"] = ms
        rows.append(row)
        log("  seen=%6d  tvq %.3f ms  sdpa %.3f ms" % (seen, row.get("tvq", float("nan")), ms))
    return rows


# The models of the training-step suite: the tiny preset and a ~20M-parameter one, with the
# batch and sequence length both sides train at.
TRAIN_MODELS = [
    dict(name="tiny", layers=2, d_model=128, d_k=32, d_v=256, codebook=64, block_len=32,
         vocab=259, batch=8, seq_len=128),
    dict(name="20m", layers=6, d_model=512, d_k=64, d_v=1024, codebook=256, block_len=64,
         vocab=259, batch=4, seq_len=256),
]


def suite_train(tvq, workdir, budget, steps=12):
    """Tokens/s of one training step (forward, backward, clipping, AdamW, codebook EMA):
    `tvq-run train` on the bundled corpus against bench/model_torch.py (PyTorch eager, the same
    network and update) at the same batch, sequence length and thread count. Both: the median
    over `steps` steps after warm-up."""
    import model_torch
    corpus = os.path.join(ROOT, "data", "kjv.txt")
    rows = []
    for cfg in TRAIN_MODELS:
        row = dict(cfg)
        src = os.path.join(workdir, "train_%s.mlir" % cfg["name"])
        flags = ["--name=" + cfg["name"]] + ["--%s=%d" % (k.replace("_", "-"), cfg[k]) for k in
                                            ("layers", "d_model", "d_k", "d_v", "codebook",
                                             "block_len", "vocab")]
        sh([os.path.join(tvq.bin, "tvq-model")] + flags + ["-o", src])
        start = time.perf_counter()
        module = tvq.build(src, "train_%s" % cfg["name"], ["--entries=train_step,eval_loss"])
        row["compile_s"] = time.perf_counter() - start
        if module is None:
            row["error"] = "does not compile"
        else:
            out = os.path.join(workdir, "train_run_%s" % cfg["name"])
            shutil.rmtree(out, ignore_errors=True)
            cmd = [tvq.run, "train", module, "--data", corpus, "--steps", str(steps + 2),
                   "--batch", str(cfg["batch"]), "--seq-len", str(cfg["seq_len"]), "--out", out,
                   "--log-every", "1", "--checkpoint-every", "0"]
            res = subprocess.run(cmd, capture_output=True, text=True, env=tvq.env,
                                 timeout=budget * 10)
            if res.returncode != 0:
                row["error"] = res.stderr.strip()[:300]
            else:
                lines = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
                speeds = sorted(d["tokens_per_s"] for d in lines[2:])
                row["tvq"] = speeds[len(speeds) // 2]
                row["params"] = int(re.search(r"(\d+) parameters", res.stdout).group(1))
        peer = model_torch.tokens_per_second(cfg, cfg["batch"], cfg["seq_len"], steps)
        row["torch"] = peer["tokens_per_s"]
        row["torch_params"] = peer["params"]
        rows.append(row)
        log("  %s: tvq %s tok/s (compile %.0f s), torch eager %.0f tok/s" % (
            cfg["name"], "%.0f" % row["tvq"] if "tvq" in row else row.get("error"),
            row["compile_s"], row["torch"]))
    return rows


MEMORY_BATCHES = (4, 8)
MEMORY_SEQ_LEN = 2048


# Runs argv[1:] as a grandchild of a small process and prints its peak resident memory last:
# a process forked from this one (with torch loaded) would report at least this one's resident
# memory (Linux carries the high-water mark across fork and exec).
_RESIDENT_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print("peak_resident_kib %d" % usage.ru_maxrss, flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_resident(cmd, env=None):
    """Runs `cmd`; returns (exit code, its output, its peak resident memory in bytes)."""
    res = subprocess.run([sys.executable, "-c", _RESIDENT_WRAPPER] + cmd, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = res.stdout.rstrip("\n").split("\n")
    kib = int(lines[-1].split()[1]) if lines[-1].startswith("peak_resident_kib ") else 0
    return res.returncode, "\n".join(lines[:-1]), kib * 1024


def suite_memory(tvq, workdir, steps=3):
    """Training-step memory and speed with and without activation recomputation: tvq (the tiny
    model as tvq-model writes it, and with --recompute) against PyTorch eager (bench/model_torch.py,
    and with torch.utils.checkpoint around each GAU). Each run is a process of its own; its peak
    resident memory at batch 4 and 8 of T = 2048 gives the memory one more sequence costs (the
    difference / 4: activations and temporaries; code, parameters, optimizer state and libraries
    cancel). Tokens/s: median over the steps after the first, at batch 8."""
    cfg = dict(TRAIN_MODELS[0])
    corpus = os.path.join(ROOT, "data", "kjv.txt")
    rows = []
    for name, extra in (("tvq", []), ("tvq --recompute", ["--recompute"])):
        src = os.path.join(workdir, "memory_%d.mlir" % len(rows))
        flags = ["--name=memory"] + ["--%s=%d" % (k.replace("_", "-"), cfg[k]) for k in
                                     ("layers", "d_model", "d_k", "d_v", "codebook",
                                      "block_len", "vocab")]
        sh([os.path.join(tvq.bin, "tvq-model")] + flags + extra + ["-o", src])
        module = tvq.build(src, "memory_%d" % len(rows), ["--entries=train_step,eval_loss"])
        row = dict(variant=name, rss={}, tok_s=None)
        for batch in MEMORY_BATCHES:
            out = os.path.join(workdir, "memory_run")
            shutil.rmtree(out, ignore_errors=True)
            rc, text, rss = peak_resident(
                [tvq.run, "train", module, "--data", corpus, "--steps", str(steps + 1),
                 "--batch", str(batch), "--seq-len", str(MEMORY_SEQ_LEN), "--out", out,
                 "--log-every", "1", "--checkpoint-every", "0"], env=tvq.env)
            if rc != 0:
                row["error"] = text.strip()[-300:]
                break
            row["rss"][batch] = rss
            lines = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
            speeds = sorted(d["tokens_per_s"] for d in lines[1:])
            row["tok_s"] = speeds[len(speeds) // 2]
            row["first_loss"] = lines[0]["loss"]
        rows.append(row)
    for name, extra in (("PyTorch eager", []), ("PyTorch, checkpoint per GAU", ["checkpoint"])):
        row = dict(variant=name, rss={}, tok_s=None)
        for batch in MEMORY_BATCHES:
            config = dict(cfg, threads=tvq.env["OMP_NUM_THREADS"])
            rc, text, rss = peak_resident(
                [sys.executable, os.path.join(HERE, "model_torch.py"), json.dumps(config),
                 str(batch), str(MEMORY_SEQ_LEN), str(steps)] + extra)
            if rc != 0:
                row["error"] = text.strip()[-300:]
                break
            row["rss"][batch] = rss
            row["tok_s"] = json.loads(text.strip().splitlines()[-1])["tokens_per_s"]
        rows.append(row)
    small, big = MEMORY_BATCHES
    for row in rows:
        if len(row["rss"]) == 2:
            row["per_seq"] = (row["rss"][big] - row["rss"][small]) / (big - small)
        log("  %s: %s" % (row["variant"], row.get("error") or
                          "peak RSS %s MB, %.1f MB per sequence, %.0f tok/s" % (
                              " / ".join("%.0f" % (row["rss"][b] / 1e6) for b in MEMORY_BATCHES),
                              row["per_seq"] / 1e6, row["tok_s"])))
    return rows


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def fmt_ms(x):
    return "–" if x is None else ("%.1f" % x if x >= 10 else "%.2f" % x)


def ratio(a, b):
    return "–" if a is None or b is None else "%.1fx" % (a / b)


def report(info, args, peaks, gemm, layers, grad, decode, train, elapsed, bf16_peaks=None,
           memory=None):
    n = args.threads
    lines = []
    lines.append("# tvq benchmark results\n")
    lines.append("Written by `make bench` (bench/run.py); do not edit by hand — the optimization log "
                 "at the end comes from bench/optimizations.md, the H200 section after it from bench/H200.md.\n")
    lines.append("| | |\n|---|---|")
    for k in ("date", "commit", "cpu", "cores", "isa", "mem_gib", "threads", "torch", "numpy", "load"):
        lines.append("| %s | %s |" % (k, info[k]))
    lines.append("| command | `%s` |" % " ".join(["bench/run.py"] + sys.argv[1:]))
    lines.append("| wall time | %.0f s |" % elapsed)
    lines.append("")
    lines.append("`load` is the 1/5/15-minute load average when the run started: other processes on "
                 "the machine share its %d cores, so numbers are noisy (±10%% or more)." % info["cores"])
    lines.append("")
    lines.append("## FMA peak and GEMM-heavy parts\n")
    lines.append("Measured FMA peak (bench/fma_peak.cpp): " +
                 ", ".join("%.0f GFLOP/s on %d thread%s" % (g, t, "s" if t > 1 else "")
                           for t, g in sorted(peaks.items())) +
                 ("; bf16 dot-product peak (vdpbf16ps, fp32 accumulation): " +
                  ", ".join("%.0f GFLOP/s on %d thread%s" % (g, t, "s" if t > 1 else "")
                            for t, g in sorted(bf16_peaks.items())) if bf16_peaks else "") +
                 ".\n")
    lines.append("`per call`: whole `tvq-run bench` calls of `@scores` / `@values` "
                 "(bench/modules/gemm_bench.mlir); the output (3 MB for `scores`, 0.5 MB for "
                 "`values`) is allocated, zero-filled, written and copied out by the runtime in "
                 "every call, which `scores` (K = 128: 256 FLOPs per output element) cannot "
                 "amortize. `kernel`: `@scores_x16` / `@values_x16`, the same product accumulated "
                 "16 times into one output in one call (checked against 16 a.b in float64 first: "
                 "1e-4 relative for f32, 2e-2 for bf16), so the compiled GEMM's own speed shows. "
                 "`bf16`: that module compiled with `--cpu-matmul=bf16`, against the bf16 "
                 "dot-product peak.\n")
    lines.append("| part | shape | tvq per call GFLOP/s | tvq kernel GFLOP/s | kernel %% of FMA peak "
                 "(%d thr) | tvq bf16 kernel GFLOP/s | %% of bf16 peak | PyTorch matmul GFLOP/s |" % n)
    lines.append("|---|---|---|---|---|---|---|---|")

    def cell(v, fmt="%.0f"):
        return "–" if v is None else fmt % v

    for r in gemm:
        kg, bg = r.get("tvq_kernel_gflops"), r.get("bf16_kernel_gflops")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %.0f |" % (
            r["part"], r["shape"], cell(r.get("tvq_gflops")), cell(kg),
            cell(None if kg is None else 100 * kg / r["peak"], "%.0f%%"), cell(bg),
            cell(None if bg is None or not r.get("bf16_peak") else 100 * bg / r["bf16_peak"],
                 "%.0f%%"),
            r["torch_gflops"]))
    lines.append("")
    for title, key in (("bench widths (K=128, V=256, S=512, L=M=512)", "bench"),
                       ("small widths (K=32, V=48, S=64, L=M=16)", "small")):
        rows = layers.get(key, [])
        if not rows:
            continue
        lines.append("## VQ-attention layer forward, %s, B=1, %d threads\n" % (title, n))
        lines.append("Times in ms (median). tok/s = T / time. `eager`: bench/vq_torch.py; `sdpa`: "
                     "dense causal SDPA (flash kernel, v in d_k slices); `sdpa-math`: one SDPA call "
                     "(math kernel at d_v != d_k). GFLOP/s: tvq's contraction FLOPs / time.\n")
        with_bf16 = any("tvq-bf16" in r for r in rows)
        if with_bf16:
            lines.append("`tvq bf16 ms`: the same module compiled with `--cpu-matmul=bf16` (bf16 "
                         "operands, f32 accumulation with vdpbf16ps; bench/optimizations.md row "
                         "5).\n")
        bf16_head = " tvq bf16 ms |" if with_bf16 else ""
        lines.append("| T | tvq ms | tvq tok/s | tvq GFLOP/s |%s eager ms | sdpa ms | sdpa-math ms | "
                     "sdpa / tvq | eager / tvq |" % bf16_head)
        lines.append("|---|---|---|---|%s---|---|---|---|---|" % ("---|" if with_bf16 else ""))
        for r in rows:
            tv = r.get("tvq")
            bf16_cell = " %s |" % fmt_ms(r.get("tvq-bf16")) if with_bf16 else ""
            lines.append("| %d | %s | %s | %s |%s %s | %s | %s | %s | %s |" % (
                r["T"], fmt_ms(tv), "–" if tv is None else "%.0f" % (r["T"] / tv * 1e3),
                "–" if tv is None else "%.0f" % (r["flops_vq"] / tv / 1e6), bf16_cell,
                fmt_ms(r.get("eager")), fmt_ms(r.get("sdpa")), fmt_ms(r.get("sdpa-math")),
                ratio(r.get("sdpa"), tv), ratio(r.get("eager"), tv)))
        lines.append("")
    if grad:
        lines.append("## Forward + backward, bench widths, B=1\n")
        lines.append("tvq: `tvq.vq_attention_grad` (its lowering recomputes the forward); eager: "
                     "autograd through bench/vq_torch.py's attention (codes fixed); sdpa: autograd "
                     "through the flash SDPA calls.\n")
        lines.append("| T | tvq ms | tvq tok/s | eager ms | sdpa ms | sdpa / tvq | eager / tvq |")
        lines.append("|---|---|---|---|---|---|---|")
        for r in grad:
            tv = r.get("tvq")
            lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
                r["T"], fmt_ms(tv), "–" if tv is None else "%.0f" % (r["T"] / tv * 1e3),
                fmt_ms(r.get("eager")), fmt_ms(r.get("sdpa")), ratio(r.get("sdpa"), tv),
                ratio(r.get("eager"), tv)))
        lines.append("")
    if decode:
        lines.append("## Generation: one token, bench widths (layer step, L=1, M=512)\n")
        lines.append("ms per token with a state that has seen N tokens; sdpa: one query against a "
                     "dense cache of N keys and values.\n")
        lines.append("| seen | tvq ms/token | sdpa ms/token |")
        lines.append("|---|---|---|")
        for r in decode:
            lines.append("| %d | %s | %s |" % (r["seen"], "%.3f" % r["tvq"] if "tvq" in r else "–",
                                               "%.3f" % r["sdpa"]))
        lines.append("")
    if train:
        lines.append("## Training step (forward, backward, clipping, AdamW, codebook EMA), "
                     "%d threads\n" % n)
        lines.append("tvq: `tvq-run train` of the model tvq-model writes with these sizes (train_step and eval_loss "
                     "only), on data/kjv.txt; PyTorch: bench/model_torch.py, the same network and "
                     "update in eager mode on random bytes. Median tokens/s over 12 steps after 2 "
                     "warm-up steps, same batch and sequence length.\n")
        lines.append("| model | parameters | layers / D / K / V / S / L | batch x T | tvq tok/s | "
                     "PyTorch eager tok/s | tvq / eager | tvq compile s |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for r in train:
            tv = r.get("tvq")
            lines.append("| %s | %s | %d / %d / %d / %d / %d / %d | %d x %d | %s | %.0f | %s | %.0f |" % (
                r["name"], "{:,}".format(r.get("params", r["torch_params"])), r["layers"],
                r["d_model"], r["d_k"], r["d_v"], r["codebook"], r["block_len"], r["batch"],
                r["seq_len"], "%.0f" % tv if tv else r.get("error", "–"), r["torch"],
                ratio(r["torch"] and 1 / r["torch"], tv and 1 / tv), r["compile_s"]))
        lines.append("")
    if memory:
        small, big = MEMORY_BATCHES
        lines.append("## Training-step memory with and without activation recomputation, "
                     "%d threads\n" % n)
        lines.append("The tiny model (as in the table above) at batch %d and %d x T = %d: tvq "
                     "`tvq-run train` of the model tvq-model writes, and with `--recompute` (each "
                     "GAU's forward again in the backward); PyTorch: bench/model_torch.py eager, and "
                     "with `torch.utils.checkpoint` around each GAU. `peak RSS`: the process's peak "
                     "resident memory; `per sequence`: its growth from batch %d to %d divided by %d "
                     "(activations and temporaries; code, parameters, optimizer state and libraries "
                     "cancel). Tokens/s: median step at batch %d.\n"
                     % (small, big, MEMORY_SEQ_LEN, small, big, big - small, big))
        lines.append("| variant | peak RSS batch %d MB | peak RSS batch %d MB | per sequence MB | "
                     "per sequence vs PyTorch eager | tok/s | tok/s vs PyTorch eager |"
                     % (small, big))
        lines.append("|---|---|---|---|---|---|---|")
        eager = next((r for r in memory if r["variant"] == "PyTorch eager"), {})
        for r in memory:
            if "per_seq" not in r:
                lines.append("| %s | %s | | | | | |" % (r["variant"], r.get("error", "–")))
                continue
            lines.append("| %s | %.0f | %.0f | %.1f | %s | %.0f | %s |" % (
                r["variant"], r["rss"][small] / 1e6, r["rss"][big] / 1e6, r["per_seq"] / 1e6,
                "%.2fx" % (r["per_seq"] / eager["per_seq"]) if eager.get("per_seq") else "–",
                r["tok_s"],
                "%.2fx" % (r["tok_s"] / eager["tok_s"]) if eager.get("tok_s") else "–"))
        lines.append("")
    lines.append("## Issue-5 targets (bench widths, %d threads)\n" % n)
    lines.append(targets(layers.get("bench", []), gemm, decode, train))
    opt = os.path.join(HERE, "optimizations.md")
    if os.path.exists(opt):
        lines.append("")
        lines.append(open(opt).read().strip())
    # The GPU results come from the lent machine (bench/H200.md), not this run.
    gpu = os.path.join(HERE, "H200.md")
    if os.path.exists(gpu):
        lines.append("")
        lines.append(open(gpu).read().strip())
    return "\n".join(lines) + "\n"


def targets(rows, gemm, decode, train):
    by_t = {r["T"]: r for r in rows}
    out = ["| target | measured | met |", "|---|---|---|"]

    def speedup(T):
        r = by_t.get(T, {})
        dense = r.get("sdpa")
        if r.get("sdpa-math") is not None:
            dense = min(dense, r["sdpa-math"]) if dense is not None else r["sdpa-math"]
        return None if dense is None or r.get("tvq") is None else dense / r["tvq"]

    for T, goal in ((8192, 3), (32768, 12)):
        s = speedup(T)
        out.append("| VQ ≥ %dx faster than dense SDPA at %dk | %s | %s |" % (
            goal, T // 1024, "–" if s is None else "%.2fx" % s,
            "–" if s is None else ("yes" if s >= goal else "no")))
    a, b = by_t.get(2048, {}).get("tvq"), by_t.get(32768, {}).get("tvq")
    if a and b:
        tps2, tps32 = 2048 / a, 32768 / b
        out.append("| tokens/s at 32k within 15%% of 2k | %.0f vs %.0f tok/s (%.0f%%) | %s |" % (
            tps32 * 1e3, tps2 * 1e3, 100 * tps32 / tps2, "yes" if tps32 >= 0.85 * tps2 else "no"))
    for r in gemm:
        if r.get("tvq_kernel_gflops"):
            f = r["tvq_kernel_gflops"] / r["peak"]
            out.append("| GEMM part `%s` ≥ 60%% of FMA peak (kernel, f32) | %.0f%% (per call: "
                       "%.0f%%) | %s |" % (r["part"], 100 * f, 100 * r["tvq_gflops"] / r["peak"],
                                           "yes" if f >= 0.6 else "no"))
    if decode and all("tvq" in r for r in decode):
        lo, hi = decode[0]["tvq"], decode[-1]["tvq"]
        out.append("| decode time per token flat 1k→64k | %.3f → %.3f ms (x%.2f) | %s |" % (
            lo, hi, hi / lo, "yes" if hi <= 1.15 * lo else "no"))
    for r in train or []:
        if r.get("tvq"):
            out.append("| training step faster than PyTorch eager (%s) | %.0f vs %.0f tok/s (%.1fx) "
                       "| %s |" % (r["name"], r["tvq"], r["torch"], r["tvq"] / r["torch"],
                                   "yes" if r["tvq"] > r["torch"] else "no"))
    if not train:
        out.append("| training step faster than PyTorch eager | not measured | – |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-seconds", type=float, default=120.0,
                    help="skip a configuration whose predicted single call exceeds this")
    ap.add_argument("--tmax", type=int, default=65536)
    ap.add_argument("--quick", action="store_true", help="T up to 4k, fewer suites (a smoke test)")
    ap.add_argument("--results", default=None,
                    help="report file (default bench/RESULTS.md; with --suites, "
                    "bench/out/RESULTS.partial.md)")
    ap.add_argument("--suites", default="gemm,layer,grad,decode,train,memory",
                    help="comma-separated subset of gemm,layer,grad,decode,train,memory")
    args = ap.parse_args()
    suites = set(args.suites.split(","))
    if args.results is None:
        full = suites >= {"gemm", "layer", "grad", "decode", "train", "memory"} and not args.quick
        args.results = os.path.join(HERE, "RESULTS.md" if full else "out/RESULTS.partial.md")
    if args.quick:
        args.tmax = min(args.tmax, 4096)
    torch.set_num_threads(args.threads)
    workdir = os.path.join(HERE, "out")
    os.makedirs(workdir, exist_ok=True)
    start = time.perf_counter()
    info = machine_info(args.threads)
    log("tvq bench: %s, %s cores, %s threads, load %s, torch %s" % (
        info["cpu"], info["cores"], args.threads, info["load"], info["torch"]))
    tvq = Tvq(args.build_dir, workdir, args.threads)
    budget = args.max_seconds
    Ts = [T for T in (1024, 2048, 4096, 8192, 16384, 32768, 65536) if T <= args.tmax]

    log("peak:")
    peaks, bf16_peaks = fma_peak(workdir, args.threads)
    log("  " + ", ".join("%d thr %.0f GFLOP/s" % kv for kv in sorted(peaks.items())))
    if bf16_peaks:
        log("  bf16 (vdpbf16ps): " +
            ", ".join("%d thr %.0f GFLOP/s" % kv for kv in sorted(bf16_peaks.items())))
    peak = peaks[max(peaks)]
    gemm = []
    if "gemm" in suites:
        log("gemm:")
        gemm = suite_gemm(tvq, peak, budget, bf16_peaks[max(bf16_peaks)] if bf16_peaks else None)
    for r in gemm:
        log("  %s %s: tvq %s GFLOP/s per call, kernel %s, bf16 kernel %s; torch %.0f" % (
            r["part"], r["shape"], *("%.0f" % r[k] if k in r else "–"
                                     for k in ("tvq_gflops", "tvq_kernel_gflops",
                                               "bf16_kernel_gflops")),
            r["torch_gflops"]))
    layers = {}
    if "layer" in suites:
        log("layer forward, bench widths:")
        layers["bench"] = suite_layer(tvq, BENCH, os.path.join(ROOT, "models", "ops",
                                                               "vq_attention_bench.mlir"),
                                      "vq_attention_bench", Ts, budget, with_math=True,
                                      bf16=bool(bf16_peaks))
        log("layer forward, small widths:")
        layers["small"] = suite_layer(tvq, SMALL, os.path.join(ROOT, "models", "ops",
                                                               "vq_attention.mlir"),
                                      "vq_attention_small", Ts, budget, with_math=False)
    grad = decode = train = memory = None
    if not args.quick:
        if "grad" in suites:
            log("forward+backward, bench widths:")
            grad = suite_grad(tvq, Ts, budget)
        if "decode" in suites:
            log("decode:")
            decode = suite_decode(tvq, [s for s in (1024, 8192, 65536)], budget)
        if "train" in suites:
            log("train:")
            train = suite_train(tvq, workdir, budget)
        if "memory" in suites:
            log("memory:")
            memory = suite_memory(tvq, workdir)
    text = report(info, args, peaks, gemm, layers, grad, decode, train, time.perf_counter() - start,
                  bf16_peaks, memory)
    with open(args.results, "w") as f:
        f.write(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
