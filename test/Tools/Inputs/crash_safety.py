#!/usr/bin/env python3
"""Crash-safety checks of tvq-run train, on a real compiled model.

  crash_safety.py kill-resume TVQ_RUN MODEL DATA DIR [KILLS] [SEED]
      Trains MODEL uninterrupted in DIR/whole, then again in DIR/killed,
      killing it with SIGKILL KILLS times (default 12) and resuming it with
      --resume after each kill: at random moments, and as a checkpoint
      write has begun (its temporary file appears); once per round a kill
      in the middle of a metrics line is simulated by tearing the last
      line. After every kill the checkpoint (and the previous one) must be
      whole and valid, and the work lost at most the steps since it; at the
      end metrics.jsonl must hold every step once, with the uninterrupted
      run's losses, the final checkpoint must equal the uninterrupted run's
      byte for byte, and no temporary file may be left.
  crash_safety.py full-disk TVQ_RUN MODEL DATA DIR
      Runs with a file size limit (RLIMIT_FSIZE, as a full disk): a
      checkpoint or metrics write that does not fit fails with a message
      naming the file and "File too large", leaves no temporary file, no
      partial metrics line, and the previous checkpoint as it was.

Checkpoints are checked here independently of the runtime (the format of
docs/design.md: safetensors with the CRC-32C "tvq.crc32c").
"""
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time

STEPS = 40
CHECKPOINT_EVERY = 2


def crc32c(data, table=[]):
    if not table:
        for i in range(256):
            crc = i
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
            table.append(crc)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def checkpoint_step(path):
    """The step of a valid checkpoint; fails on a torn or corrupted one."""
    blob = open(path, "rb").read()
    assert len(blob) >= 8, "%s: truncated" % path
    (length,) = struct.unpack("<Q", blob[:8])
    assert 8 + length <= len(blob), "%s: truncated header" % path
    header = json.loads(blob[8:8 + length])
    meta = header.pop("__metadata__")
    end = max(info["data_offsets"][1] for info in header.values())
    assert 8 + length + end == len(blob), "%s: wrong data size" % path
    stored = meta["tvq.crc32c"]
    zeroed = blob.replace(b'"tvq.crc32c":"%s"' % stored.encode(),
                          b'"tvq.crc32c":"00000000"', 1)
    assert "%08x" % crc32c(zeroed) == stored, "%s: bad checksum" % path
    return int(meta["tvq.step"])


def metrics_lines(path, allow_torn_last=False):
    """The JSON objects of metrics.jsonl, and whether its last line is torn."""
    if not os.path.exists(path):
        return [], False
    text = open(path).read()
    lines = text.split("\n")
    torn = lines.pop() != ""  # text after the last newline
    objects = []
    for i, line in enumerate(lines):
        try:
            objects.append(json.loads(line))
        except ValueError:
            assert allow_torn_last and i == len(lines) - 1 and not torn, \
                "%s: line %d is not JSON: %r" % (path, i + 1, line)
            torn = True
    assert allow_torn_last or not torn, "%s: torn last line" % path
    return objects, torn


def temporaries(run):
    return [name for name in os.listdir(run) if ".tmp" in name] \
        if os.path.isdir(run) else []


def train_args(tvq_run, model, data, run, resume):
    args = [tvq_run, "train", model, "--data", data, "--steps", str(STEPS),
            "--out", run, "--log-every", "1",
            "--checkpoint-every", str(CHECKPOINT_EVERY)]
    if resume:
        return args + ["--resume"]
    return args + ["--batch", "2", "--seq-len", "16", "--seed", "3"]


def kill_resume(tvq_run, model, data, root, kills=12, seed=1):
    whole, run = os.path.join(root, "whole"), os.path.join(root, "killed")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    start = time.time()
    subprocess.run(train_args(tvq_run, model, data, whole, False), check=True,
                   stdout=subprocess.DEVNULL)
    duration = time.time() - start
    reference, _ = metrics_lines(os.path.join(whole, "metrics.jsonl"))
    final = open(os.path.join(whole, "checkpoint.safetensors"), "rb").read()
    rng = random.Random(seed)
    killed = during_write = torn_lines = runs = rounds = 0
    # Rounds of: a fresh run, killed up to 4 times (resumed after each
    # kill), then resumed to the end.
    while killed < kills:
        rounds += 1
        shutil.rmtree(run, ignore_errors=True)
        step, round_kills = 0, min(4, kills - killed)
        for attempt in range(round_kills + 1):
            runs += 1
            resume = os.path.exists(os.path.join(run, "checkpoint.safetensors"))
            if not resume:
                # Killed before its first checkpoint: nothing to resume.
                shutil.rmtree(run, ignore_errors=True)
            process = subprocess.Popen(
                train_args(tvq_run, model, data, run, resume),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if attempt == round_kills:
                pass  # the last run of the round completes
            elif attempt % 2:
                # As the n-th checkpoint write begins (plus up to 2 ms).
                n = rng.randint(1, max(1, (STEPS - step) // CHECKPOINT_EVERY))
                seen = set()
                while process.poll() is None and len(seen) < n:
                    seen.update(name for name in temporaries(run) if
                                name.startswith("checkpoint.safetensors.tmp."))
                    time.sleep(0.0001)
                time.sleep(rng.uniform(0, 0.002))
            else:
                # Somewhere in what is left of the run.
                time.sleep(rng.uniform(0, duration * (STEPS - step) / STEPS))
            if attempt < round_kills and process.poll() is None:
                process.kill()
                killed += 1
            _, stderr = process.communicate()
            if attempt == round_kills:
                assert process.returncode == 0, stderr.decode()
            else:
                assert process.returncode in (0, -signal.SIGKILL), \
                    stderr.decode()
            # Whatever the moment of the kill: whole, valid checkpoints ...
            checkpoint = os.path.join(run, "checkpoint.safetensors")
            previous = os.path.join(run, "checkpoint.prev.safetensors")
            step = checkpoint_step(checkpoint) \
                if os.path.exists(checkpoint) else 0
            if os.path.exists(previous):
                assert checkpoint_step(previous) <= step
            if any(name.startswith("checkpoint.safetensors.tmp.")
                   for name in temporaries(run)):
                during_write += 1
            # ... and metrics.jsonl lost at most the steps since the
            # checkpoint (a line torn by the kill is dropped on resume).
            lines, torn = metrics_lines(os.path.join(run, "metrics.jsonl"),
                                        allow_torn_last=True)
            torn_lines += torn
            logged = max([line["step"] for line in lines], default=0)
            assert logged - step <= CHECKPOINT_EVERY, (logged, step)
            if attempt == 0 and step and not torn:
                # A kill in the middle of a metrics write tears its line
                # (too rare to hit by chance): the resume must drop it.
                with open(os.path.join(run, "metrics.jsonl"), "a") as f:
                    f.write('{"step": %d, "loss": 4.' % (logged + 1))
                torn_lines += 1

        lines, _ = metrics_lines(os.path.join(run, "metrics.jsonl"))
        keys = ("step", "loss", "bpb", "loss_with_commit", "grad_norm", "lr")
        got = [tuple(line[k] for k in keys) for line in lines]
        want = [tuple(line[k] for k in keys) for line in reference]
        assert [g[0] for g in got] == list(range(1, STEPS + 1)), got
        assert got == want, "\n%s\n!=\n%s" % (got, want)
        assert open(os.path.join(run, "checkpoint.safetensors"),
                    "rb").read() == final
        assert temporaries(run) == [], temporaries(run)
    print("%d kills (%d during a checkpoint write, %d torn metrics lines) in "
          "%d runs: each of %d killed runs resumed to the same losses at steps "
          "1..%d and the same final checkpoint as the uninterrupted run"
          % (killed, during_write, torn_lines, runs, rounds, STEPS))


def limited(limit):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


def expect_failure(args, limit, message):
    process = subprocess.run(args, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, preexec_fn=limited(limit))
    stderr = process.stderr.decode()
    assert process.returncode == 1, (process.returncode, stderr)
    assert message in stderr and "File too large" in stderr, stderr
    print(stderr.strip())


def full_disk(tvq_run, model, data, root):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    whole = os.path.join(root, "whole")
    subprocess.run(train_args(tvq_run, model, data, whole, False), check=True,
                   stdout=subprocess.DEVNULL)
    size = os.path.getsize(os.path.join(whole, "checkpoint.safetensors"))

    # A fresh run whose first checkpoint does not fit.
    run = os.path.join(root, "fresh")
    expect_failure(train_args(tvq_run, model, data, run, False), size // 2,
                   "tvq-run: error: cannot write checkpoint: cannot write '%s/"
                   "checkpoint.safetensors': cannot write '%s/checkpoint."
                   "safetensors.tmp." % (run, run))
    assert temporaries(run) == [], temporaries(run)
    assert not os.path.exists(os.path.join(run, "checkpoint.safetensors"))
    metrics_lines(os.path.join(run, "metrics.jsonl"))

    # A run resumed from step 22 (the whole run's previous checkpoint): its
    # checkpoint of step 24 does not fit; the old one stays.
    run = os.path.join(root, "resumed")
    shutil.copytree(whole, run)
    os.replace(os.path.join(run, "checkpoint.prev.safetensors"),
               os.path.join(run, "checkpoint.safetensors"))
    old = open(os.path.join(run, "checkpoint.safetensors"), "rb").read()
    expect_failure(train_args(tvq_run, model, data, run, True), size - 1,
                   "cannot write '%s/checkpoint.safetensors'" % run)
    assert open(os.path.join(run, "checkpoint.safetensors"), "rb").read() == old
    assert temporaries(run) == [], temporaries(run)
    lines, _ = metrics_lines(os.path.join(run, "metrics.jsonl"))
    assert [line["step"] for line in lines] == list(range(1, STEPS + 1)), lines

    # A metrics line that does not fit: no partial line is left.
    shutil.copy(os.path.join(whole, "checkpoint.prev.safetensors"),
                os.path.join(run, "checkpoint.safetensors"))
    metrics = os.path.join(run, "metrics.jsonl")
    kept = "".join(line for line in open(os.path.join(whole, "metrics.jsonl"))
                   if json.loads(line)["step"] <= STEPS - CHECKPOINT_EVERY)
    open(metrics, "w").write(kept)
    expect_failure(train_args(tvq_run, model, data, run, True),
                   len(kept) + 50, "cannot write '%s'" % metrics)
    assert open(metrics).read() == kept
    assert temporaries(run) == [], temporaries(run)
    print("full disk: clear errors, no partial files, checkpoints kept")


def main():
    # One thread: a second OpenMP thread only slows a tiny model down (and
    # spins when the machine is busy).
    os.environ["OMP_NUM_THREADS"] = "1"
    command, args = sys.argv[1], sys.argv[2:]
    if command == "kill-resume":
        kill_resume(*args[:4], *[int(a) for a in args[4:]])
    elif command == "full-disk":
        full_disk(*args)
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
