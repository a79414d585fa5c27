#!/usr/bin/env python3
"""Numerics of whole compiled Transformer-VQ models against a float64 numpy reference.

For a few small configurations, writes the model file with tvq-model, compiles it with
tvq-compile, draws random parameters that make every part of the network matter, and runs the
entry points @logits and @eval_loss through tvq-run on random inputs and targets. The results are
compared with model_reference.py (an independent float64 implementation of
shared/docs/transformer-vq.md sections 1 to 3 and 6):

  logits      max|x - ref| / max|ref|   <= 1e-4
  ce, loss    |x - ref| / |ref|         <= 1e-4
  commit      (loss - ce) against the reference's 1e-4 * sum of commitment losses, relative
              1e-4, only in the "far" cases, where the codebook is far from the keys so the term
              is large enough to be resolved in float32 next to ce

Parameters (so that every part matters): embed N(0, 1); norm gains 1 + N(0, 0.1^2), biases
N(0, 0.1^2); weights N(0, 1/fan_in); u and w N(0, 1) (their scaled norm is comparable to q's);
head bias N(0, 0.1^2). Codebook: c_count uniform in [0.5, 2] with one entry exactly 0 (so the
max(c_count, 0.01) floor decides that code), c_sum = target * max(c_count, 0.01) where the targets
are keys the reference computes for GAU i on calibration inputs (plus noise), so that codes vary.
Inputs with a near-tie between two codes (float32 could pick the other one) are redrawn.
Sequence lengths: T = L, 3L and 8L (8L reaches the compressed cache: blocks 0..r-2).

One PASS/FAIL line per case, then 'model_numerics: N cases passed, M failed'. Exit status 1 on
any failure, 2 when a tool is missing.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_reference as ref  # noqa: E402

TOL_LOGITS = 1e-4
TOL_SCALAR = 1e-4
TOL_COMMIT = 1e-4
# Smallest gap between the nearest and second-nearest squared code distance accepted in the
# reference (float32 keys differ from float64 ones by ~1e-6 relative; distances are O(sqrt(K))).
MIN_MARGIN = 1e-4
FAR_CODEBOOK_NORM = 20.0
TOOL_TIMEOUT_S = 300

CONFIGS = [
    dict(name="l1_d16_untied", layers=1, d_model=16, d_k=8, d_v=32, codebook=8, block_len=4,
         vocab=11, head="untied", shapes=[(1, 1), (2, 3), (3, 8)], far_shapes=[(2, 8)]),
    dict(name="l2_d32_untied", layers=2, d_model=32, d_k=16, d_v=64, codebook=16, block_len=8,
         vocab=259, head="untied", shapes=[(2, 1), (1, 3), (2, 8)], far_shapes=[]),
    dict(name="l1_d16_tied", layers=1, d_model=16, d_k=8, d_v=32, codebook=8, block_len=4,
         vocab=11, head="tied", shapes=[(1, 1), (2, 3), (3, 8)], far_shapes=[(2, 8)]),
]
# shapes: (B, number of blocks); T = blocks * block_len.


class ToolMissing(Exception):
    pass


def resolve_tool(name, path):
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return [path]
    if os.path.isfile(path) and path.endswith(".py"):
        return [sys.executable, path]
    found = shutil.which(path)
    if found:
        return [found]
    raise ToolMissing("model_numerics: error: %s not found or not executable: %s" % (name, path))


def run_tool(command):
    """Returns (ok, output)."""
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, "timed out after %d s: %s" % (TOOL_TIMEOUT_S, " ".join(command))
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        return False, "exit %d: %s\n%s" % (done.returncode, " ".join(command), out.strip())
    return True, out


def parse_signature(info_text, function):
    """[(name, dtype, shape)] of the inputs of `function` from `tvq-run info`."""
    for line in info_text.splitlines():
        m = re.match(r"\s*entry (\w+)\((.*)\) -> \((.*)\)\s*$", line)
        if m and m.group(1) == function:
            args = re.findall(r"([\w.]+): (\w+)\[([^\]]*)\]", m.group(2))
            return [(n, t, tuple(None if d == "?" else int(d) for d in s.split(",") if d))
                    for n, t, s in args]
    return None


def check_signature(sig, cfg, function):
    """Problems with the signature compared with the expected parameter list."""
    if sig is None:
        return ["no entry point %s in tvq-run info" % function]
    expected = [(n, "f32", s) for n, s in ref.parameter_shapes(cfg).items()]
    expected.append(("inputs", "i32", (None, None)))
    if function == "eval_loss":
        expected.append(("targets", "i32", (None, None)))
    if sig != expected:
        for i, (got, want) in enumerate(zip(sig, expected)):
            if got != want:
                return ["%s argument %d is %s, expected %s" % (function, i, got, want)]
        return ["%s has %d arguments, expected %d" % (function, len(sig), len(expected))]
    return []


def draw_parameters(cfg, rng, far=False):
    """Random parameters (float32) by name; see the module docstring."""
    d, K, V, S = cfg["d_model"], cfg["d_k"], cfg["d_v"], cfg["codebook"]
    p = {}
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    p["embed"] = f32(rng.normal(size=(cfg["vocab"], d)))
    for i in range(2 * cfg["layers"]):
        g = "gau%d." % i
        p[g + "norm.gain"] = f32(1.0 + 0.1 * rng.normal(size=d))
        p[g + "norm.bias"] = f32(0.1 * rng.normal(size=d))
        p[g + "wq"] = f32(rng.normal(size=(d, K)) / np.sqrt(d))
        p[g + "wkvg"] = f32(rng.normal(size=(d, K + 2 * V)) / np.sqrt(d))
        p[g + "wo"] = f32(rng.normal(size=(V, d)) / np.sqrt(V))
        p[g + "wr"] = f32(rng.normal(size=(d, K)) / np.sqrt(d))
        p[g + "u"] = f32(rng.normal(size=K))
        p[g + "w"] = f32(rng.normal(size=K))
        p[g + "c_sum"] = np.zeros((S, K), np.float32)  # set below from calibration keys
        p[g + "c_count"] = np.ones(S, np.float32)
    if cfg["head"] == "untied":
        p["head.w"] = f32(rng.normal(size=(d, cfg["vocab"])) / np.sqrt(d))
        p["head.b"] = f32(0.1 * rng.normal(size=cfg["vocab"]))
    else:
        p["final_norm.gain"] = f32(1.0 + 0.1 * rng.normal(size=d))
        p["final_norm.bias"] = f32(0.1 * rng.normal(size=d))

    # Codebooks from the keys each GAU actually sees on calibration inputs.
    L = cfg["block_len"]
    calib = rng.integers(0, cfg["vocab"], size=(2, 2 * L))
    x = ref.f64(p["embed"])[calib]
    for i in range(2 * cfg["layers"]):
        g = "gau%d." % i
        _, _, details = ref.gau(x, p, g, cfg)
        keys = details["keys"].reshape(-1, K)
        unique = np.unique(np.round(keys, 6), axis=0)
        pick = rng.permutation(len(unique))[:S]
        targets = unique[pick]
        if len(targets) < S:  # not enough distinct keys: random normalized vectors
            extra = ref.rms_norm(rng.normal(size=(S - len(targets), K))) * K ** -0.25
            targets = np.concatenate([targets, extra])
        targets = targets + 0.1 * K ** -0.25 * rng.normal(size=targets.shape)
        if far:
            targets = FAR_CODEBOOK_NORM * targets / np.linalg.norm(targets, axis=1,
                                                                   keepdims=True)
        count = rng.uniform(0.5, 2.0, size=S)
        count[rng.integers(0, S)] = 0.0
        p[g + "c_count"] = f32(count)
        p[g + "c_sum"] = f32(targets * np.maximum(count, ref.CODEBOOK_COUNT_FLOOR)[:, None])
        x, _, _ = ref.gau(x, p, g, cfg)
    return p


def draw_case_data(cfg, params, B, T, rng, tries=20):
    """Inputs and targets in [0, vocab) whose codes are not near a tie; reference results."""
    for attempt in range(tries):
        inputs = rng.integers(0, cfg["vocab"], size=(B, T)).astype(np.int32)
        targets = rng.integers(0, cfg["vocab"], size=(B, T)).astype(np.int32)
        loss, ce, logits, gaus = ref.eval_loss(params, cfg, inputs, targets)
        margin = min(float(d["margin"].min()) for d in gaus)
        if margin >= MIN_MARGIN:
            return inputs, targets, (loss, ce, logits, gaus), attempt
    raise RuntimeError("no inputs without a near-tie in %d tries" % tries)


def state_specs(cfg, B):
    """(name, dtype, shape) of every GAU's attention state, in signature order."""
    S, L, K, V = cfg["codebook"], cfg["block_len"], cfg["d_k"], cfg["d_v"]
    specs = []
    for g in range(2 * cfg["layers"]):
        p = "state.gau%d." % g
        specs += [(p + "count", np.float32, (B, S)), (p + "mean", np.float32, (B, S, V)),
                  (p + "win_codes", np.int32, (B, L)), (p + "win_keys", np.float32, (B, L, K)),
                  (p + "win_values", np.float32, (B, L, V)), (p + "seen", np.int64, (B,))]
    return specs


def save(path, array):
    np.save(path, array)
    return path


class Harness:
    def __init__(self, args):
        self.tvq_model = resolve_tool("tvq-model", args.tvq_model)
        self.tvq_compile = resolve_tool("tvq-compile", args.tvq_compile)
        self.tvq_run = resolve_tool("tvq-run", args.tvq_run)
        self.workdir = args.workdir
        os.makedirs(self.workdir, exist_ok=True)
        self.passed = 0
        self.failed = 0

    def report(self, ok, label, detail):
        print("%s %s: %s" % ("PASS" if ok else "FAIL", label, detail), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def build(self, cfg):
        """Model file and .so for cfg; returns (so_path, signatures) or raises RuntimeError."""
        base = os.path.join(self.workdir, cfg["name"])
        flags = ["--name=" + cfg["name"], "--layers=%d" % cfg["layers"],
                 "--d-model=%d" % cfg["d_model"], "--d-k=%d" % cfg["d_k"],
                 "--d-v=%d" % cfg["d_v"], "--codebook=%d" % cfg["codebook"],
                 "--block-len=%d" % cfg["block_len"], "--vocab=%d" % cfg["vocab"],
                 "--head=" + cfg["head"]]
        ok, out = run_tool(self.tvq_model + flags + ["-o", base + ".mlir"])
        if not ok:
            raise RuntimeError("tvq-model failed: " + out)
        # Only the entry points compared here: compiling the derived training
        # entries too would triple the compile time.
        ok, out = run_tool(self.tvq_compile + [base + ".mlir", "--entries=logits,eval_loss",
                                               "-o", base + ".so"])
        if not ok:
            raise RuntimeError("tvq-compile failed: " + out)
        ok, info = run_tool(self.tvq_run + ["info", base + ".so"])
        if not ok:
            raise RuntimeError("tvq-run info failed: " + info)
        problems = []
        for function in ("logits", "eval_loss"):
            problems += check_signature(parse_signature(info, function), cfg, function)
        if problems:
            raise RuntimeError("; ".join(problems))
        return base + ".so"

    def call(self, so, function, input_paths, output_paths):
        command = (self.tvq_run + ["call", so, "--function=" + function]
                   + ["--input=@" + p for p in input_paths]
                   + ["--output=@" + p for p in output_paths])
        ok, out = run_tool(command)
        if not ok:
            raise RuntimeError("tvq-run failed: " + out)
        return [np.load(p) for p in output_paths]

    def run_config(self, cfg, seed):
        L = cfg["block_len"]
        try:
            so = self.build(cfg)
        except RuntimeError as e:
            n = len(cfg["shapes"]) + len(cfg["far_shapes"])
            for _ in range(n):
                self.report(False, cfg["name"], str(e))
            return
        rng = np.random.default_rng(seed)
        for far, shapes in ((False, cfg["shapes"]), (True, cfg["far_shapes"])):
            if not shapes:
                continue
            kind = "far" if far else "near"
            params = draw_parameters(cfg, rng, far=far)
            pdir = os.path.join(self.workdir, "%s_%s" % (cfg["name"], kind))
            os.makedirs(pdir, exist_ok=True)
            names = ref.parameter_names(cfg["layers"], cfg["head"])
            param_paths = [save(os.path.join(pdir, "p%03d.npy" % i), params[n])
                           for i, n in enumerate(names)]
            for B, blocks in shapes:
                T = blocks * L
                label = "%s %s B=%d T=%d" % (cfg["name"], kind, B, T)
                try:
                    self.run_case(cfg, so, params, param_paths, pdir, B, T, far, rng, label)
                except RuntimeError as e:
                    self.report(False, label, str(e))

    def run_case(self, cfg, so, params, param_paths, pdir, B, T, far, rng, label):
        inputs, targets, (loss_r, ce_r, logits_r, gaus), redraws = draw_case_data(
            cfg, params, B, T, rng)
        tag = "B%d_T%d" % (B, T)
        in_path = save(os.path.join(pdir, tag + "_inputs.npy"), inputs)
        tg_path = save(os.path.join(pdir, tag + "_targets.npy"), targets)
        (logits,) = self.call(so, "logits", param_paths + [in_path],
                              [os.path.join(pdir, tag + "_logits.npy")])
        loss, ce = self.call(so, "eval_loss", param_paths + [in_path, tg_path],
                             [os.path.join(pdir, tag + "_loss.npy"),
                              os.path.join(pdir, tag + "_ce.npy")])
        problems = []
        if logits.shape != logits_r.shape:
            problems.append("logits shape %s, expected %s" % (logits.shape, logits_r.shape))
            logits_err = float("inf")
        else:
            logits_err = float(np.max(np.abs(logits.astype(np.float64) - logits_r))
                               / np.max(np.abs(logits_r)))
        ce_c, loss_c = float(ce), float(loss)
        ce_err = abs(ce_c - ce_r) / abs(ce_r)
        loss_err = abs(loss_c - loss_r) / abs(loss_r)
        commit_r = loss_r - ce_r
        commit_err = abs((loss_c - ce_c) - commit_r) / abs(commit_r)
        if not np.all(np.isfinite(logits)) or not np.isfinite(ce_c) or not np.isfinite(loss_c):
            problems.append("non-finite outputs")
        if not logits_err <= TOL_LOGITS:
            problems.append("logits vs reference: err %.3e > %.0e" % (logits_err, TOL_LOGITS))
        if not ce_err <= TOL_SCALAR:
            problems.append("ce %.9g vs reference %.9g: rel_err %.3e > %.0e"
                            % (ce_c, ce_r, ce_err, TOL_SCALAR))
        if not loss_err <= TOL_SCALAR:
            problems.append("loss %.9g vs reference %.9g: rel_err %.3e > %.0e"
                            % (loss_c, loss_r, loss_err, TOL_SCALAR))
        if far and not commit_err <= TOL_COMMIT:
            problems.append("commit term (loss - ce) %.6g vs reference %.6g: rel_err %.3e > %.0e"
                            % (loss_c - ce_c, commit_r, commit_err, TOL_COMMIT))
        distinct = [len(np.unique(d["codes"])) for d in gaus]
        zero_code = [int(np.argmin(params["gau%d.c_count" % i])) for i in range(len(gaus))]
        zero_used = [int(np.sum(d["codes"] == z)) for d, z in zip(gaus, zero_code)]
        if min(distinct) <= 1:
            problems.append("test not meaningful: a GAU used only one code")
        # Logits of @logits and @eval_loss come from the same computation; a loss consistent with
        # the compiled logits is a further check of cross_entropy alone.
        if logits.shape == logits_r.shape:
            ce_from_logits = ref.cross_entropy(logits.astype(np.float64), targets)
            if not abs(ce_c - ce_from_logits) / abs(ce_from_logits) <= TOL_SCALAR:
                problems.append("ce %.9g inconsistent with @logits (%.9g)"
                                % (ce_c, ce_from_logits))
        detail = ("logits err %.2e, ce %.6f (err %.2e), loss %.6f (err %.2e), commit %.3e "
                  "(err %.2e%s), distinct codes per GAU %s, zero-count code used %s, "
                  "min code margin %.2e%s"
                  % (logits_err, ce_c, ce_err, loss_c, loss_err, commit_r, commit_err,
                     "" if far else ", not checked", distinct, zero_used,
                     min(float(d["margin"].min()) for d in gaus),
                     ", %d redraws" % redraws if redraws else ""))
        if problems:
            detail = "; ".join(problems) + " | " + detail
        self.report(not problems, label, detail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tvq-model", default="tvq-model")
    parser.add_argument("--tvq-compile", default="tvq-compile")
    parser.add_argument("--tvq-run", default="tvq-run")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=20240)
    parser.add_argument("--config", action="append",
                        help="run only these configurations (by name); default all")
    args = parser.parse_args()
    try:
        h = Harness(args)
    except ToolMissing as e:
        print(e, file=sys.stderr)
        return 2
    start = time.time()
    for i, cfg in enumerate(CONFIGS):
        if args.config and cfg["name"] not in args.config:
            continue
        h.run_config(cfg, args.seed + 1000 * i)
    print("model_numerics: %d cases passed, %d failed (%.1f s)"
          % (h.passed, h.failed, time.time() - start))
    return 1 if h.failed else 0


if __name__ == "__main__":
    sys.exit(main())
