#!/usr/bin/env python3
"""@loss_grad with activation recomputation against @loss_grad without it, with dropouts on.

Two model files are written by tvq-model with the same sizes and the three dropouts of section 6
(residual 0.3, LayerDrop 0.3 per sequence, sinusoid 0.2); one with --recompute, whose
tvq-derive-gradients recomputes each GAU's forward (dropout masks included) in the backward.
Both are compiled (--entries=loss_grad, --target as given: cpu or cuda-sim) and called through tvq-run on the same random
parameters, inputs, zero attention state and dropout seeds (inputs drawn as in
model_numerics.py, without near-ties between two codes, so that recomputed keys quantize to the
same codes).

Checked, per output:
  loss, ce and the attention state: relative difference <= TOL_FORWARD = 1e-6 (the forward is
  the same computation; only its fusion with what follows may differ);
  every gradient d.<p>: max |recomputed - kept| <= TOL * max(max |kept|, FLOOR * F), TOL = 1e-5,
  F the largest |gradient| of the case, FLOOR = 0.05 (small tensors are sums of larger terms that
  cancel, as in model_grad_check.py). Float32 reassociation differs between the two modules.
Discrimination: the same call without recomputation but another dropout seed must change some
gradient by more than 100 x TOL (so a recomputation that drew other masks would be caught), and
must change the loss (the dropouts are active).

One PASS/FAIL line per check, then 'recompute_check: N passed, M failed'.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_numerics as mn  # noqa: E402
import model_reference as ref  # noqa: E402

TOL_FORWARD = 1e-6
TOL = 1e-5
FLOOR = 0.05
CFG = dict(name="drop", layers=1, d_model=16, d_k=8, d_v=32, codebook=8, block_len=4, vocab=11,
           head="untied", B=4, blocks=3)
DROPOUTS = ["--residual-dropout=0.3", "--layer-drop=0.3", "--sinusoid-dropout=0.2"]


def build(tools, workdir, name, extra, target):
    c = CFG
    base = os.path.join(workdir, name)
    flags = ["--name=" + name, "--layers=%d" % c["layers"], "--d-model=%d" % c["d_model"],
             "--d-k=%d" % c["d_k"], "--d-v=%d" % c["d_v"], "--codebook=%d" % c["codebook"],
             "--block-len=%d" % c["block_len"], "--vocab=%d" % c["vocab"],
             "--head=" + c["head"]] + DROPOUTS + extra
    for command in (tools["tvq-model"] + flags + ["-o", base + ".mlir"],
                    tools["tvq-compile"] + ["-O", "0", "--target=" + target, base + ".mlir",
                                            "--entries=loss_grad", "-o", base + ".so"]):
        ok, out = mn.run_tool(command)
        if not ok:
            raise RuntimeError("%s failed: %s" % (command[0], out.strip()[-2000:]))
    marked = "attributes {tvq.recompute}" in open(base + ".mlir").read()
    if marked != ("--recompute" in extra):
        raise RuntimeError("%s.mlir: tvq.recompute %s" % (base, "present" if marked else "absent"))
    ok, info = mn.run_tool(tools["tvq-run"] + ["info", base + ".so"])
    if not ok:
        raise RuntimeError("tvq-run info failed: " + info)
    outs = None
    for line in info.splitlines():
        line = line.strip()
        if line.startswith("entry loss_grad("):
            outs = [part.split(":")[0] for part in line.split("-> (", 1)[1][:-1].split(", ")]
    return base + ".so", outs


def call(tools, module, outs, in_paths, workdir, tag):
    out_paths = [os.path.join(workdir, "%s_out%03d.npy" % (tag, i)) for i in range(len(outs))]
    ok, out = mn.run_tool(tools["tvq-run"] + ["call", module, "--function=loss_grad"]
                          + ["--input=@" + p for p in in_paths]
                          + ["--output=@" + p for p in out_paths])
    if not ok:
        raise RuntimeError("tvq-run call failed: " + out.strip()[-2000:])
    return dict(zip(outs, (np.load(p).astype(np.float64) for p in out_paths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for tool in ("tvq-model", "tvq-compile", "tvq-run"):
        parser.add_argument("--" + tool, default=tool)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--target", default="cpu", help="tvq-compile --target (cpu, cuda-sim)")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    tools = {t: mn.resolve_tool(t, getattr(args, t.replace("-", "_")))
             for t in ("tvq-model", "tvq-compile", "tvq-run")}
    passed = failed = 0

    def report(ok, label, detail):
        nonlocal passed, failed
        print("%s %s: %s" % ("PASS" if ok else "FAIL", label, detail), flush=True)
        passed += bool(ok)
        failed += not ok

    kept, outs = build(tools, args.workdir, "kept", [], args.target)
    recomputed, outs_r = build(tools, args.workdir, "recomputed", ["--recompute"], args.target)
    report(outs == outs_r and outs is not None, "signature",
           "%d outputs, the same names" % len(outs or []) if outs == outs_r
           else "%s vs %s" % (outs, outs_r))
    if outs != outs_r or outs is None:
        return 1

    rng = np.random.default_rng(args.seed)
    B, T = CFG["B"], CFG["blocks"] * CFG["block_len"]
    names = ref.parameter_names(CFG["layers"], CFG["head"])
    params = mn.draw_parameters(CFG, rng)
    inputs, targets, _, _ = mn.draw_case_data(CFG, params, B, T, rng)
    states = mn.state_specs(CFG, B)
    d = args.workdir
    common = [mn.save(os.path.join(d, "p%03d.npy" % i), params[n]) for i, n in enumerate(names)]
    common += [mn.save(os.path.join(d, "inputs.npy"), inputs)]
    common += [mn.save(os.path.join(d, "s%03d.npy" % i), np.zeros(shape, dtype))
               for i, (_, dtype, shape) in enumerate(states)]
    common += [mn.save(os.path.join(d, "targets.npy"), targets)]

    def seeds(tag):
        return [mn.save(os.path.join(d, "seed_%s.npy" % tag), np.array(rng.integers(1 << 62))),
                mn.save(os.path.join(d, "layer_seed_%s.npy" % tag),
                        np.array(rng.integers(1 << 62)))]

    first, second = seeds("a"), seeds("b")
    a = call(tools, kept, outs, common + first, d, "kept")
    r = call(tools, recomputed, outs, common + first, d, "recomputed")
    other = call(tools, kept, outs, common + second, d, "other_seed")

    grads = [n for n in outs if n.startswith("d.")]
    scale = max(np.abs(a[n]).max() for n in grads)
    worst_f = max(np.abs(r[n] - a[n]).max() / max(np.abs(a[n]).max(), 1e-30)
                  for n in outs if not n.startswith("d."))
    report(worst_f <= TOL_FORWARD, "forward",
           "loss %.7f / %.7f, ce, attention state: worst rel diff %.1e (tol %.0e)"
           % (a["loss"], r["loss"], worst_f, TOL_FORWARD))
    worst, worst_name, moved, moved_name = 0.0, grads[0], 0.0, grads[0]
    for n in grads:
        denom = max(np.abs(a[n]).max(), FLOOR * scale)
        err = np.abs(r[n] - a[n]).max() / denom
        if err > worst:
            worst, worst_name = err, n
        change = np.abs(other[n] - a[n]).max() / denom
        if change > moved:
            moved, moved_name = change, n
    report(worst <= TOL, "gradients",
           "%d tensors, worst %.1e (%s), tol %.0e" % (len(grads), worst, worst_name, TOL))
    loss_moved = abs(other["loss"] - a["loss"]) / abs(a["loss"])
    report(moved > 100 * TOL and loss_moved > 1e-4, "discrimination",
           "another dropout seed changes the loss by %.1e and %s by %.1e (must be > %.0e)"
           % (loss_moved, moved_name, moved, 100 * TOL))
    print("recompute_check: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
