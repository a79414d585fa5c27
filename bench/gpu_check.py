#!/usr/bin/env python3
"""The GPU check (issue 4 section 3): a kit prepared here, run on a lent GPU machine.

The GPU machine has an NVIDIA GPU, bash, python3, numpy and PyTorch, but no LLVM/MLIR and none of
our shared libraries. Everything of ours is therefore compiled here and carried there in a kit
directory (at most 64 MiB):

  prepare KIT [--tiny-only] [--seed N] [--enwik8-layers N]   (scripts/gpu-prepare.sh)
      compiles every module twice, as CUDA (PTX for sm_90a, --target=cuda) and as CPU code for
      x86-64-v3 (the reference), copies tvq-run, libtvq_runtime.so and every non-system shared
      library they and the CPU modules load (ldd), writes seeded random inputs (.npy) and
      manifest.json (every file with its size and sha256, the checks, the training runs, the
      benchmark plan), and xz-compresses the files that shrink.
  check KIT [--dry-run] [--out DIR] [--budget SECONDS]        (scripts/gpu-check.sh)
      a. environment   nvidia-smi, driver, torch, the kit's tvq-run and its libraries
      b. correctness   every CUDA module entry against the CPU module of the same model on the
                       same inputs (tvq-run call), output by output; also the tiny (micro) model
                       compiled with --cuda-gemm=kernels (the generated shared-memory tiles, f32)
                       and with --cuda-matmul=bf16 besides (the tiles on tensor cores), and
                       with --cuda-attention=fused (the fused attention kernel) and =softmax
                       (the weights kernel, then products; both also the layer's op module),
                       against the same model's CPU module
      c. training      tvq-run train of the tiny and the enwik8-size model on the CUDA and the CPU
                       module, loss curves compared step by step
      d. benchmarks    tvq-run bench of the VQ-attention layer forward (generic kernels, the
                       fused attention kernel, the softmax-weights kernel) and forward+backward at
                       T = 2k..131k against PyTorch flash SDPA (bf16, fp32), the bf16 GEMM peak,
                       and the enwik8-size training step in tokens/s (also with the tiles, the
                       fused kernel and the softmax-weights kernel)
      e. NCCL          tvq-run train --comm=nccl (the gradients of 2 micro-batches summed by
                       NCCL through the GPU; libnccl.so.2 from PyTorch's wheel or the loader
                       cache, else SKIPPED) against --comm=mpi, losses and final checkpoint
                       within 1e-5; 2 ranks (mpirun -np 2) only with mpirun and 2 GPUs
      Each section has a time budget (unused time passes to the next); a section that fails or
      runs out of time does not stop the others; the tables are printed as they fill and
      written to OUT (gpu-check.json, gpu-check.md, the training metrics). Exit status 1 when a
      correctness or training comparison failed, 2 when the kit is unusable.
      --dry-run runs everything up to the point of needing CUDA (works without a GPU): validates
      the manifest and every file, runs the CPU half of every check and training run, expects
      every CUDA call to fail cleanly (tvq-run: error: no CUDA driver ...) and prints the plan.

Tolerances (relative error = max|cuda - cpu| / max|cpu| over a whole output):
  forward entries (vq_attention, eval_loss, decode_step, the decode step op)  1e-4
  gradient entries (attention_grad) and train_step outputs                  1e-3
  train_step: the update itself (new - old, params and moments)             1e-2
  integer outputs (codes, window codes)  exact, up to max(1, 0.1%) differing elements reported as
                                         near-tie flips (verified as ties where k and the codebook
                                         are inputs); i64 outputs (seen) exact
  training losses (ce per step)  step 1: 1e-4, steps 2-10: 1e-3, later steps: 1e-2
  the bf16 tiles' variant (eval_loss against the f32 CPU module)           3e-2
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import lzma
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from attention_cost import dense_flops, vq_flops  # noqa: E402
FORMAT = 1
KIT_LIMIT = 64 * 2**20          # what the device tool carries
KIT_TARGET = 60 * 2**20         # what prepare allows itself
CORPUS = "data/kjv.txt"

TOL = {"forward": 1e-4, "grad": 1e-3, "train": 1e-3}
UPDATE_TOL = 1e-2
# The bf16 tiles' variant against the f32 CPU module: bf16's rounding of the products' operands
# (observed on cuda-sim: 1.1e-3 on the training metrics, 6.5e-3 of a checkpoint tensor's scale).
BF16_TILES_TOL = 3e-2
FLIP_FRACTION = 1e-3


def loss_tol(step):
    return 1e-4 if step <= 1 else (1e-3 if step <= 10 else 1e-2)


# Libraries every Linux machine has (glibc); everything else ldd shows goes into the kit.
# libstdc++ and libgcc_s go into lib/compat, used only where the system's are too old.
SYSTEM_LIBS = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so",
               "librt.so", "libresolv.so", "libutil.so")
COMPAT_LIBS = ("libstdc++.so", "libgcc_s.so")

BENCH_T = (2048, 8192, 32768, 131072)

# The split training step, which data-parallel runs and --accum use: the NCCL section sums its
# gradients with --comm=nccl.
SPLIT_ENTRIES = ["train_grads", "apply_update"]
NCCL_TOL = 1e-5


def log(msg=""):
    print(msg, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mib(n):
    return "%.1f MiB" % (n / 2**20)


def fmt_s(s):
    return "%.1f s" % s if s < 100 else "%dm%02ds" % (s // 60, s % 60)


# ----------------------------------------------------------------------------------------------
# tvq-run: signatures, calls
# ----------------------------------------------------------------------------------------------

DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64,
          "u8": np.uint8, "i8": np.int8, "u16": np.uint16, "bf16": None, "f16": np.float16}
ARG_RE = re.compile(r"([^\s:(),]+): (\w+)\[([^\]]*)\]")


def parse_args_list(text):
    return [dict(name=m.group(1), dtype=m.group(2),
                 shape=[None if d == "?" else int(d) for d in m.group(3).split(",") if d])
            for m in ARG_RE.finditer(text)]


def parse_info(text):
    """{entry: {inputs: [...], outputs: [...]}} from `tvq-run info`."""
    entries = {}
    for line in text.splitlines():
        m = re.match(r"entry ([\w.]+)\((.*)\) -> (.*)$", line)
        if m:
            entries[m.group(1)] = dict(inputs=parse_args_list(m.group(2)),
                                       outputs=parse_args_list(m.group(3)))
    return entries


class TvqRun:
    """tvq-run with the kit's libraries (LD_LIBRARY_PATH; nothing installed)."""

    def __init__(self, exe, libdirs=(), threads=None):
        self.exe = exe
        self.env = dict(os.environ)
        if libdirs:
            self.env["LD_LIBRARY_PATH"] = ":".join(
                list(libdirs) + ([self.env["LD_LIBRARY_PATH"]] if self.env.get("LD_LIBRARY_PATH")
                                 else []))
        if threads:
            self.env["OMP_NUM_THREADS"] = str(threads)
        self.has_device_flag = None
        self.force_target = None
        # --profile: where the runtime's TVQ_CUDA_PROFILE reports go
        self.profile_log = None

    def run(self, args, timeout=None, cwd=None):
        """(rc, stdout, stderr, seconds); rc 124 on timeout."""
        start = time.perf_counter()
        try:
            res = subprocess.run([self.exe] + args, capture_output=True, text=True, env=self.env,
                                 timeout=timeout, cwd=cwd)
            marker = "tvq runtime: CUDA profile"
            if self.profile_log and marker in res.stderr:
                with open(self.profile_log, "a") as f:
                    f.write("$ tvq-run %s\n%s\n" % (" ".join(os.path.basename(a) for a in args),
                                                   res.stderr[res.stderr.index(marker):]))
            return res.returncode, res.stdout, res.stderr, time.perf_counter() - start
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            return 124, out, "timed out after %.0f s" % timeout, time.perf_counter() - start

    def device_args(self, target):
        """--device=cpu|cuda where this tvq-run has the flag (the default is the module's
        target, which is what every call here wants anyway)."""
        if self.force_target:
            target = self.force_target
        if self.has_device_flag is None:
            rc, out, err, _ = self.run(["--help"], timeout=30)
            self.has_device_flag = "--device" in out + err
        return ["--device=" + target] if self.has_device_flag else []

    def info(self, module):
        rc, out, err, _ = self.run(["info", module], timeout=120)
        if rc != 0:
            raise RuntimeError("tvq-run info %s: %s" % (module, err.strip()))
        return parse_info(out)


def first_error_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if "error" in line:
            return line.strip()
    return lines[-1].strip() if lines else ""


def short_error(line):
    """tvq-run's error without the module path: 'no CUDA driver: cannot load libcuda.so.1'."""
    m = re.search(r"no CUDA driver: cannot load \S+", line)
    if m:
        return m.group(0)
    return re.sub(r"^tvq-run: error: cannot load module '[^']*': ", "", line)


def clean_failure(rc, err):
    """A CUDA call on a machine without a GPU must fail with tvq-run's own error."""
    return rc not in (0, 124) and rc > 0 and "tvq-run: error:" in err


# ----------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------

def rms(x, K):  # as the model feeds the layer: rmsnorm * tau^-0.5, |q| = K^0.25
    return x / np.sqrt((x * x).mean(-1, keepdims=True)) * K ** -0.25


def layer_inputs(B, T, K, V, S, R, seed):
    """Inputs of models/ops/vq_attention*.mlir (as bench/run.py makes them)."""
    rng = np.random.default_rng(seed)
    return dict(q=rms(rng.standard_normal((B, T, K)), K).astype(np.float32),
                k=rms(rng.standard_normal((B, T, K)), K).astype(np.float32),
                v=rng.standard_normal((B, T, V)).astype(np.float32),
                codebook=rms(rng.standard_normal((S, K)), K).astype(np.float32),
                u=(0.1 * rng.standard_normal(K)).astype(np.float32),
                w=(0.1 * rng.standard_normal(K)).astype(np.float32),
                r=(0.1 * rng.standard_normal((R, K))).astype(np.float32))


def quantize(k, codebook):
    """codes (i32) and k_hat = codebook[codes]: argmin |k - c|^2 in float64, in chunks of T."""
    codes = np.empty(k.shape[:2], np.int32)
    c = codebook.astype(np.float64)
    c2 = (c * c).sum(-1)
    for s in range(0, k.shape[1], 4096):
        kk = k[:, s:s + 4096].astype(np.float64)
        dd = (kk * kk).sum(-1, keepdims=True) - 2 * kk @ c.T + c2
        codes[:, s:s + 4096] = dd.argmin(-1)
    return codes, codebook[codes]


# Argument and result names of the op modules, by position (bench/modules/ leaves them unnamed:
# tvq-run info shows arg0.., result0..).
OP_NAMES = {
    "vq_attention": (["q", "k", "v", "codebook", "u", "w", "r"], ["o", "codes"]),
    "attention_grad": (["q", "k_hat", "codes", "v", "codebook", "u", "w", "r", "d_out"],
                       ["dq", "dk_hat", "dv", "du", "dw", "dr"]),
    "vq_attention_step": (["q", "k", "v", "codebook", "u", "w", "r", "count", "mean", "win_codes",
                           "win_keys", "win_values", "seen"],
                          ["o", "codes", "count", "mean", "win_codes", "win_keys", "win_values",
                           "seen"]),
}


def named(sig, kind):
    """The signature with the op's names where the module has none (arg0, result0, ...)."""
    if kind not in OP_NAMES:
        return sig
    ins, outs = OP_NAMES[kind]
    out = dict(inputs=[dict(a) for a in sig["inputs"]], outputs=[dict(a) for a in sig["outputs"]])
    for lst, names in ((out["inputs"], ins), (out["outputs"], outs)):
        if len(lst) == len(names):
            for a, n in zip(lst, names):
                if re.match(r"(arg|result)\d+$", a["name"]):
                    a["name"] = n
    return out


def sig_dims(sig, name):
    for a in sig["inputs"]:
        if a["name"] == name:
            return a["shape"]
    raise KeyError(name)


def op_inputs(recipe, sig):
    """Arrays for an op check, in signature order."""
    kind, B, T, seed = recipe["kind"], recipe["B"], recipe["T"], recipe["seed"]
    sig = named(sig, kind)
    names = [a["name"] for a in sig["inputs"]]
    if kind == "vq_attention":
        S, K = sig_dims(sig, "codebook")
        V = sig_dims(sig, "v")[2]
        R = sig_dims(sig, "r")[0]
        a = layer_inputs(B, T, K, V, S, R, seed)
        return [(n, a[n]) for n in names]
    if kind == "attention_grad":
        S, K = sig_dims(sig, "codebook")
        V = sig_dims(sig, "v")[2]
        R = sig_dims(sig, "r")[0]
        a = layer_inputs(B, T, K, V, S, R, seed)
        a["codes"], a["k_hat"] = quantize(a["k"], a["codebook"])
        a["d_out"] = np.random.default_rng(seed + 1).standard_normal((B, T, V)).astype(np.float32)
        return [(n, a[n]) for n in names]
    if kind == "vq_attention_step":
        S, K = sig_dims(sig, "codebook")
        V = sig_dims(sig, "v")[2]
        R = sig_dims(sig, "r")[0]
        M = sig_dims(sig, "win_codes")[1]
        seen = recipe.get("seen", 4096)
        a = layer_inputs(B, T, K, V, S, R, seed)
        rng = np.random.default_rng(seed + 2)
        win_codes = rng.integers(0, S, (B, M)).astype(np.int32)
        a.update(count=np.stack([rng.multinomial(seen - M, np.ones(S) / S) for _ in range(B)])
                 .astype(np.float32),
                 mean=rng.standard_normal((B, S, V)).astype(np.float32),
                 win_codes=win_codes, win_keys=a["codebook"][win_codes],
                 win_values=rng.standard_normal((B, M, V)).astype(np.float32),
                 seen=np.full((B,), seen, np.int64))
        return [(n, a[n]) for n in names]
    raise ValueError("unknown op recipe %r" % kind)


SAFETENSORS = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def read_safetensors(path, names=None):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    out = {}
    for name, info in header.items():
        if names is not None and name not in names:
            continue
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype=SAFETENSORS[info["dtype"]]).reshape(info["shape"])
    return out


def corpus_tokens(path, B, T, seed):
    """inputs, targets [B,T] i32: byte b is token b + 3 (tvq-run's bytes format)."""
    data = np.fromfile(path, dtype=np.uint8)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - T - 1, B)
    rows = np.stack([data[s:s + T + 1] for s in starts]).astype(np.int32) + 3
    return rows[:, :-1].copy(), rows[:, 1:].copy()


class ModelInputs:
    """Arrays for the model entries (train_step, eval_loss, decode_step) of one model: the
    parameters of its initialization (`tvq-run train --steps 0` on the CPU module, seeded),
    random AdamW moments, bytes of the corpus, an empty attention state for train_step and, for
    decode_step, the state train_step leaves (the CPU module's)."""

    def __init__(self, tvq, cpu_module, corpus, seed, workdir):
        self.tvq, self.cpu_module, self.corpus, self.seed = tvq, cpu_module, corpus, seed
        self.workdir = workdir
        self.params = None

    def init_params(self):
        if self.params is None:
            out = os.path.join(self.workdir, "init")
            shutil.rmtree(out, ignore_errors=True)
            rc, so, se, sec = self.tvq.run(["train", self.cpu_module, "--data", self.corpus,
                                            "--steps", "0", "--seed", str(self.seed), "--out", out],
                                           timeout=900)
            if rc != 0:
                raise RuntimeError("tvq-run train --steps 0: " + first_error_line(se))
            self.params = read_safetensors(os.path.join(out, "checkpoint.safetensors"))
        return self.params

    def arrays(self, recipe, sig, state_from=None):
        """(name, array) in signature order. state_from: {name: array} of a train_step's outputs."""
        B, T = recipe["B"], recipe["T"]
        seed = recipe["seed"]
        rng = np.random.default_rng(seed)
        params = self.init_params()
        tokens = corpus_tokens(self.corpus, B, T, seed)
        out = []
        for a in sig["inputs"]:
            n, shape = a["name"], a["shape"]
            dt = DTYPES[a["dtype"]]
            if n == "inputs":
                out.append((n, tokens[0]))
            elif n == "targets":
                out.append((n, tokens[1]))
            elif n in ("dropout_seed", "layerdrop_seed"):
                out.append((n, np.array(rng.integers(1, 2**31), np.int64)))
            elif n == "step":
                out.append((n, np.array(recipe.get("step", 10), np.int64)))
            elif n.startswith("state."):
                full = [B if d is None else d for d in shape]
                if state_from is not None and n in state_from:
                    out.append((n, np.asarray(state_from[n])))
                else:
                    out.append((n, np.zeros(full, dt)))
            elif n.startswith("m.") and n[2:] in params:
                out.append((n, (1e-3 * rng.standard_normal(shape)).astype(np.float32)))
            elif n.startswith("v.") and n[2:] in params:
                out.append((n, ((1e-3 * rng.standard_normal(shape)) ** 2 + 1e-9).astype(np.float32)))
            elif n in params:
                out.append((n, np.asarray(params[n])))
            else:
                raise KeyError("no input recipe for argument '%s' of %s" % (n, recipe["entry"]))
        return out


def save_inputs(arrays, directory, shared=None):
    """Writes the arrays, one .npy each; identical arrays (parameters shared by the entries of a
    model) are written once (shared: {sha: path})."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i, (name, a) in enumerate(arrays):
        a = np.asarray(a)
        if not a.flags.c_contiguous:
            a = a.copy()
        key = hashlib.sha256(a.tobytes() + str(a.dtype).encode() + str(a.shape).encode()).hexdigest()
        if shared is not None and key in shared:
            paths.append(shared[key])
            continue
        p = os.path.join(directory, "%03d.%s.npy" % (i, re.sub(r"[^\w.]", "_", name)))
        np.save(p, a)
        if shared is not None:
            shared[key] = p
        paths.append(p)
    return paths


# ----------------------------------------------------------------------------------------------
# prepare (here, with LLVM/MLIR)
# ----------------------------------------------------------------------------------------------

def ldd(path):
    """[(soname, resolved path)] that ldd shows, or raises on 'not found'."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        line = line.strip()
        m = re.match(r"(\S+) => (\S+) \(", line)
        if m:
            libs.append((m.group(1), m.group(2)))
        elif "not found" in line:
            raise RuntimeError("%s: %s" % (path, line))
    return libs


def compile_module(tools, src, out, target, entries, cuda_arch, cpu, cache=None, extra=()):
    """(seconds, cached): tvq-compile, or the cached result of the same source, flags and
    tvq-compile binary (cache: a directory, e.g. .cache/gpu-kit)."""
    flags = []
    if target == "cuda":
        flags += ["--target=cuda", "--cuda-arch=" + cuda_arch]
    else:
        flags += ["--cpu=" + cpu]
    if entries:
        flags.append("--entries=" + ",".join(entries))
    flags += list(extra)
    key = None
    if cache:
        h = hashlib.sha256()
        h.update(open(src, "rb").read())
        h.update(sha256(tools["tvq-compile"]).encode())
        h.update(" ".join(flags).encode())
        key = os.path.join(cache, h.hexdigest()[:32])
        if os.path.exists(key + ".so") and os.path.exists(key + ".json"):
            shutil.copy2(key + ".so", out)
            return json.load(open(key + ".json"))["seconds"], True
    args = [tools["tvq-compile"], src, "-o", out] + flags
    start = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True)
    took = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError("%s failed (%.0f s): %s" % (" ".join(args), took, res.stderr.strip()[-2000:]))
    if key:
        os.makedirs(cache, exist_ok=True)
        shutil.copy2(out, key + ".so.tmp")
        os.replace(key + ".so.tmp", key + ".so")
        with open(key + ".json", "w") as f:
            json.dump(dict(seconds=took, src=src, flags=flags), f)
    return took, False


def prepare(args):
    t_start = time.perf_counter()
    build = os.path.abspath(args.build_dir)
    tools = {t: getattr(args, t.replace("-", "_")) or os.path.join(build, "bin", t)
             for t in ("tvq-compile", "tvq-run", "tvq-model")}
    for t, p in tools.items():
        if not os.access(p, os.X_OK):
            sys.exit("gpu-prepare: %s not found: build first (make build)" % p)
    kit = os.path.abspath(args.kit)
    if os.path.exists(kit):
        if os.listdir(kit) and not os.path.exists(os.path.join(kit, "manifest.json")) \
                and not os.path.exists(os.path.join(kit, ".tvq-kit")):
            sys.exit("gpu-prepare: %s exists and is not a kit; not touching it" % kit)
        shutil.rmtree(kit)
    os.makedirs(kit)
    open(os.path.join(kit, ".tvq-kit"), "w").close()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little") % 10**6
    jobs = args.jobs or os.cpu_count() or 1
    log("gpu-prepare: kit %s, seed %d, %s, %d parallel compiles%s" % (
        kit, seed, "tiny only" if args.tiny_only else "full", jobs,
        "" if args.tiny_only else ", enwik8-size model with %d layers" % args.enwik8_layers))

    # --- tvq-run, libtvq_runtime.so and their libraries ------------------------------------
    for d in ("bin", "lib", "lib/compat", "modules", "inputs", "src"):
        os.makedirs(os.path.join(kit, d), exist_ok=True)
    shutil.copy2(tools["tvq-run"], os.path.join(kit, "bin", "tvq-run"))
    libs = {}

    def add_libs(path):
        for soname, resolved in ldd(path):
            if soname.startswith(SYSTEM_LIBS) or soname in libs:
                continue
            libs[soname] = resolved

    add_libs(tools["tvq-run"])
    # libtvq_runtime.so's own dependencies (ldd of tvq-run lists them too, but be explicit)
    if "libtvq_runtime.so" in libs:
        add_libs(libs["libtvq_runtime.so"])
    else:
        sys.exit("gpu-prepare: tvq-run does not load libtvq_runtime.so?")

    # --- modules ------------------------------------------------------------------------------
    srcdir = os.path.join(kit, "src")
    models = []  # (name, src, entries, description)
    models.append(("op_vqa_small", os.path.join(ROOT, "models/ops/vq_attention.mlir"), None,
                   "VQ-attention layer forward, small widths (K=32 V=48 S=64 L=M=16)"))
    if args.tiny_only:
        micro = os.path.join(srcdir, "micro.mlir")
        subprocess.run([tools["tvq-model"], "--preset=tiny", "--name=micro", "--layers=1",
                        "--d-model=32", "--d-k=8", "--d-v=64", "--codebook=16", "--block-len=8",
                        "--steps=300", "--warmup=20", "-o", micro], check=True)
        models.append(("micro", micro, ["train_step", "eval_loss"] + SPLIT_ENTRIES,
                       "micro model (1 layer, D 32, K 8, V 64, S 16, L 8), for the dry-run test"))
    else:
        models.append(("op_vqa_bench", os.path.join(ROOT, "models/ops/vq_attention_bench.mlir"),
                       None, "VQ-attention layer forward, bench widths (K=128 V=256 S=512 L=M=512)"))
        models.append(("op_grad_bench",
                       os.path.join(ROOT, "bench/modules/vq_attention_grad_bench.mlir"), None,
                       "tvq.vq_attention_grad (forward recomputed + backward), bench widths"))
        models.append(("op_step_bench",
                       os.path.join(ROOT, "bench/modules/vq_attention_step_bench.mlir"), None,
                       "one decode step of the layer (L=1, M=512), bench widths"))
        models.append(("tiny", os.path.join(ROOT, "models/tiny.mlir"),
                       ["train_step", "eval_loss", "decode_step"] + SPLIT_ENTRIES,
                       "models/tiny.mlir"))
        if args.enwik8_layers == 24:
            e_src = os.path.join(ROOT, "models/enwik8.mlir")
            desc = "models/enwik8.mlir (24 layers)"
        else:
            e_src = os.path.join(srcdir, "enwik8_l%d.mlir" % args.enwik8_layers)
            subprocess.run([tools["tvq-model"], "--preset=enwik8", "--layers=%d" % args.enwik8_layers,
                            "--name=enwik8_l%d" % args.enwik8_layers, "-o", e_src], check=True)
            desc = ("tvq-model --preset=enwik8 --layers=%d (the enwik8 widths: D 768, K 128, "
                    "V 1536, S 512, L 512; %d layers instead of 24)" % (args.enwik8_layers,
                                                                    args.enwik8_layers))
        models.append(("enwik8", e_src, ["train_step", "eval_loss", "decode_step"], desc))

    # Variants: a model's CUDA module compiled with other flags, checked against that model's
    # CPU module: the generated matrix-product tiles (f32, and bf16 on tensor cores).
    base = "micro" if args.tiny_only else "tiny"
    variants = [  # (name, base model, tvq-compile flags, functions, tolerance or None, description)
        (base + "_tiles", base, ["--cuda-gemm=kernels"], ["eval_loss", "train_step"], None,
         "%s with --cuda-gemm=kernels: every matrix product a generated kernel (shared-memory "
         "tiles, f32)" % base),
        (base + "_bf16", base, ["--cuda-gemm=kernels", "--cuda-matmul=bf16"], ["eval_loss"],
         BF16_TILES_TOL,
         "%s with --cuda-gemm=kernels --cuda-matmul=bf16: the tiles on tensor cores (mma.sync, "
         "bf16 operands, f32 sums)" % base),
        (base + "_wgmma", base, ["--cuda-gemm=kernels", "--cuda-matmul=wgmma"], ["eval_loss"],
         BF16_TILES_TOL,
         "%s with --cuda-gemm=kernels --cuda-matmul=wgmma: the tiles on Hopper's wgmma.mma_async "
         "(bf16 stages in shared memory read through matrix descriptors, f32 sums)" % base),
        (base + "_fused", base, ["--cuda-attention=fused"],
         ["eval_loss", "train_step", "decode_step"], None,
         "%s with --cuda-attention=fused: each attention block's output one kernel (running "
         "softmax max and sum, scores never stored)" % base),
        (base + "_fused_bf16", base, ["--cuda-attention=fused", "--cuda-gemm=kernels",
                                      "--cuda-matmul=bf16"], ["eval_loss"], BF16_TILES_TOL,
         "%s with --cuda-attention=fused --cuda-gemm=kernels --cuda-matmul=bf16: the fused "
         "attention kernels and the tiles on tensor cores" % base),
        (base + "_softmax", base, ["--cuda-attention=softmax"],
         ["eval_loss", "train_step", "decode_step"], None,
         "%s with --cuda-attention=softmax: each attention block's softmax weights from one "
         "kernel, then the weighted sums as cuBLAS products" % base),
        (base + "_act_bf16", base, ["--cuda-activations=bf16", "--cuda-gemm=kernels",
                                    "--cuda-matmul=bf16"], ["eval_loss"], BF16_TILES_TOL,
         "%s with --cuda-activations=bf16 --cuda-gemm=kernels --cuda-matmul=bf16: the products' "
         "activations stored as bf16, the tiles on tensor cores" % base),
    ]
    # The layer's op module with the fused attention kernel and with the softmax-weights kernel:
    # checked against the op's CPU module and benchmarked beside the generic kernels (bench
    # "layer_fused", "layer_softmax").
    op_layer = "op_vqa_small" if args.tiny_only else "op_vqa_bench"
    variants.append((op_layer + "_fused", op_layer, ["--cuda-attention=fused"], [], None,
                     "%s with --cuda-attention=fused" % op_layer))
    variants.append((op_layer + "_fused_bf16", op_layer,
                     ["--cuda-attention=fused", "--cuda-matmul=bf16"], [], BF16_TILES_TOL,
                     "%s with --cuda-attention=fused --cuda-matmul=bf16 (the fused kernel's "
                     "products on tensor cores)" % op_layer))
    variants.append((op_layer + "_softmax", op_layer, ["--cuda-attention=softmax"], [], None,
                     "%s with --cuda-attention=softmax" % op_layer))
    if not args.tiny_only:
        variants.append(("enwik8_fused", "enwik8", ["--cuda-attention=fused",
                                                    "--entries=train_step"], [], None,
                         "the enwik8-size model's train_step with --cuda-attention=fused (the "
                         "fused attention kernels), for the training-step benchmark"))
        variants.append(("enwik8_fused_bf16", "enwik8",
                         ["--cuda-attention=fused", "--cuda-gemm=kernels", "--cuda-matmul=bf16",
                          "--entries=train_step"], [], None,
                         "the enwik8-size model's train_step with the fused attention kernels "
                         "and the tiles, all on tensor cores, for the training-step benchmark"))
        variants.append(("enwik8_softmax", "enwik8", ["--cuda-attention=softmax",
                                                      "--entries=train_step"], [], None,
                         "the enwik8-size model's train_step with --cuda-attention=softmax (the "
                         "softmax-weights kernel, cuBLAS products), for the training-step "
                         "benchmark"))
        variants.append(("enwik8_act_bf16", "enwik8",
                         ["--cuda-activations=bf16", "--cuda-gemm=kernels", "--cuda-matmul=bf16",
                          "--entries=train_step"], [], None,
                         "the enwik8-size model's train_step with bf16 activations and the bf16 "
                         "tiles, for the training-step benchmark"))
    if not args.tiny_only:
        # The training-step benchmark's model with the same two flags (train_step only, no
        # correctness checks: tiny's variants check the numerics): tokens/s against cuBLAS.
        for suffix, flags, what in (("_tiles", ["--cuda-gemm=kernels"], "f32 tiles"),
                                    ("_bf16", ["--cuda-gemm=kernels", "--cuda-matmul=bf16"],
                                     "bf16 tiles on tensor cores"),
                                    ("_wgmma", ["--cuda-gemm=kernels", "--cuda-matmul=wgmma"],
                                     "bf16 tiles on wgmma")):
            variants.append(("enwik8" + suffix, "enwik8", flags + ["--entries=train_step"], [],
                             None, "the enwik8-size model's train_step with %s (%s), for the "
                             "training-step benchmark" % (" ".join(flags), what)))
    variant_of = {v[0]: v[1] for v in variants}
    # The 24-layer enwik8 model's train_step, CUDA only (no CPU reference: minutes per step),
    # for the training-step benchmark at the paper's size (bench "train_full").
    cuda_only = []  # (name, src, entries, description)
    if not args.tiny_only and args.enwik8_layers != 24:
        cuda_only.append(("enwik8_full", os.path.join(ROOT, "models/enwik8.mlir"),
                          ["train_step"], "models/enwik8.mlir (24 layers), train_step only, "
                          "CUDA only: the training-step benchmark at full size"))
    if not args.tiny_only:
        # The enwik8-size model written with activation recomputation (each GAU's forward
        # again in the backward): its training step's tokens/s beside the plain one's is what
        # the memory it saves costs. CUDA only (recompute_check.py checks the numerics).
        r_src = os.path.join(srcdir, "enwik8_recompute.mlir")
        subprocess.run([tools["tvq-model"], "--preset=enwik8",
                        "--layers=%d" % args.enwik8_layers, "--name=enwik8_recompute",
                        "--recompute", "-o", r_src], check=True)
        cuda_only.append(("enwik8_recompute", r_src, ["train_step"],
                          "the enwik8-size model written with tvq-model --recompute, train_step "
                          "only, CUDA only: for the training-step benchmark"))

    jobs_list = []
    for name, src, entries, desc in models:
        for target in ("cuda", "cpu"):
            out = os.path.join(kit, "modules", "%s.%s.so" % (name, target))
            jobs_list.append((name, src, entries, target, out, ()))
    for vname, vbase, flags, functions, tol, desc in variants:
        src, entries = next((m[1], m[2]) for m in models if m[0] == vbase)
        if any(f.startswith("--entries=") for f in flags):
            entries = None
        out = os.path.join(kit, "modules", "%s.cuda.so" % vname)
        jobs_list.append((vname, src, entries, "cuda", out, tuple(flags)))
    for name, src, entries, desc in cuda_only:
        out = os.path.join(kit, "modules", "%s.cuda.so" % name)
        jobs_list.append((name, src, entries, "cuda", out, ()))
    # longest first: the enwik8-size train_step dominates
    weight = {"enwik8_full": 0, "enwik8": 0, "tiny": 1, "micro": 1}
    jobs_list.sort(key=lambda j: (weight.get(j[0], 2), j[3] != "cpu"))
    compile_s = {}
    cache = None if args.no_cache else os.path.join(ROOT, ".cache", "gpu-kit")
    log("compiling %d modules (%d at a time%s) ..." % (
        len(jobs_list), jobs, "" if cache is None else "; cache %s" % os.path.relpath(cache, ROOT)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(compile_module, tools, src, out, target, entries, args.cuda_arch,
                            args.cpu, cache, extra): (name, target, out)
                for name, src, entries, target, out, extra in jobs_list}
        for fut in concurrent.futures.as_completed(futs):
            name, target, out = futs[fut]
            took, cached = fut.result()
            compile_s["%s.%s" % (name, target)] = took
            log("  %-22s %4s  %7s  %s%s" % (name, target, fmt_s(took), mib(os.path.getsize(out)),
                                            "  (cached)" if cached else ""))
    for name, src, entries, desc in models:
        add_libs(os.path.join(kit, "modules", "%s.cpu.so" % name))
        add_libs(os.path.join(kit, "modules", "%s.cuda.so" % name))
    for vname in list(variant_of) + [c[0] for c in cuda_only]:
        add_libs(os.path.join(kit, "modules", "%s.cuda.so" % vname))
    for soname, resolved in sorted(libs.items()):
        sub = "lib/compat" if soname.startswith(COMPAT_LIBS) else "lib"
        shutil.copy2(os.path.realpath(resolved), os.path.join(kit, sub, soname))

    # --- signatures, checks, inputs -------------------------------------------------------------
    tvq = TvqRun(os.path.join(kit, "bin", "tvq-run"), [os.path.join(kit, "lib")])
    sigs = {name: tvq.info(os.path.join(kit, "modules", name + ".cpu.so"))
            for name, _, _, _ in models}
    for vname, vbase in variant_of.items():
        sigs[vname] = sigs[vbase]
    corpus = os.path.join(ROOT, CORPUS)
    checks, train, bench = [], [], {}
    work = tempfile.mkdtemp(prefix="tvq-gpu-prepare.")
    shared = {}

    def add_op_check(module, fn, kind, B, T, cls, note, tol=None, inputs_of=None, **extra):
        """inputs_of: the name of an earlier check whose inputs this one takes (the same
        seed: the files are stored once)."""
        sig = named(sigs[module][fn], kind)
        op_seed = seed + len(checks)
        if inputs_of:
            op_seed = next(c["recipe"]["seed"] for c in checks if c["name"] == inputs_of)
        recipe = dict(kind=kind, B=B, T=T, seed=op_seed, **extra)
        arrays = op_inputs(recipe, sig)
        d = os.path.join(kit, "inputs", "%s.%s" % (module, fn))
        paths = save_inputs(arrays, d, shared)
        checks.append(dict(name="%s.%s" % (module, fn), module=module, function=fn, cls=cls,
                           tol=tol or TOL[cls], B=B, T=T, note=note, recipe=recipe,
                           inputs=[os.path.relpath(p, kit) for p in paths],
                           input_names=[a["name"] for a in sig["inputs"]],
                           outputs=sig["outputs"]))

    add_op_check("op_vqa_small", "vq_attention", "vq_attention", 2, 512, "forward",
                 "32 blocks of 16: cache, window and relative terms")
    if not args.tiny_only:
        add_op_check("op_vqa_bench", "vq_attention", "vq_attention", 1, 2048, "forward",
                     "4 blocks of 512")
        add_op_check("op_grad_bench", "attention_grad", "attention_grad", 1, 2048, "grad",
                     "4 blocks of 512, codes from the quantizer, random d_out")
        add_op_check("op_step_bench", "vq_attention_step", "vq_attention_step", 2, 1, "forward",
                     "one token, state of 4096 seen tokens", seen=4096)

    def add_model_checks(module, B, T, on_device, functions=None, tol=None):
        cpu_module = os.path.join(kit, "modules", variant_of.get(module, module) + ".cpu.so")
        mi = ModelInputs(tvq, cpu_module, corpus, seed, os.path.join(work, module))
        os.makedirs(mi.workdir, exist_ok=True)
        train_outputs = None
        for fn in ("eval_loss", "train_step", "decode_step"):
            if fn not in sigs[module] or (functions is not None and fn not in functions):
                continue
            sig = sigs[module][fn]
            cls = "train" if fn == "train_step" else "forward"
            recipe = dict(kind="model", entry=fn, B=B, T=1 if fn == "decode_step" else T,
                          seed=seed + 100 + len(checks))
            if fn == "decode_step":
                recipe["state_from"] = "%s.train_step" % module
            check = dict(name="%s.%s" % (module, fn), module=module, function=fn, cls=cls,
                         tol=tol or TOL[cls], B=B, T=recipe["T"], recipe=recipe,
                         input_names=[a["name"] for a in sig["inputs"]], outputs=sig["outputs"],
                         note={"eval_loss": "loss and ce of %d x %d corpus tokens" % (B, T),
                               "train_step": "one AdamW step from the initialization (seeded), "
                                             "random moments, step 10, empty state",
                               "decode_step": "one token after the state train_step leaves"}[fn])
            if on_device:
                check["inputs"] = None   # generated by the check (same code, same seed)
            else:
                state = None
                if fn == "decode_step":
                    state = train_outputs
                arrays = mi.arrays(recipe, sig, state_from=state)
                paths = save_inputs(arrays, os.path.join(kit, "inputs", check["name"]), shared)
                check["inputs"] = [os.path.relpath(p, kit) for p in paths]
                if fn == "train_step" and "decode_step" in sigs[module] and \
                        (functions is None or "decode_step" in functions):
                    outs = run_call(tvq, cpu_module, fn, paths, sig["outputs"],
                                    os.path.join(work, module, "train_out"), timeout=900)
                    if outs["rc"] != 0:
                        raise RuntimeError("CPU train_step for the decode state: " + outs["error"])
                    train_outputs = {o["name"]: np.load(p) for o, p in
                                     zip(sig["outputs"], outs["paths"]) if o["name"].startswith("state.")}
            checks.append(check)

    if args.tiny_only:
        add_model_checks("micro", 2, 32, on_device=False)
        # one check whose inputs the check itself generates, as the enwik8-size model's are
        c = dict(checks[-1])
        checks[-1]["name"] += ".kit_inputs"
        checks[-1]["note"] += " (inputs from the kit)"
        c["inputs"] = None
        c["name"] += ".generated"
        c["note"] += " (inputs generated by the check)"
        checks.append(c)
        train.append(dict(name="micro", module="micro", steps=8, batch=4, seq_len=32, seed=seed))
        nccl = dict(module="micro", steps=4, batch=2, accum=2, seq_len=32, seed=seed)
        bench = dict(layer=dict(module="op_vqa_small", function="vq_attention", kind="vq_attention",
                                widths="K=32 V=48 S=64 L=M=16", L=16),
                     layer_fused=dict(module="op_vqa_small_fused", function="vq_attention",
                                      kind="vq_attention", widths="K=32 V=48 S=64 L=M=16", L=16),
                     layer_fused_bf16=dict(module="op_vqa_small_fused_bf16",
                                           function="vq_attention", kind="vq_attention",
                                           widths="K=32 V=48 S=64 L=M=16", L=16),
                     layer_softmax=dict(module="op_vqa_small_softmax", function="vq_attention",
                                        kind="vq_attention", widths="K=32 V=48 S=64 L=M=16",
                                        L=16),
                     grad=None, train="micro", sizes=[512, 2048])
    else:
        add_model_checks("tiny", 4, 128, on_device=False)
        add_model_checks("enwik8", 1, 1024, on_device=True)
        train.append(dict(name="tiny", module="tiny", steps=20, batch=8, seq_len=128, seed=seed))
        nccl = dict(module="tiny", steps=8, batch=4, accum=2, seq_len=128, seed=seed)
        train.append(dict(name="enwik8", module="enwik8", steps=args.enwik8_steps, batch=1,
                          seq_len=2048, seed=seed))
        bench = dict(layer=dict(module="op_vqa_bench", function="vq_attention", kind="vq_attention",
                                widths="K=128 V=256 S=512 L=M=512", L=512),
                     layer_fused=dict(module="op_vqa_bench_fused", function="vq_attention",
                                      kind="vq_attention", widths="K=128 V=256 S=512 L=M=512",
                                      L=512),
                     layer_fused_bf16=dict(module="op_vqa_bench_fused_bf16",
                                           function="vq_attention", kind="vq_attention",
                                           widths="K=128 V=256 S=512 L=M=512", L=512),
                     layer_softmax=dict(module="op_vqa_bench_softmax", function="vq_attention",
                                        kind="vq_attention", widths="K=128 V=256 S=512 L=M=512",
                                        L=512),
                     grad=dict(module="op_grad_bench", function="attention_grad",
                               kind="attention_grad", widths="K=128 V=256 S=512 L=M=512", L=512),
                     train="enwik8", sizes=list(BENCH_T),
                     train_variants=[v[0] for v in variants if v[1] == "enwik8"]
                     + [c[0] for c in cuda_only if c[0] == "enwik8_recompute"])
        if any(c[0] == "enwik8_full" for c in cuda_only):
            bench["train_full"] = dict(module="enwik8_full", batch=1, seq_len=2048, seed=seed)
    for vname, vbase, flags, functions, tol, desc in variants:
        if functions:
            B, T = (2, 32) if args.tiny_only else (4, 128)
            add_model_checks(vname, B, T, on_device=False, functions=functions, tol=tol)
        elif vbase == op_layer:
            B, T = (2, 512) if args.tiny_only else (1, 2048)
            what = ("the softmax-weights kernel and products" if "softmax" in vname
                    else "the fused attention kernel")
            add_op_check(vname, "vq_attention", "vq_attention", B, T, "forward",
                         "%s%s, %d x %d" % (what, " (bf16 products)" if tol else "", B, T),
                         tol=tol, inputs_of=op_layer + ".vq_attention")
    shutil.rmtree(work, ignore_errors=True)

    # --- compression, manifest ------------------------------------------------------------------
    files = {}
    xz = shutil.which("xz")
    for dirpath, _, names in os.walk(kit):
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, kit)
            if rel in (".tvq-kit",):
                continue
            size = os.path.getsize(p)
            entry = dict(bytes=size, sha256=sha256(p), mode="%o" % (os.stat(p).st_mode & 0o777))
            if size >= 64 * 1024:
                if xz:
                    subprocess.run([xz, "-6", "-T0", "-k", "-f", p], check=True)
                else:
                    with open(p, "rb") as f, lzma.open(p + ".xz", "wb", preset=6) as g:
                        shutil.copyfileobj(f, g)
                csize = os.path.getsize(p + ".xz")
                if csize < 0.8 * size:
                    os.remove(p)
                    entry.update(stored=rel + ".xz", stored_bytes=csize)
                else:
                    os.remove(p + ".xz")
            entry.setdefault("stored", rel)
            entry.setdefault("stored_bytes", size)
            files[rel] = entry
    total = sum(e["stored_bytes"] for e in files.values())
    raw = sum(e["bytes"] for e in files.values())
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.strip())
    manifest = dict(
        format=FORMAT, created=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        host=platform.node(), commit=commit, dirty_tree=dirty, seed=seed,
        tiny_only=bool(args.tiny_only), cuda_arch=args.cuda_arch, cpu=args.cpu,
        enwik8_layers=None if args.tiny_only else args.enwik8_layers,
        corpus=dict(path=CORPUS, bytes=os.path.getsize(corpus), sha256=sha256(corpus)),
        modules={name: dict(src=("kit:" + os.path.relpath(src, kit)) if src.startswith(kit + "/")
                            else os.path.relpath(src, ROOT),
                            entries=entries or sorted(sigs[name]), description=desc,
                            cuda="modules/%s.cuda.so" % name, cpu="modules/%s.cpu.so" % name,
                            compile_s={t: round(compile_s["%s.%s" % (name, t)], 1)
                                       for t in ("cuda", "cpu")})
                 for name, src, entries, desc in models},
        libs=sorted(libs), checks=checks, train=train, bench=bench, nccl=nccl,
        tolerances=dict(TOL, update=UPDATE_TOL, flips=FLIP_FRACTION,
                        loss="step 1: 1e-4, steps 2-10: 1e-3, later: 1e-2"),
        files=files, bytes_stored=total, bytes_raw=raw)
    for vname, vbase, flags, functions, tol, desc in variants:
        b = manifest["modules"][vbase]
        entries = [f for f in flags if f.startswith("--entries=")]
        manifest["modules"][vname] = dict(
            src=b["src"], description=desc, flags=flags,
            entries=entries[0].split("=", 1)[1].split(",") if entries else b["entries"],
            cuda="modules/%s.cuda.so" % vname, cpu=b["cpu"],
            compile_s=dict(cuda=round(compile_s["%s.cuda" % vname], 1)))
    for name, src, entries, desc in cuda_only:
        manifest["modules"][name] = dict(
            src=("kit:" + os.path.relpath(src, kit)) if src.startswith(kit + "/")
            else os.path.relpath(src, ROOT), description=desc, entries=entries,
            cuda="modules/%s.cuda.so" % name, cpu=None,
            compile_s=dict(cuda=round(compile_s["%s.cuda" % name], 1)))
    if "enwik8_recompute" in manifest["modules"]:
        manifest["modules"]["enwik8_recompute"]["made_by"] = "tvq-model --recompute"
    manifest["tolerances"]["bf16_tiles"] = BF16_TILES_TOL
    with open(os.path.join(kit, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total += os.path.getsize(os.path.join(kit, "manifest.json"))
    os.remove(os.path.join(kit, ".tvq-kit"))

    log("")
    log("kit %s (manifest.json):" % kit)
    log("  %-44s %12s %12s" % ("file", "bytes", "stored"))
    groups = {}
    for rel, e in sorted(files.items()):
        key = os.path.dirname(rel) + "/*.npy" if rel.startswith("inputs/") else rel
        g = groups.setdefault(key, [0, 0, 0, False])
        g[0] += 1
        g[1] += e["bytes"]
        g[2] += e["stored_bytes"]
        g[3] |= e["stored"] != rel
    for key, (n, b, st, z) in groups.items():
        log("  %-44s %12d %12d%s" % (key if n == 1 else "%s (%d files)" % (key, n), b, st,
                                     "  xz" if z else ""))
    log("  modules: " + ", ".join("%s (%s)" % (n, ",".join(m["entries"])) for n, m in
                                   manifest["modules"].items()))
    log("  checks: %d, training runs: %s, benchmark sizes: %s; NCCL: %s %d steps" % (
        len(checks), ", ".join("%s %d steps" % (t["name"], t["steps"]) for t in train),
        ", ".join(str(t) for t in bench["sizes"]), nccl["module"], nccl["steps"]))
    log("  seed %d (inputs: numpy default_rng(seed + i); the check prints it too)" % seed)
    log("kit size: %s stored (%s uncompressed), limit %s; prepared in %s" % (
        mib(total), mib(raw), mib(KIT_LIMIT), fmt_s(time.perf_counter() - t_start)))
    if total > KIT_TARGET:
        sys.exit("gpu-prepare: the kit is %s, over the %s it may take: use --enwik8-layers with "
                 "fewer layers" % (mib(total), mib(KIT_TARGET)))


# ----------------------------------------------------------------------------------------------
# check (there, with a GPU)
# ----------------------------------------------------------------------------------------------

def run_call(tvq, module, fn, inputs, outputs, outdir, timeout, target=None):
    """tvq-run call; {rc, error, seconds, paths}."""
    os.makedirs(outdir, exist_ok=True)
    paths = [os.path.join(outdir, "%03d.npy" % i) for i in range(len(outputs))]
    for p in paths:
        if os.path.exists(p):
            os.remove(p)
    args = ["call", module, "--function=" + fn] + (tvq.device_args(target) if target else []) + \
        ["--input=@" + p for p in inputs] + ["--output=@" + p for p in paths]
    rc, out, err, sec = tvq.run(args, timeout=timeout)
    return dict(rc=rc, error=first_error_line(err) if rc else "", stderr=err[-4000:], seconds=sec,
                paths=paths)


def compare_arrays(ref, got, dtype):
    """{kind, err, flips, n, nonfinite}."""
    ref = np.asarray(ref)
    got = np.asarray(got)
    if ref.shape != got.shape:
        return dict(kind="shape", err=float("inf"), detail="shape %s vs %s" % (got.shape, ref.shape))
    if np.issubdtype(ref.dtype, np.floating):
        r = ref.astype(np.float64)
        g = got.astype(np.float64)
        fin_r, fin_g = np.isfinite(r), np.isfinite(g)
        bad = int((fin_r != fin_g).sum())
        both = fin_r & fin_g
        scale = np.abs(r[both]).max() if both.any() else 0.0
        diff = np.abs(r[both] - g[both]).max() if both.any() else 0.0
        err = diff / scale if scale > 0 else diff
        return dict(kind="float", err=float(err), abs=float(diff), scale=float(scale),
                    nonfinite=bad, n=int(r.size))
    mism = int((ref != got).sum())
    return dict(kind="int", flips=mism, n=int(ref.size), err=0.0 if mism == 0 else float(mism))


def near_ties(k, codebook, codes_ref, codes_got):
    """How many of the differing codes are near ties (distances within 1e-5 relative)."""
    idx = np.argwhere(codes_ref != codes_got)
    ties = 0
    for i in idx:
        kk = k[tuple(i)].astype(np.float64)
        d = ((codebook.astype(np.float64) - kk) ** 2).sum(-1)
        a, b = d[codes_ref[tuple(i)]], d[codes_got[tuple(i)]]
        if abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-12):
            ties += 1
    return ties


class Report:
    """Everything the check finds; written to OUT after every change."""

    def __init__(self, out, dry):
        self.out, self.dry = out, dry
        self.data = dict(started=datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                         dry_run=dry, env={}, checks=[], train=[], bench={}, nccl={},
                         sections={},
                         problems=[])
        os.makedirs(out, exist_ok=True)

    def problem(self, msg):
        self.data["problems"].append(msg)
        self.save()

    def save(self):
        tmp = os.path.join(self.out, "gpu-check.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, default=str)
        os.replace(tmp, os.path.join(self.out, "gpu-check.json"))
        with open(os.path.join(self.out, "gpu-check.md"), "w") as f:
            f.write(markdown(self.data))


class Section:
    def __init__(self, name, budget):
        self.name, self.budget = name, budget
        self.start = time.perf_counter()

    def left(self):
        return self.budget - (time.perf_counter() - self.start)

    def timeout(self, cap=None):
        t = max(5.0, self.left())
        return min(t, cap) if cap else t


class Kit:
    def __init__(self, path, work):
        self.path = os.path.abspath(path)
        self.work = work
        self.cpu_as_cuda = False
        self.unpacked = set()
        mpath = os.path.join(self.path, "manifest.json")
        if not os.path.exists(mpath):
            raise RuntimeError("%s has no manifest.json: not a kit (scripts/gpu-prepare.sh "
                               "makes one)" % self.path)
        with open(mpath) as f:
            self.m = json.load(f)
        if self.m.get("format") != FORMAT:
            raise RuntimeError("kit format %s, this check reads %d" % (self.m.get("format"), FORMAT))

    def validate(self):
        """Checks every file of the manifest (size and sha256 of what is stored, after
        decompression) and unpacks the compressed ones into the work directory."""
        problems = []
        stored_total = 0
        for rel, e in sorted(self.m["files"].items()):
            sp = os.path.join(self.path, e["stored"])
            if not os.path.exists(sp):
                problems.append("missing: %s" % e["stored"])
                continue
            if os.path.getsize(sp) != e["stored_bytes"]:
                problems.append("%s: %d bytes, manifest says %d" % (e["stored"], os.path.getsize(sp),
                                                                     e["stored_bytes"]))
                continue
            stored_total += e["stored_bytes"]
            dst = self.file(rel)
            if e["stored"] != rel:
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with lzma.open(sp) as f, open(dst, "wb") as g:
                    shutil.copyfileobj(f, g, 1 << 22)
            if sha256(dst) != e["sha256"]:
                problems.append("%s: sha256 differs from the manifest" % rel)
                continue
            if e["stored"] != rel:
                os.chmod(dst, int(e["mode"], 8) | 0o400)
            elif int(e["mode"], 8) & 0o100 and not os.access(dst, os.X_OK):
                # the copy lost its x bit: run a copy from the work directory
                w = os.path.join(self.work, "kit", rel)
                os.makedirs(os.path.dirname(w), exist_ok=True)
                shutil.copy(dst, w)
                os.chmod(w, int(e["mode"], 8) | 0o400)
                self.unpacked.add(rel)
        return problems, stored_total

    def file(self, rel):
        e = self.m["files"].get(rel)
        if e is not None and (e["stored"] != rel or rel in self.unpacked):
            return os.path.join(self.work, "kit", rel)
        return os.path.join(self.path, rel)

    def module(self, name, target):
        if self.cpu_as_cuda:
            target = "cpu"
        return self.file(self.m["modules"][name][target])


def env_section(rep, kit, tv, dry, sec):
    tvq = tv["cuda"]
    env = rep.data["env"]
    env["host"] = platform.node()
    env["cpu_cores"] = os.cpu_count()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                env["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    env["python"] = platform.python_version()
    env["numpy"] = np.__version__
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            q = subprocess.run([smi, "--query-gpu=name,driver_version,memory.total,clocks.max.sm,"
                                "power.limit,compute_cap", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
            env["nvidia_smi"] = q
            full = subprocess.run([smi], capture_output=True, text=True, timeout=30).stdout
            with open(os.path.join(rep.out, "nvidia-smi.txt"), "w") as f:
                f.write(full)
            m = re.search(r"CUDA Version: ([\d.]+)", full)
            env["driver_cuda"] = m.group(1) if m else "?"
        except Exception as e:  # noqa: BLE001
            env["nvidia_smi"] = "failed: %s" % e
    else:
        env["nvidia_smi"] = "not found"
    try:
        import torch  # noqa: F401
        env["torch"] = torch.__version__
        env["torch_cuda"] = torch.version.cuda
        env["torch_gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    except Exception as e:  # noqa: BLE001
        env["torch"] = "not importable (%s)" % type(e).__name__
    ld = subprocess.run(["bash", "-c", "ldconfig -p 2>/dev/null | grep -m1 'libcuda.so.1 '"],
                        capture_output=True, text=True).stdout.strip()
    env["libcuda"] = ld.split("=>")[-1].strip() if ld else "not in the loader cache"
    rc, out, err, _ = tvq.run(["--help"], timeout=30)
    env["tvq_run"] = "runs" if rc == 0 else "FAILS: " + first_error_line(err)
    env["tvq_run_device_flag"] = "--device" in out
    env["kit"] = dict(commit=kit.m["commit"], dirty_tree=kit.m["dirty_tree"], seed=kit.m["seed"],
                      created=kit.m["created"], cuda_arch=kit.m["cuda_arch"], cpu=kit.m["cpu"])
    env["omp_threads_cpu_reference"] = tv["cpu"].env.get("OMP_NUM_THREADS", "default")
    for k in ("host", "cpu", "cpu_cores", "nvidia_smi", "driver_cuda", "libcuda", "cublas", "torch",
              "torch_cuda", "torch_gpu", "tvq_run", "tvq_run_device_flag", "omp_threads_cpu_reference"):
        if k in env:
            log("  %-20s %s" % (k, env[k]))
    log("  %-20s commit %s%s, seed %d, created %s, %s / %s" % (
        "kit", kit.m["commit"], " (dirty tree)" if kit.m["dirty_tree"] else "", kit.m["seed"],
        kit.m["created"], kit.m["cuda_arch"], kit.m["cpu"]))
    if rc != 0:
        rep.problem("tvq-run does not start with the kit's libraries: " + first_error_line(err))
    rep.save()


def materialize(kit, check, tvq, work, ref_outputs, model_inputs):
    """Input paths of a check: the kit's, or generated here (the enwik8-size model's, too big to
    carry), with the same code and seed as gpu-prepare uses."""
    if check.get("inputs"):
        return [kit.file(p) for p in check["inputs"]]
    recipe = check["recipe"]
    info = tvq.info(kit.module(check["module"], "cpu"))[check["function"]]
    d = os.path.join(work, "inputs", check["name"])
    if recipe["kind"] == "model":
        mi = model_inputs.get(check["module"])
        if mi is None:
            mi_dir = os.path.join(work, "model_init", check["module"])
            os.makedirs(mi_dir, exist_ok=True)
            mi = model_inputs[check["module"]] = ModelInputs(
                tvq, kit.module(check["module"], "cpu"),
                os.path.join(ROOT, kit.m["corpus"]["path"]), kit.m["seed"], mi_dir)
        state = None
        if recipe.get("state_from"):
            src = ref_outputs.get(recipe["state_from"])
            if src is None:
                raise RuntimeError("needs the CPU outputs of %s, which did not run" %
                                   recipe["state_from"])
            state = {n: np.load(p) for n, p in src.items() if n.startswith("state.")}
        arrays = mi.arrays(recipe, info, state_from=state)
    else:
        arrays = op_inputs(recipe, info)
    return save_inputs(arrays, d)


def correctness_section(rep, kit, tv, dry, sec, work):
    tvq = tv["cpu"]
    log("  tolerances: relative error max|cuda - cpu| / max|cpu| per output; forward %.0e, "
        "gradients and train_step %.0e, train_step update (new - old) %.0e; integer outputs "
        "exact (up to %.1f%% near-tie flips, reported)" % (TOL["forward"], TOL["grad"], UPDATE_TOL,
                                                          100 * FLIP_FRACTION))
    hdr = "  %-40s %-12s %-24s %9s %7s %8s %8s  %s" % (
        "check", "B x T", "worst output", "rel err", "tol", "cpu s", "cuda s", "result")
    log(hdr)
    ref_outputs = {}
    model_inputs = {}
    failed = 0
    for check in kit.m["checks"]:
        row = dict(name=check["name"], B=check["B"], T=check["T"], tol=check["tol"],
                   cls=check["cls"], note=check.get("note", ""), outputs={})
        rep.data["checks"].append(row)
        if sec.left() < 5:
            row["result"] = "SKIPPED (section time budget)"
            log("  %-40s %s" % (check["name"], row["result"]))
            rep.save()
            continue
        try:
            inputs = materialize(kit, check, tvq, work, ref_outputs, model_inputs)
        except Exception as e:  # noqa: BLE001
            row["result"] = "FAIL"
            row["error"] = "inputs: %s" % e
            failed += 1
            log("  %-40s FAIL (inputs: %s)" % (check["name"], e))
            rep.save()
            continue
        outdir = os.path.join(work, "out", check["name"])
        # both sides at once (the CPU one on all but two cores)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futs = {target: pool.submit(run_call, tv[target], kit.module(check["module"], target),
                                        check["function"], inputs, check["outputs"],
                                        os.path.join(outdir, target), sec.timeout(300), target)
                    for target in ("cuda", "cpu")}
            cpu, cuda = futs["cpu"].result(), futs["cuda"].result()
        row["cpu_s"] = round(cpu["seconds"], 3)
        if cpu["rc"] != 0:
            row["result"] = "FAIL"
            row["error"] = "CPU reference: " + cpu["error"]
            failed += 1
            log("  %-40s FAIL (the CPU reference failed: %s)" % (check["name"], cpu["error"]))
            rep.save()
            continue
        ref_outputs[check["name"]] = {o["name"]: p for o, p in zip(check["outputs"], cpu["paths"])}
        row["cuda_s"] = round(cuda["seconds"], 3)
        bxt = "%d x %d" % (check["B"], check["T"])
        if dry:
            if clean_failure(cuda["rc"], cuda["stderr"]):
                row["result"] = "DRY-OK"
                row["cuda_error"] = cuda["error"]
                log("  %-40s %-12s cpu ok in %.2f s; cuda fails cleanly: %s" % (
                    check["name"], bxt, cpu["seconds"], short_error(cuda["error"])[:90]))
            else:
                row["result"] = "FAIL"
                row["error"] = "CUDA call did not fail cleanly without a GPU (rc %d): %s" % (
                    cuda["rc"], cuda["error"] or "no error message")
                failed += 1
                log("  %-40s FAIL %s" % (check["name"], row["error"]))
            rep.save()
            continue
        if cuda["rc"] != 0:
            row["result"] = "FAIL"
            row["error"] = "CUDA: " + cuda["error"]
            failed += 1
            log("  %-40s %-12s %-24s %9s %7.0e %8.2f %8s  FAIL (%s)" % (
                check["name"], bxt, "-", "-", check["tol"], cpu["seconds"], "-", cuda["error"][:100]))
            rep.save()
            continue
        ok = True
        worst = (None, -1.0)
        ints = []
        in_map = dict(zip(check["input_names"], inputs))
        for o, pc, pg in zip(check["outputs"], cpu["paths"], cuda["paths"]):
            ref, got = np.load(pc), np.load(pg)
            c = compare_arrays(ref, got, o["dtype"])
            c["dtype"] = o["dtype"]
            if c["kind"] == "shape":
                ok = False
            elif c["kind"] == "float":
                c["tol"] = check["tol"]
                c["pass"] = c["err"] <= check["tol"] and c["nonfinite"] == 0
                if c["err"] > worst[1]:
                    worst = (o["name"], c["err"])
                # the update itself, where the output is a new value of an input
                if check["cls"] == "train" and o["name"] in in_map and not o["name"].startswith("state."):
                    old = np.load(in_map[o["name"]]).astype(np.float64)
                    du = compare_arrays(ref.astype(np.float64) - old, got.astype(np.float64) - old,
                                        "f64")
                    c["update_err"] = du["err"]
                    if du["err"] > UPDATE_TOL:
                        c["pass"] = False
                ok &= c["pass"]
            else:
                allowed = 0 if o["dtype"] == "i64" else max(1, int(FLIP_FRACTION * c["n"]))
                c["allowed"] = allowed
                c["pass"] = c["flips"] <= allowed
                if c["flips"] and "k" in in_map and "codebook" in in_map and o["name"] == "codes":
                    c["near_ties"] = near_ties(np.load(in_map["k"]), np.load(in_map["codebook"]),
                                               ref, got)
                if c["flips"]:
                    ints.append("%s %d/%d differ" % (o["name"], c["flips"], c["n"]))
                ok &= c["pass"]
            row["outputs"][o["name"]] = c
        upd = [c.get("update_err") for c in row["outputs"].values() if c.get("update_err") is not None]
        if upd:
            row["worst_update_err"] = max(upd)
        row["worst"] = worst[0]
        row["max_rel_err"] = worst[1]
        row["result"] = "PASS" if ok else "FAIL"
        if not ok:
            failed += 1
        note = "; ".join(ints + (["update err %.1e" % max(upd)] if upd else []))
        log("  %-40s %-12s %-24s %9.2e %7.0e %8.2f %8.2f  %s%s" % (
            check["name"], bxt, (worst[0] or "-")[:24], max(worst[1], 0), check["tol"],
            cpu["seconds"], cuda["seconds"], row["result"], (" (" + note + ")") if note else ""))
        rep.save()
    return failed


def read_metrics(path):
    rows = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def train_section(rep, kit, tv, dry, sec, work):
    log("  loss tolerance (relative, ce per step): %s; the CPU and the CUDA run go side by side, "
        "the CPU one on %s threads" % (kit.m["tolerances"]["loss"], tv["cpu"].env.get("OMP_NUM_THREADS")))
    corpus = os.path.join(ROOT, kit.m["corpus"]["path"])
    failed = 0
    for t in kit.m["train"]:
        steps = min(t["steps"], 3) if dry else t["steps"]
        row = dict(name=t["name"], steps=steps, batch=t["batch"], seq_len=t["seq_len"])
        rep.data["train"].append(row)
        if sec.left() < 10:
            row["result"] = "SKIPPED (section time budget)"
            log("  %-10s %s" % (t["name"], row["result"]))
            continue
        # the later models get their share of what is left
        later = len(kit.m["train"]) - kit.m["train"].index(t)
        cap = max(5.0, sec.left() - 5) if later == 1 else max(5.0, sec.left() / 3)

        def one(target):
            out = os.path.join(work, "train", "%s.%s" % (t["name"], target))
            shutil.rmtree(out, ignore_errors=True)
            args = ["train", kit.module(t["module"], target), "--data", corpus, "--steps",
                    str(steps), "--batch", str(t["batch"]), "--seq-len", str(t["seq_len"]),
                    "--seed", str(t["seed"]), "--log-every", "1", "--checkpoint-every", "0",
                    "--out", out] + tv[target].device_args(target)
            rc, so, se, took = tv[target].run(args, timeout=cap)
            metrics = read_metrics(os.path.join(out, "metrics.jsonl"))
            if metrics:
                dst = os.path.join(rep.out, "train")
                os.makedirs(dst, exist_ok=True)
                shutil.copy(os.path.join(out, "metrics.jsonl"),
                            os.path.join(dst, "%s.%s.metrics.jsonl" % (t["name"], target)))
            return dict(rc=rc, seconds=round(took, 1), metrics=metrics, stderr=se[-2000:],
                        error=first_error_line(se) if rc else "")

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futs = {target: pool.submit(one, target) for target in ("cuda", "cpu")}
            runs = {target: f.result() for target, f in futs.items()}
        row["runs"] = {k: dict((kk, vv) for kk, vv in v.items() if kk not in ("metrics", "stderr"))
                       for k, v in runs.items()}
        cpu, cuda = runs["cpu"], runs["cuda"]
        if dry:
            cpu_ok = cpu["rc"] == 0 and len(cpu["metrics"]) == steps
            cuda_clean = clean_failure(cuda["rc"], cuda["stderr"])
            row["result"] = "DRY-OK" if cpu_ok and cuda_clean else "FAIL"
            if row["result"] == "FAIL":
                failed += 1
            log("  %-10s %d steps of %d x %d: cpu %s; cuda %s  %s" % (
                t["name"], steps, t["batch"], t["seq_len"],
                "ran %d steps in %.1f s, losses %s" % (
                    len(cpu["metrics"]), cpu["seconds"],
                    " ".join("%.4f" % m["loss"] for m in cpu["metrics"])) if cpu_ok
                else "FAILED (rc %d): %s" % (cpu["rc"], cpu["error"]),
                "fails cleanly: %s" % short_error(cuda["error"])[:90] if cuda_clean
                else "did not fail cleanly (rc %d): %s" % (cuda["rc"], cuda["error"]),
                row["result"]))
            rep.save()
            continue
        mc, mg = cpu["metrics"], cuda["metrics"]
        for k, v in (("cpu", cpu), ("cuda", cuda)):
            ms = v["metrics"]
            tps = sorted(m["tokens_per_s"] for m in ms[2:]) or sorted(m["tokens_per_s"] for m in ms)
            if tps:
                row["%s_tokens_per_s" % k] = tps[len(tps) // 2]
        compared = []
        ok = bool(mc) and bool(mg)
        first_over = None
        for a, b in zip(mc, mg):
            s = int(a["step"])
            err = abs(a["loss"] - b["loss"]) / max(abs(a["loss"]), 1e-12)
            tol = loss_tol(s)
            compared.append(dict(step=s, cpu=a["loss"], cuda=b["loss"], rel=err, tol=tol,
                                 grad_norm_cpu=a.get("grad_norm"), grad_norm_cuda=b.get("grad_norm")))
            if err > tol:
                ok = False
                if first_over is None:
                    first_over = s
        notes = []
        for k, v in (("cpu", cpu), ("cuda", cuda)):
            if v["rc"] == 124:
                notes.append("%s stopped by the time budget after %d steps" % (k, len(v["metrics"])))
            elif v["rc"] != 0:
                notes.append("%s failed: %s" % (k, v["error"]))
                ok = False
        row["steps_compared"] = compared
        row["notes"] = notes
        row["result"] = ("PASS" if len(compared) == steps else "PASS (partial)") if ok else "FAIL"
        if not ok:
            failed += 1
        first = compared[0] if compared else None
        worst = max(compared, key=lambda d: d["rel"] / d["tol"]) if compared else None
        if compared:
            log("  %-10s %d of %d steps of %d x %d compared: step 1 loss cpu %.5f cuda %.5f "
                "(rel %.1e), worst step %d rel %.1e (tol %.0e)%s; tok/s cpu %s cuda %s  %s%s" % (
                    t["name"], len(compared), steps, t["batch"], t["seq_len"], first["cpu"],
                    first["cuda"], first["rel"], worst["step"], worst["rel"], worst["tol"],
                    "" if first_over is None else ", first over tolerance at step %d" % first_over,
                    fnum(row.get("cpu_tokens_per_s")), fnum(row.get("cuda_tokens_per_s")),
                    row["result"], "".join(" [%s]" % n for n in notes)))
            log("    %5s %10s %10s %9s %10s %10s" % ("step", "cpu loss", "cuda loss", "rel",
                                                     "cpu |g|", "cuda |g|"))
            for d in compared:
                log("    %5d %10.5f %10.5f %9.1e %10.4g %10.4g%s" % (
                    d["step"], d["cpu"], d["cuda"], d["rel"], d["grad_norm_cpu"] or 0,
                    d["grad_norm_cuda"] or 0, "  > tol %.0e" % d["tol"] if d["rel"] > d["tol"] else ""))
        else:
            log("  %-10s FAIL: nothing to compare (cpu: %s, %d steps; cuda: %s, %d steps)" % (
                t["name"], cpu["error"] or "rc %d" % cpu["rc"], len(mc),
                cuda["error"] or "rc %d" % cuda["rc"], len(mg)))
        rep.save()
    return failed


def find_library(soname, env_var, patterns, extra_globs=()):
    """(path, where) of this machine's `soname`: $env_var, the Python packages (`patterns` under
    each site-packages root), the loader cache, or `extra_globs`; (None, what was searched) when
    there is none."""
    env = os.environ.get(env_var)
    if env:
        return (env, env_var) if os.path.exists(env) else (
            None, "%s=%s does not exist" % (env_var, env))
    import glob
    import site
    roots = [p for p in sys.path if p and os.path.isdir(p)]
    try:
        roots += site.getsitepackages() + [site.getusersitepackages()]
    except AttributeError:  # some virtualenvs
        pass
    for root in dict.fromkeys(roots):
        for pattern in patterns:
            hits = sorted(glob.glob(os.path.join(root, pattern)))
            if hits:
                return hits[0], "Python packages (%s)" % pattern.split("/lib/")[0]
    ld = subprocess.run(["bash", "-c", "ldconfig -p 2>/dev/null | grep -m1 '%s '" % soname],
                        capture_output=True, text=True).stdout.strip()
    if "=>" in ld:
        return ld.split("=>")[-1].strip(), "the loader cache (ldconfig -p)"
    for pattern in extra_globs:
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[-1], pattern
    return None, ("no %s in the Python packages (%s), the loader cache (ldconfig -p) or %s, and "
                  "%s is not set" % (soname, ", ".join(p.split("/lib/")[0] for p in patterns),
                                     ", ".join(extra_globs) or "-", env_var))


def find_nccl():
    """(path, where) of this machine's libnccl.so.2: $TVQ_NCCL_LIBRARY, PyTorch's wheels
    (nvidia/nccl/lib, torch/lib under the Python packages) or the loader cache."""
    return find_library("libnccl.so.2", "TVQ_NCCL_LIBRARY",
                        ("nvidia/nccl/lib/libnccl.so.2", "torch/lib/libnccl.so.2"))


def find_cublas():
    """(path, where) of this machine's libcublas.so.13 (or .12), which CUDA modules call for
    their f32 matrix products: $TVQ_CUBLAS_LIBRARY, PyTorch's wheels, the loader cache or
    /usr/local/cuda*/."""
    for so in ("libcublas.so.13", "libcublas.so.12"):
        path, where = find_library(
            so, "TVQ_CUBLAS_LIBRARY",
            ("nvidia/cu13/lib/" + so, "nvidia/cublas/lib/" + so, "torch/lib/" + so),
            ("/usr/local/cuda*/lib*/" + so, "/usr/local/cuda*/targets/*/lib/" + so))
        if path or os.environ.get("TVQ_CUBLAS_LIBRARY"):
            return path, where
    return None, where


def gpu_count():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return 0
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30).stdout
    except Exception:  # noqa: BLE001
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def compare_runs(ref, got):
    """(worst relative difference, where) between two training runs: the losses, gradient norms
    and learning rates of every step, and every tensor of the final checkpoints (relative to the
    largest magnitude of the tensor)."""
    worst, where = 0.0, "-"
    if len(ref["metrics"]) != len(got["metrics"]):
        return float("inf"), "%d vs %d logged steps" % (len(ref["metrics"]), len(got["metrics"]))
    for a, b in zip(ref["metrics"], got["metrics"]):
        for key in ("loss", "grad_norm", "lr"):
            x, y = a.get(key), b.get(key)
            if x is None or y is None:
                continue
            rel = abs(x - y) / max(abs(x), 1e-30)
            if rel > worst:
                worst, where = rel, "%s at step %s" % (key, a["step"])
    ta, tb = read_safetensors(ref["checkpoint"]), read_safetensors(got["checkpoint"])
    if sorted(ta) != sorted(tb):
        return float("inf"), "the checkpoints hold different tensors"
    for name in sorted(ta):
        x, y = ta[name].astype(np.float64), tb[name].astype(np.float64)
        if x.shape != y.shape:
            return float("inf"), "%s: shapes %s vs %s" % (name, x.shape, y.shape)
        if x.size == 0:
            continue
        rel = float(np.max(np.abs(x - y)) / max(float(np.max(np.abs(x))), 1e-30))
        if rel > worst:
            worst, where = rel, "checkpoint tensor %s" % name
    return worst, where


def nccl_section(rep, kit, tv, dry, sec, work):
    """tvq-run train --comm=nccl (one process: a one-rank NCCL communicator, the gradients of
    --accum micro-batches summed through the GPU) against --comm=mpi (one process: summed on the
    host) on the same module: the same losses and final checkpoint within NCCL_TOL. Two ranks
    (mpirun -np 2) only where there are mpirun and two GPUs: NCCL refuses two ranks on one."""
    plan = kit.m.get("nccl")
    res = rep.data["nccl"] = {}
    if not plan:
        res["result"] = "SKIPPED (this kit has no NCCL plan: prepare it again)"
        log("  " + res["result"])
        return 0
    lib, where = find_nccl()
    steps = min(plan["steps"], 2) if dry else plan["steps"]
    res.update(library=lib, found_in=where, module=plan["module"], steps=steps,
               batch=plan["batch"], accum=plan["accum"], seq_len=plan["seq_len"], tol=NCCL_TOL)
    log("  libnccl.so.2: %s" % ("%s (%s)" % (lib, where) if lib else "NOT FOUND: " + where))
    corpus = os.path.join(ROOT, kit.m["corpus"]["path"])

    def train(name, target, comm, launcher=(), batch=plan["batch"], accum=plan["accum"]):
        out = os.path.join(work, "nccl", name)
        shutil.rmtree(out, ignore_errors=True)
        tvq = tv[target]
        args = ["train", kit.module(plan["module"], target), "--data", corpus, "--steps",
                str(steps), "--batch", str(batch), "--accum", str(accum), "--seq-len",
                str(plan["seq_len"]), "--seed", str(plan["seed"]), "--log-every", "1",
                "--checkpoint-every", "0", "--comm", comm, "--out", out] + tvq.device_args(target)
        env = dict(tvq.env, **({"TVQ_NCCL_LIBRARY": lib} if lib else {}))
        start = time.perf_counter()
        try:
            p = subprocess.run(list(launcher) + [tvq.exe] + args, capture_output=True, text=True,
                               env=env, timeout=sec.timeout(cap=max(5.0, sec.left() - 5)))
            rc, so, se = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, so, se = 124, "", "timed out"
        return dict(rc=rc, stdout=so, stderr=se, seconds=round(time.perf_counter() - start, 1),
                    error=first_error_line(se) if rc else "",
                    metrics=read_metrics(os.path.join(out, "metrics.jsonl")),
                    checkpoint=os.path.join(out, "checkpoint.safetensors"))

    if dry:
        # the CPU half (the reference on the CPU module) runs; the NCCL run needs CUDA
        ref = train("ref", "cpu", "mpi")
        ok_ref = ref["rc"] == 0 and len(ref["metrics"]) == steps
        if lib:
            got = train("nccl", "cuda", "nccl")
            nccl_clean = clean_failure(got["rc"], got["stderr"])
            nccl_text = ("fails cleanly: %s" % got["error"].replace("tvq-run: error: ", "")[:110]
                         if nccl_clean else "did not fail cleanly (rc %d): %s" % (got["rc"],
                                                                                  got["error"]))
        else:
            nccl_clean, nccl_text = True, "skipped (no NCCL here)"
        res["result"] = "DRY-OK" if ok_ref and nccl_clean else "FAIL"
        log("  %s %d steps of %d x %d rows x %d: --comm=mpi on the cpu module %s; --comm=nccl on "
            "the cuda module %s  %s" % (
                plan["module"], steps, plan["accum"], plan["batch"], plan["seq_len"],
                "ran %d steps in %.1f s" % (len(ref["metrics"]), ref["seconds"]) if ok_ref
                else "FAILED (rc %d): %s" % (ref["rc"], ref["error"]), nccl_text, res["result"]))
        log("  PLAN: mpirun -np 2 --comm=nccl where mpirun and 2 GPUs exist (here: %s, %d GPUs)" % (
            "mpirun" if shutil.which("mpirun") else "no mpirun", gpu_count()))
        return 0 if res["result"] == "DRY-OK" else 1
    if not lib:
        res["result"] = "SKIPPED (%s)" % where
        log("  " + res["result"])
        return 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futs = {comm: pool.submit(train, comm, "cuda", comm) for comm in ("mpi", "nccl")}
        runs = {comm: f.result() for comm, f in futs.items()}
    res["runs"] = {k: dict(rc=v["rc"], seconds=v["seconds"], error=v["error"], steps=len(v["metrics"]))
                   for k, v in runs.items()}
    failed = 0
    banner = [line for line in runs["nccl"]["stdout"].splitlines()
              if line.startswith("gradients summed with")]
    res["banner"] = banner[0] if banner else None
    if banner:
        log("  " + banner[0])
    if any(v["rc"] != 0 for v in runs.values()):
        res["result"] = "FAIL"
        for k, v in runs.items():
            if v["rc"]:
                log("  --comm=%s failed (rc %d, %.1f s): %s" % (k, v["rc"], v["seconds"], v["error"]))
        failed += 1
    else:
        worst, at = compare_runs(runs["mpi"], runs["nccl"])
        res.update(max_rel=worst, worst=at, result="PASS" if worst <= NCCL_TOL else "FAIL")
        failed += res["result"] != "PASS"
        log("  one process, %d steps of %d x %d rows x %d on CUDA: --comm=nccl vs --comm=mpi: "
            "worst rel %.1e (%s), tol %.0e; %.1f s / %.1f s  %s" % (
                steps, plan["accum"], plan["batch"], plan["seq_len"], worst, at, NCCL_TOL,
                runs["nccl"]["seconds"], runs["mpi"]["seconds"], res["result"]))
    rep.save()

    # two ranks: one GPU each
    mpirun, gpus = shutil.which("mpirun"), gpu_count()
    if not mpirun or gpus < 2:
        res["two_ranks"] = "SKIPPED (%s)" % (
            "no mpirun on this machine" if not mpirun else
            "%d GPU%s here: two ranks need a GPU each, NCCL refuses two on one ('Duplicate GPU "
            "detected')" % (gpus, "" if gpus == 1 else "s"))
    elif runs["mpi"]["rc"] != 0 or sec.left() < 10:
        res["two_ranks"] = "SKIPPED (%s)" % ("no reference run" if runs["mpi"]["rc"] else
                                             "section time budget")
    else:
        two = train("nccl2", "cuda", "nccl", accum=1, launcher=(
            mpirun, "-np", "2", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
            "-x", "LD_LIBRARY_PATH", "-x", "TVQ_NCCL_LIBRARY"))
        if two["rc"] != 0:
            res["two_ranks"] = "FAIL (rc %d: %s)" % (two["rc"], two["error"])
            failed += 1
        else:
            worst, at = compare_runs(runs["mpi"], two)
            res["two_ranks"] = "%s (worst rel %.1e, %s)" % (
                "PASS" if worst <= NCCL_TOL else "FAIL", worst, at)
            failed += worst > NCCL_TOL
    log("  mpirun -np 2 --comm=nccl (2 workers x %d rows = 1 worker x --accum 2): %s" % (
        plan["batch"], res["two_ranks"]))
    return failed


def predicted(last, T, power):
    """Seconds per call at T from (T0, seconds at T0), time ~ T^power."""
    if last is None:
        return None
    T0, s0 = last
    return s0 * (T / T0) ** power


def bench_section(rep, kit, tv, dry, sec, work):
    tvq = tv["cuda"]
    b = kit.m["bench"]
    res = rep.data["bench"]
    peers = None
    if not dry:
        try:
            sys.path.insert(0, HERE)
            import gpu_torch_peers as peers  # noqa: E402
        except Exception as e:  # noqa: BLE001
            rep.problem("PyTorch peers unavailable: %s" % e)
            log("  PyTorch peers unavailable: %s" % e)
    # the bf16 GEMM peak
    if peers is not None:
        try:
            res["gemm_peak"] = peers.gemm_peak()
            log("  bf16 GEMM peak (torch.matmul 8192^3): %.0f TFLOP/s" % res["gemm_peak"]["tflops"])
        except Exception as e:  # noqa: BLE001
            log("  bf16 GEMM peak: failed (%s)" % e)
    elif dry:
        log("  PLAN: bf16 GEMM peak, torch.matmul 8192 x 8192 x 8192 bf16, median of 20")
    else:
        log("  bf16 GEMM peak: not measured (no PyTorch)")
    peak = res.get("gemm_peak", {}).get("tflops")
    predict = {}
    try:
        bench_train(rep, kit, tv, dry, sec, work, peers, peak)
    except Exception as e:  # noqa: BLE001
        log("  training step: failed (%s)" % e)
        rep.problem("bench training step: %s" % e)

    for kind in ("layer", "layer_fused", "layer_softmax", "layer_fused_bf16", "grad"):
        spec = b.get(kind)
        if not spec:
            continue
        info = named(tvq.info(kit.module(spec["module"], "cpu"))[spec["function"]], spec["kind"])
        S, K = sig_dims(info, "codebook")
        V = sig_dims(info, "v")[2]
        L = spec["L"]
        title = {"layer": "layer forward", "layer_fused": "layer forward, fused attention kernel",
                 "layer_fused_bf16": "layer forward, fused attention kernel, bf16 mma.sync",
                 "layer_softmax": "layer forward, softmax-weights kernel + products",
                 "grad": "layer forward + backward"}[kind]
        log("  %s (%s, B=1; tvq: %s.%s, whole tvq-run bench calls, median):" % (
            title, spec["widths"], spec["module"], spec["function"]))
        rows = res.setdefault(kind, [])
        if not dry:
            log("    %7s %9s %10s %7s %6s | %9s %7s %6s | %9s %7s %-10s| %8s %8s" % (
                "T", "tvq ms", "tok/s", "TFLOP/s", "%peak", "bf16 ms", "TFLOP/s", "%peak",
                "fp32 ms", "TFLOP/s", "backend", "bf16/tvq", "fp32/tvq"))
        for T in b["sizes"]:
            row = dict(T=T, K=K, V=V, S=S, L=L)
            mult = 3 if kind == "grad" else 1
            row["flops_vq"] = mult * vq_flops(T, K, V, S, L)
            row["flops_dense"] = mult * dense_flops(T, K, V)
            rows.append(row)
            if dry:
                recipe = dict(kind=spec["kind"], B=1, T=T, seed=kit.m["seed"] + T)
                nbytes = input_bytes(info, 1, T)
                log("    PLAN: T=%6d  tvq-run bench %s --function=%s (inputs %s, generated with "
                    "seed %d); SDPA flash bf16 and fp32 [1,1,%d,%d], v in %d-wide slices; "
                    "%.2f GFLOP (VQ), %.2f GFLOP (dense)" % (
                        T, spec["module"] + ".cuda.so", spec["function"], mib(nbytes),
                        recipe["seed"], T, K, K, row["flops_vq"] / 1e9, row["flops_dense"] / 1e9))
                if T == b["sizes"][0]:
                    files = save_inputs(op_inputs(recipe, info),
                                        os.path.join(work, "bench", "%s_T%d" % (kind, T)))
                    rc, so, se, took = tvq.run(["bench", kit.module(spec["module"], "cuda"),
                                                "--function=" + spec["function"], "--repeat=1",
                                                "--warmup=0"] + tvq.device_args("cuda") +
                                               ["--input=@" + p for p in files], timeout=60)
                    row["dry_cuda"] = first_error_line(se)
                    if clean_failure(rc, se):
                        log("    tvq-run bench on the CUDA module fails cleanly: %s" %
                            short_error(first_error_line(se))[:90])
                    else:
                        rep.problem("tvq-run bench on the CUDA module did not fail cleanly "
                                    "without a GPU (rc %d)" % rc)
                        log("    FAIL: tvq-run bench on the CUDA module did not fail cleanly "
                            "(rc %d): %s" % (rc, first_error_line(se)))
                continue
            # tvq: one tvq-run bench process per size; the repeat count from the previous
            # size's time (linear in T), or a probe call for the first size
            key = "tvq_" + kind
            est = predicted(predict.get(key), T, 1)
            if est is not None and est * 3 + 20 > sec.left():
                row["tvq_note"] = "skipped: predicted %.0f s per call, %.0f s left" % (est, sec.left())
            elif sec.left() < 15:
                row["tvq_note"] = "skipped: section time budget"
            else:
                try:
                    files = save_inputs(op_inputs(dict(kind=spec["kind"], B=1, T=T,
                                                       seed=kit.m["seed"] + T), info),
                                        os.path.join(work, "bench", "%s_T%d" % (kind, T)))

                    def tvq_bench(repeat, warmup):
                        rc, so, se, took = tvq.run(
                            ["bench", kit.module(spec["module"], "cuda"),
                             "--function=" + spec["function"], "--repeat=%d" % repeat,
                             "--warmup=%d" % warmup] + tvq.device_args("cuda") +
                            ["--input=@" + p for p in files], timeout=sec.timeout(240))
                        if rc != 0:
                            raise RuntimeError(first_error_line(se) or "rc %d" % rc)
                        return json.loads(so.strip().splitlines()[-1])

                    if est is None:
                        est = tvq_bench(1, 1)["median_ms"] / 1e3
                    repeat = int(max(3, min(20, 2.0 / max(est, 1e-3))))
                    if est * (repeat + 1) > sec.left() / 4:
                        repeat = 1
                    r = tvq_bench(repeat, 1)
                    row["tvq"] = r["median_ms"]
                    row["tvq_min"] = r.get("min_ms")
                    row["tvq_repeat"] = repeat
                    predict[key] = (T, r["median_ms"] / 1e3)
                    shutil.rmtree(os.path.dirname(files[0]), ignore_errors=True)
                except Exception as e:  # noqa: BLE001
                    row["tvq_note"] = "failed: %s" % e
            # PyTorch flash SDPA, bf16 and fp32 (the other layer forms reuse the layer's rows)
            same_t = [x for x in res.get("layer", []) if x["T"] == T]
            if kind.startswith("layer_") and same_t:
                for k in list(same_t[0]):
                    if k.startswith("sdpa_"):
                        row[k] = same_t[0][k]
            elif peers is not None:
                for dt in ("bf16", "fp32"):
                    k2 = "sdpa_%s_%s" % (dt, kind)
                    est = predicted(predict.get(k2), T, 2)
                    if est is not None and est * 5 > sec.left():
                        row["sdpa_%s_note" % dt] = "skipped: predicted %.1f s per call" % est
                        continue
                    if sec.left() < 10:
                        row["sdpa_%s_note" % dt] = "skipped: section time budget"
                        continue
                    try:
                        r = peers.sdpa_time(T, K, V, dt, backward=(kind == "grad"),
                                            budget=min(20.0, sec.left() / 6))
                        row["sdpa_" + dt] = r["ms"]
                        row["sdpa_%s_backend" % dt] = r["backend"]
                        predict[k2] = (T, r["ms"] / 1e3)
                    except Exception as e:  # noqa: BLE001
                        row["sdpa_%s_note" % dt] = "failed: %s" % str(e).splitlines()[0][:200]
            tv, sb, sf = row.get("tvq"), row.get("sdpa_bf16"), row.get("sdpa_fp32")

            def tf(flops, ms):
                return None if not ms else flops / ms / 1e9

            row["tvq_tflops"] = tf(row["flops_vq"], tv)
            row["sdpa_bf16_tflops"] = tf(row["flops_dense"], sb)
            row["sdpa_fp32_tflops"] = tf(row["flops_dense"], sf)
            log("    %7d %9s %10s %7s %6s | %9s %7s %6s | %9s %7s %-10s| %8s %8s%s" % (
                T, fms(tv), "-" if not tv else "%.0f" % (T / tv * 1e3), ftf(row["tvq_tflops"]),
                fpk(row["tvq_tflops"], peak), fms(sb), ftf(row["sdpa_bf16_tflops"]),
                fpk(row["sdpa_bf16_tflops"], peak), fms(sf), ftf(row["sdpa_fp32_tflops"]),
                (row.get("sdpa_fp32_backend") or "-")[:10], fratio(sb, tv), fratio(sf, tv),
                "".join("  [%s: %s]" % (k[:-5], row[k]) for k in row if k.endswith("_note"))))
            rep.save()

    rep.save()


def train_on_cuda(kit, tvq, module, spec, steps, out, timeout):
    """tvq-run train of a kit module on the GPU alone: (metrics per step, median tokens/s of the
    steps after the first two, parameter count, a note when it did not finish)."""
    shutil.rmtree(out, ignore_errors=True)
    rc, so, se, took = tvq.run(
        ["train", kit.module(module, "cuda"), "--data",
         os.path.join(ROOT, kit.m["corpus"]["path"]), "--steps", str(steps), "--batch",
         str(spec["batch"]), "--seq-len", str(spec["seq_len"]), "--seed", str(spec["seed"]),
         "--log-every", "1", "--checkpoint-every", "0", "--out", out] + tvq.device_args("cuda"),
        timeout=timeout)
    ms = read_metrics(os.path.join(out, "metrics.jsonl"))
    m = re.search(r"(\d+) parameters", so)
    tps = sorted(x["tokens_per_s"] for x in ms[2:]) or sorted(x["tokens_per_s"] for x in ms)
    note = None
    if rc != 0:
        note = ("stopped by the time budget after %d steps" % len(ms)) if rc == 124 \
            else "failed: " + first_error_line(se)
    return ms, tps[len(tps) // 2] if tps else None, int(m.group(1)) if m else None, note


def variant_how(module):
    """How a variant module differs from its base: its tvq-compile flags, or how its source
    was written."""
    return " ".join(module.get("flags") or []) or module.get("made_by", "")


def bench_train(rep, kit, tv, dry, sec, work, peers, peak):
    """The training step of the enwik8-size model: tvq-run train on the CUDA module alone (a few
    steps, tokens/s of the steps after the first two), and bench/model_torch.py on the GPU; the
    same for the 24-layer model where the kit has it."""
    b = kit.m["bench"]
    res = rep.data["bench"]
    tname = b.get("train")
    if not tname:
        return
    tspec = [t for t in kit.m["train"] if t["name"] == tname][0]
    cfg = kit.m["modules"][tspec["module"]]
    full = b.get("train_full")
    steps = 5
    if dry:
        log("  PLAN: training step of %s (%s): tvq-run train on the CUDA module alone, %d steps of "
            "%d x %d, tokens/s of steps 3..%d%s" % (
                tname, cfg["description"], steps, tspec["batch"], tspec["seq_len"], steps,
                "; PyTorch eager peer (bench/model_torch.py on cuda), same sizes"
                if tname != "micro" else ""))
        if full:
            log("  PLAN: training step of %s (%s): %d steps of %d x %d on the CUDA module alone, "
                "and the PyTorch eager peer" % (full["module"],
                                                kit.m["modules"][full["module"]]["description"],
                                                steps, full["batch"], full["seq_len"]))
        for vname in b.get("train_variants", []):
            log("  PLAN: the same steps as %s's on %s (%s)" % (
                tname, vname, variant_how(kit.m["modules"][vname])))
        return
    tvq = tv["cuda"]
    r = res["train"] = measure_train_step(kit, tvq, tname, tspec, steps,
                                          os.path.join(work, "bench_train"), sec, peers,
                                          share=(0.25, 120, 0.2))
    log_train_bench(r, peak)
    rep.save()
    # The full-size model next (the issue's target), CUDA only: no CPU module stands in for
    # it in the self-test.
    if full and not kit.cpu_as_cuda and sec.left() > 30:
        f = res["train_full"] = measure_train_step(
            kit, tvq, full["module"], dict(full), steps, os.path.join(work, "bench_train_full"),
            sec, peers, share=(0.3, 150, 0.25))
        log_train_bench(f, peak)
        rep.save()
    for vname in b.get("train_variants", []):
        vms, vtok_s, _, vnote = train_on_cuda(
            kit, tvq, vname, tspec, steps, os.path.join(work, "bench_train_" + vname),
            timeout=max(10.0, min(sec.left() * 0.2, 90)))
        v = r.setdefault("variants", {})[vname] = dict(
            flags=kit.m["modules"][vname].get("flags"),
            how=variant_how(kit.m["modules"][vname]), tokens_per_s=vtok_s,
            loss=[x.get("loss") for x in vms])
        if vnote:
            v["note"] = vnote
        log("  training step, %s: %s tok/s, %s of the cuBLAS module's%s" % (
            vname, fnum(v["tokens_per_s"]), fratio(v["tokens_per_s"],
                                                   r.get("tvq_cuda_tokens_per_s")),
            "  [%s]" % v["note"] if "note" in v else ""))
    rep.save()


def measure_train_step(kit, tvq, name, spec, steps, out, sec, peers, share):
    """The training step of kit module spec["module"] on the GPU alone, tokens/s and 6·N·tokens/s,
    then PyTorch eager's (bench/model_torch.py) at the same sizes. `share`: the fractions of the
    section's time left (and a cap in seconds) for tvq's run and the peer's."""
    tvq_share, tvq_cap, peer_share = share
    r = dict(name=name, batch=spec["batch"], seq_len=spec["seq_len"], steps=steps)
    _, tok_s, r["params"], note = train_on_cuda(
        kit, tvq, spec["module"], spec, steps, out,
        timeout=max(10.0, min(sec.left() * tvq_share, tvq_cap)))
    if tok_s:
        r["tvq_cuda_tokens_per_s"] = tok_s
        if r["params"]:
            r["tvq_model_tflops"] = 6 * r["params"] * tok_s / 1e12
    if note:
        r["tvq_note"] = note
    if peers is not None and sec.left() > 40:
        try:
            r["torch_eager"] = peers.train_tokens_per_s(
                model_cfg(kit, spec["module"]), spec["batch"], spec["seq_len"],
                budget=min(60, sec.left() * peer_share))
        except Exception as e:  # noqa: BLE001
            r["torch_eager_note"] = "failed: %s" % str(e).splitlines()[0][:200]
    return r


def log_train_bench(r, peak):
    te = r.get("torch_eager", {})
    log("  training step, %s (%s parameters), batch %d x %d: tvq cuda %s tok/s (6·N·tok/s = %s "
        "TFLOP/s, %s of peak), PyTorch eager cuda %s tok/s, ratio %s%s" % (
            r["name"], "{:,}".format(r["params"]) if r.get("params") else "?", r["batch"],
            r["seq_len"], fnum(r.get("tvq_cuda_tokens_per_s")), ftf(r.get("tvq_model_tflops")),
            fpk(r.get("tvq_model_tflops"), peak), fnum(te.get("tokens_per_s")),
            fratio(r.get("tvq_cuda_tokens_per_s"), te.get("tokens_per_s")),
            "".join("  [%s: %s]" % (k, r[k]) for k in ("tvq_note", "torch_eager_note") if k in r)))


def input_bytes(sig, B, T):
    """Bytes of an entry's inputs with the dynamic dimensions B (first) and T (second)."""
    total = 0
    for a in sig["inputs"]:
        n = 4 if a["dtype"] in ("f32", "i32") else 8
        for i, d in enumerate(a["shape"]):
            n *= d if d is not None else (B if i == 0 else T)
        total += n
    return total


def model_cfg(kit, module):
    """The tvq.model attribute of a kit model (from its source) for bench/model_torch.py."""
    src = kit.m["modules"][module]["src"]
    path = kit.file(src[4:]) if src.startswith("kit:") else os.path.join(ROOT, src)
    head = open(path).read(8192)
    m = re.search(r"tvq\.model = \{([^}]*)\}", head)
    cfg = {}
    for kv in m.group(1).split(","):
        k, _, v = kv.partition("=")
        v = v.strip().split(":")[0].strip().strip('"')
        cfg[k.strip()] = v
    return dict(name=cfg["name"], layers=int(cfg["layers"]), d_model=int(cfg["d_model"]),
                d_k=int(cfg["d_k"]), d_v=int(cfg["d_v"]), codebook=int(cfg["codebook"]),
                block_len=int(cfg["block_len"]), vocab=int(cfg["vocab"]))


def fms(x):
    return "-" if not x else ("%.1f" % x if x >= 10 else "%.3f" % x)


def ftf(x):
    return "-" if not x else "%.2f" % x if x < 10 else "%.0f" % x


def fpk(x, peak):
    return "-" if not x or not peak else "%.1f%%" % (100 * x / peak)


def fratio(a, b):
    return "-" if not a or not b else "%.2fx" % (a / b)


def fnum(x):
    return "-" if not x else "%.0f" % x


def markdown(d):
    """The results as the section of bench/RESULTS-style markdown."""
    L = []
    env = d.get("env", {})
    L.append("## H200 GPU check%s%s (%s)\n" % (
        " — DRY RUN" if d.get("dry_run") else "",
        " — SELF-TEST (CPU modules standing in for CUDA)" if d.get("cpu_as_cuda") else "",
        d["started"]))
    L.append("Written by bench/gpu_check.py (scripts/gpu-check.sh).\n")
    L.append("| | |\n|---|---|")
    for k in ("host", "nvidia_smi", "driver_cuda", "torch", "torch_gpu", "cpu", "cpu_cores"):
        if k in env:
            L.append("| %s | %s |" % (k, env[k]))
    if "kit" in env:
        L.append("| kit | commit %s%s, seed %s, %s / %s |" % (
            env["kit"]["commit"], " (dirty tree)" if env["kit"]["dirty_tree"] else "",
            env["kit"]["seed"], env["kit"]["cuda_arch"], env["kit"]["cpu"]))
    L.append("")
    if d["checks"]:
        L.append("### Correctness: CUDA module vs CPU module (tvq-run call)\n")
        L.append("| check | B x T | worst output | max rel err | tol | result |")
        L.append("|---|---|---|---|---|---|")
        for c in d["checks"]:
            L.append("| %s | %s x %s | %s | %s | %.0e | %s |" % (
                c["name"], c["B"], c["T"], c.get("worst") or "–",
                "%.2e" % c["max_rel_err"] if c.get("max_rel_err") is not None else "–", c["tol"],
                c.get("result", "?") + (" (%s)" % c["error"] if c.get("error") else "")))
        L.append("")
    if d["train"]:
        L.append("### Training: tvq-run train, CUDA vs CPU\n")
        L.append("| model | steps | batch x T | step-1 loss cpu / cuda | worst rel (tol) | "
                 "cuda tok/s | cpu tok/s | result |")
        L.append("|---|---|---|---|---|---|---|---|")
        for t in d["train"]:
            s = t.get("steps_compared") or []
            w = max(s, key=lambda x: x["rel"] / x["tol"]) if s else None
            L.append("| %s | %d | %d x %d | %s | %s | %s | %s | %s |" % (
                t["name"], t["steps"], t["batch"], t["seq_len"],
                "%.5f / %.5f" % (s[0]["cpu"], s[0]["cuda"]) if s else "–",
                "%.1e (%.0e) at step %d" % (w["rel"], w["tol"], w["step"]) if w else "–",
                fnum(t.get("cuda_tokens_per_s")), fnum(t.get("cpu_tokens_per_s")),
                t.get("result", "?")))
        L.append("")
    b = d.get("bench", {})
    peak = b.get("gemm_peak", {}).get("tflops")
    if peak:
        L.append("Measured bf16 GEMM peak (torch.matmul 8192^3): %.0f TFLOP/s.\n" % peak)
    for kind, title in (("layer", "VQ-attention layer forward"),
                        ("layer_fused", "VQ-attention layer forward, --cuda-attention=fused"),
                        ("layer_softmax", "VQ-attention layer forward, --cuda-attention=softmax"),
                        ("layer_fused_bf16", "VQ-attention layer forward, --cuda-attention=fused "
                                             "--cuda-matmul=bf16"),
                        ("grad", "VQ-attention layer forward + backward (FLOPs: 3x forward)")):
        rows = b.get(kind)
        if not rows:
            continue
        L.append("### %s, B=1 vs PyTorch SDPA (flash)\n" % title)
        L.append("| T | tvq ms | tvq tok/s | tvq TFLOP/s | % peak | SDPA bf16 ms | TFLOP/s | "
                 "SDPA fp32 ms | TFLOP/s | fp32 backend | bf16 / tvq | fp32 / tvq |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            tv = r.get("tvq")
            L.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["T"], fms(tv), "–" if not tv else "%.0f" % (r["T"] / tv * 1e3),
                ftf(r.get("tvq_tflops")), fpk(r.get("tvq_tflops"), peak), fms(r.get("sdpa_bf16")),
                ftf(r.get("sdpa_bf16_tflops")), fms(r.get("sdpa_fp32")),
                ftf(r.get("sdpa_fp32_tflops")), r.get("sdpa_fp32_backend") or "–",
                fratio(r.get("sdpa_bf16"), tv), fratio(r.get("sdpa_fp32"), tv)))
        L.append("")
    for key in ("train", "train_full"):
        t = b.get(key)
        if not t:
            continue
        L.append("Training step of %s (%s parameters), batch %d x %d, on the GPU alone: tvq %s "
                 "tok/s (6·N·tokens/s = %s TFLOP/s), PyTorch eager (bench/model_torch.py) %s "
                 "tok/s%s.\n" % (t["name"], "{:,}".format(t["params"]) if t.get("params") else "?",
                                 t["batch"], t["seq_len"], fnum(t.get("tvq_cuda_tokens_per_s")),
                                 ftf(t.get("tvq_model_tflops")),
                                 fnum(t.get("torch_eager", {}).get("tokens_per_s")),
                                 "".join(" (%s)" % t[k] for k in ("tvq_note", "torch_eager_note")
                                         if t.get(k))))
        for vname, v in (t.get("variants") or {}).items():
            L.append("- %s (%s): %s tok/s, %s of the cuBLAS module's%s\n" % (
                vname, v.get("how") or " ".join(v.get("flags") or []),
                fnum(v.get("tokens_per_s")),
                fratio(v.get("tokens_per_s"), t.get("tvq_cuda_tokens_per_s")),
                " (%s)" % v["note"] if v.get("note") else ""))
    n = d.get("nccl") or {}
    if n.get("result"):
        L.append("NCCL (tvq-run train --comm=nccl vs --comm=mpi, one process%s): %s%s%s; two "
                 "ranks: %s.\n" % (
                     ", %s %d steps of %d x %d rows x %d" % (n["module"], n["steps"], n["accum"],
                                                             n["batch"], n["seq_len"])
                     if n.get("module") else "", n["result"],
                     ", worst rel %.1e (%s)" % (n["max_rel"], n["worst"])
                     if n.get("max_rel") is not None else "",
                     ", %s" % n["banner"] if n.get("banner") else "",
                     n.get("two_ranks", "not run")))
    if d.get("problems"):
        L.append("Problems: " + "; ".join(d["problems"]) + "\n")
    return "\n".join(L) + "\n"


def check(args):
    t_start = time.perf_counter()
    out = os.path.abspath(args.out or os.environ.get("OUT") or "gpu-check-out")
    dry = args.dry_run
    rep = Report(out, dry)
    work = args.work or tempfile.mkdtemp(prefix="tvq-gpu-check.")
    os.makedirs(work, exist_ok=True)
    log("tvq GPU check%s: kit %s, results in %s, budget %s" % (
        " (DRY RUN: everything up to the point of needing CUDA)" if dry else "",
        os.path.abspath(args.kit), out, fmt_s(args.budget)))
    status = 0
    try:
        try:
            kit = Kit(args.kit, work)
        except Exception as e:  # noqa: BLE001
            log("kit manifest: FAIL: %s" % e)
            rep.problem(str(e))
            return 2
        problems, stored = kit.validate()
        log("kit manifest: %s (%d files, %s stored, %s unpacked; commit %s, seed %d, %s)" % (
            "ok" if not problems else "FAIL", len(kit.m["files"]), mib(stored),
            mib(kit.m["bytes_raw"]), kit.m["commit"], kit.m["seed"],
            "tiny only" if kit.m["tiny_only"] else "full"))
        for p in problems:
            log("  " + p)
            rep.problem(p)
        corpus = os.path.join(ROOT, kit.m["corpus"]["path"])
        if not os.path.exists(corpus) or os.path.getsize(corpus) != kit.m["corpus"]["bytes"]:
            problems.append("corpus %s missing or of another size" % corpus)
            log("  corpus %s: missing or of another size" % corpus)
        if problems:
            return 2
        # the uncompressed libraries stay in the kit, the compressed ones were unpacked to work/
        libdirs = [d for d in (os.path.join(kit.path, "lib"), os.path.join(work, "kit", "lib"))
                   if os.path.isdir(d)]
        rc, _, err, _ = TvqRun(kit.file("bin/tvq-run"), libdirs).run(["--help"], timeout=30)
        if rc != 0:
            libdirs += [d for d in (os.path.join(kit.path, "lib/compat"),
                                    os.path.join(work, "kit", "lib/compat")) if os.path.isdir(d)]
            log("  tvq-run does not start with the system's libstdc++/libgcc_s (%s): using the "
                "kit's lib/compat" % first_error_line(err))
        threads = args.threads or max(1, (os.cpu_count() or 2) - 2)
        tv = dict(cpu=TvqRun(kit.file("bin/tvq-run"), libdirs, threads=threads),
                  cuda=TvqRun(kit.file("bin/tvq-run"), libdirs))
        if args.cpu_as_cuda:
            rep.data["cpu_as_cuda"] = True
            kit.cpu_as_cuda = True
            tv["cuda"].force_target = "cpu"
            log("SELF-TEST: the CPU modules stand in for the CUDA ones (--cpu-as-cuda); this "
                "tests the check, not CUDA")
        if dry:
            # no driver even where there is one: the dry run tests the path without a GPU
            for t in tv.values():
                t.env["TVQ_CUDA_DRIVER"] = "/nonexistent/libcuda.so.1"
        # CUDA modules call cuBLAS for their f32 matrix products (the generated kernels where
        # there is none): name the machine's library, wherever it is.
        cublas, cublas_where = find_cublas()
        rep.data["env"]["cublas"] = ("%s (%s)" % (cublas, cublas_where)) if cublas else \
            "none: " + cublas_where + "; matrix products run as the modules' own kernels"
        if cublas:
            tv["cuda"].env["TVQ_CUBLAS_LIBRARY"] = cublas
        if args.profile:
            tv["cuda"].env["TVQ_CUDA_PROFILE"] = "1"
            tv["cuda"].profile_log = os.path.join(out, "cuda-profile.txt")
            log("PROFILE: every CUDA tvq-run reports its kernels' times (launch to synchronize) "
                "to %s" % tv["cuda"].profile_log)

        # seconds (> 1) or shares of what the fixed ones leave
        budgets = dict(env=15, correctness=0.27, train=0.33, bench=0.40, nccl=40)
        fixed = sum(b for b in budgets.values() if b > 1)
        total = args.budget - (time.perf_counter() - t_start)
        carry = 0.0
        failed = 0
        plan = [("a", "env", "environment"), ("b", "correctness",
                                               "correctness: CUDA module vs CPU module, tvq-run call, same inputs"),
                ("c", "train", "training: tvq-run train on the CUDA and the CPU module"),
                ("d", "bench", "benchmarks" + (" (plan; nothing is timed in a dry run)" if dry else "")),
                ("e", "nccl", "NCCL: tvq-run train --comm=nccl against --comm=mpi")]
        for letter, key, title in plan:
            if args.sections and key not in args.sections.split(","):
                continue
            share = budgets[key] if budgets[key] > 1 else budgets[key] * (total - fixed)
            remaining = args.budget - (time.perf_counter() - t_start)
            sec = Section(key, max(0.0, min(share + carry, remaining - 5)))
            log("")
            log("== %s. %s [budget %s]" % (letter, title, fmt_s(sec.budget)))
            rep.data["sections"][key] = dict(budget_s=round(sec.budget, 1))
            try:
                if key == "env":
                    env_section(rep, kit, tv, dry, sec)
                elif key == "correctness":
                    failed += correctness_section(rep, kit, tv, dry, sec, work)
                elif key == "train":
                    failed += train_section(rep, kit, tv, dry, sec, work)
                elif key == "bench":
                    bench_section(rep, kit, tv, dry, sec, work)
                else:
                    failed += nccl_section(rep, kit, tv, dry, sec, work)
                rep.data["sections"][key]["status"] = "done"
            except Exception as e:  # noqa: BLE001
                import traceback
                rep.data["sections"][key]["status"] = "error: %s" % e
                rep.problem("section %s: %s" % (key, e))
                log("  section %s stopped by an error: %s" % (key, e))
                traceback.print_exc(file=sys.stdout)
            used = time.perf_counter() - sec.start
            rep.data["sections"][key]["used_s"] = round(used, 1)
            carry = max(0.0, sec.budget - used)
            rep.save()

        n_checks = len(rep.data["checks"])
        n_pass = sum(1 for c in rep.data["checks"] if c.get("result") in ("PASS", "DRY-OK"))
        n_train = sum(1 for t in rep.data["train"] if t.get("result") in ("PASS", "DRY-OK"))
        log("")
        if dry:
            ok = failed == 0 and not rep.data["problems"]
            log("dry run: %d of %d checks and %d of %d training runs ready (CPU half ran, CUDA "
                "half failed cleanly), NCCL %s, %d problems: %s" % (
                    n_pass, n_checks, n_train, len(rep.data["train"]),
                    rep.data.get("nccl", {}).get("result", "not run"),
                    failed + len(rep.data["problems"]), "READY" if ok else "NOT READY"))
            status = 0 if ok else 1
        else:
            log("summary: correctness %d/%d PASS, training %d/%d PASS, NCCL %s%s, %s in all" % (
                n_pass, n_checks, n_train, len(rep.data["train"]),
                rep.data.get("nccl", {}).get("result", "not run"),
                "" if not rep.data["problems"] else ", problems: " + "; ".join(rep.data["problems"]),
                fmt_s(time.perf_counter() - t_start)))
            status = 1 if failed else 0
        log("results: %s/gpu-check.json, %s/gpu-check.md" % (out, out))
        return status
    finally:
        rep.data["elapsed_s"] = round(time.perf_counter() - t_start, 1)
        rep.data["exit_status"] = status
        rep.save()
        if not args.keep_work and not args.work:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="build the kit (here, with LLVM/MLIR)")
    p.add_argument("kit", nargs="?", default=os.path.join(ROOT, "gpu-kit"))
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    for t in ("tvq-compile", "tvq-run", "tvq-model"):
        p.add_argument("--" + t, default=None, help="this %s (default: BUILD_DIR/bin/%s)" % (t, t))
    p.add_argument("--tiny-only", action="store_true",
                   help="only the small-width op and a micro model (the dry-run test's kit)")
    p.add_argument("--seed", type=int, default=None, help="inputs' seed (default: a fresh one)")
    p.add_argument("--jobs", type=int, default=None, help="parallel compiles (default: cores)")
    p.add_argument("--enwik8-layers", type=int, default=4,
                   help="layers of the enwik8-size model checked against its CPU module "
                   "(default 4; 24 = models/enwik8.mlir, whose CPU reference takes minutes per "
                   "step); the 24-layer train_step is in the kit for the training-step "
                   "benchmark (CUDA only) either way")
    p.add_argument("--enwik8-steps", type=int, default=6, help="its training steps in the check")
    p.add_argument("--no-cache", action="store_true",
                   help="compile everything (default: reuse .cache/gpu-kit/ for the same source, "
                   "flags and tvq-compile)")
    p.add_argument("--cuda-arch", default="sm_90a")
    p.add_argument("--cpu", default="x86-64-v3", help="CPU of the reference modules")
    c = sub.add_parser("check", help="run the check (there, with a GPU; --dry-run here)")
    c.add_argument("kit", nargs="?", default=os.path.join(ROOT, "gpu-kit"))
    c.add_argument("--dry-run", action="store_true")
    c.add_argument("--out", default=None, help="results directory (default $OUT, else ./gpu-check-out)")
    c.add_argument("--budget", type=float, default=450.0, help="seconds for all sections")
    c.add_argument("--profile", action="store_true",
                   help="TVQ_CUDA_PROFILE=1 for every CUDA tvq-run; the per-kernel times go to "
                        "cuda-profile.txt in the results directory")
    c.add_argument("--sections", default=None, help="comma-separated subset of env,correctness,train,bench,nccl")
    c.add_argument("--threads", type=int, default=None,
                   help="OMP_NUM_THREADS of the CPU reference (default: cores - 2)")
    c.add_argument("--work", default=None, help="work directory (default: a fresh temporary one)")
    c.add_argument("--keep-work", action="store_true")
    c.add_argument("--cpu-as-cuda", action="store_true",
                   help="self-test of this script without a GPU: the CPU modules stand in for the "
                   "CUDA ones, every comparison should be exact")
    args = ap.parse_args()
    if args.cmd == "prepare":
        prepare(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
