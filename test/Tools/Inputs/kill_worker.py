#!/usr/bin/env python3
"""Starts a data-parallel training job and stops one of its workers.

  kill_worker.py SIGNAL RANK RUNDIR LIMIT -- COMMAND...

Runs COMMAND (an `mpirun ... tvq-run train ... --out RUNDIR`), waits until
RUNDIR/metrics.jsonl has a line (the job is training), sends SIGNAL (KILL or
STOP) to the tvq-run process of rank RANK, and waits at most LIMIT seconds for
the job to end. Prints the job's output, then "job ended with status N within
LIMIT s" or "job still running after LIMIT s" (then kills it). Exits 0 when the
job ended in time with a non-zero status, else 1.
"""
import os
import signal
import subprocess
import sys
import time


def worker_pid(rundir, rank):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if (any(arg.endswith(b"tvq-run") for arg in cmdline)
                and rundir.encode() in cmdline
                and f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ):
            return int(pid)
    return None


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        sys.exit(__doc__)
    signame, rank, rundir, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    command = sys.argv[6:]
    log = open("kill_worker.log", "w+b")
    job = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, start_new_session=True)
    metrics = os.path.join(rundir, "metrics.jsonl")
    deadline = time.time() + 120
    while time.time() < deadline and job.poll() is None:
        if os.path.exists(metrics) and os.path.getsize(metrics) > 0:
            break
        time.sleep(0.05)
    pid = worker_pid(rundir, rank) if job.poll() is None else None
    if pid is None:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        log.seek(0)
        sys.stdout.write(log.read().decode(errors="replace"))
        sys.exit("kill_worker: the job did not start training, or rank %d was not found" % rank)
    os.kill(pid, getattr(signal, "SIG" + signame))
    start = time.time()
    try:
        status = job.wait(timeout=limit)
        ended = True
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        ended = False
    took = time.time() - start
    if signame == "STOP":
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    log.seek(0)
    sys.stdout.write(log.read().decode(errors="replace").replace("\r", "\n"))
    if not ended:
        print(f"job still running after {limit:g} s")
        sys.exit(1)
    print(f"job ended with status {status} within {limit:g} s ({took:.1f} s)")
    sys.exit(0 if status != 0 else 1)


if __name__ == "__main__":
    main()
