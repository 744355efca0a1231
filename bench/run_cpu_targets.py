#!/usr/bin/env python3
"""Issue 2's CPU performance targets, measured in one run on this machine.

Builds Ember's bench program and the libtorch peer, then runs ROUNDS interleaved rounds of
(Ember, PyTorch, libtorch), each taking its own medians, and compares the medians over rounds.
PyTorch runs under Debian's /usr/bin/python3 with libblas.so.3 pointed at OpenBLAS's OpenMP
flavour and 2 threads; Ember with OMP_NUM_THREADS=2. Prints each target with its threshold, the
measured ratio and PASS or FAIL, and writes the raw log to bench/logs/.

usage: bench/run_cpu_targets.py [build_dir] [rounds]
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 21
OPENBLAS_OMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def run(cmd, env=None, cwd=None):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=cwd).stdout


def main():
    subprocess.run(["bash", os.path.join(ROOT, "bench", "setup_peers.sh")], check=True)
    subprocess.run(["cmake", "-S", ROOT, "-B", BUILD, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "--target", "ember_cpu_ops_bench"], check=True,
                   stdout=subprocess.DEVNULL)
    peers = os.path.join(BUILD, "bench-peers")
    subprocess.run(["cmake", "-S", os.path.join(ROOT, "bench", "peers"), "-B", peers, "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", peers], check=True, stdout=subprocess.DEVNULL)

    env = dict(os.environ, OMP_NUM_THREADS="2", OMP_PROC_BIND="false")
    torch_env = dict(env, LD_LIBRARY_PATH=OPENBLAS_OMP)
    samples = {}
    log = []
    for r in range(ROUNDS):
        for cmd, e in (([os.path.join(BUILD, "bench", "ember_cpu_ops_bench")], env),
                       (["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "pytorch_cpu_ops.py")], torch_env),
                       ([os.path.join(peers, "libtorch_dispatch")], torch_env)):
            out = run(cmd, env=e)
            log.append(out.strip())
            for k, v in json.loads(out).items():
                samples.setdefault(k, []).append(v)
        print(f"round {r + 1}/{ROUNDS} done", file=sys.stderr)

    med = {k: statistics.median(v) if isinstance(v[0], (int, float)) else v[0] for k, v in samples.items()}
    targets = [
        ("dispatch: 1-element add, Ember time / libtorch time", med["dispatch_add_ns"] / med["libtorch_dispatch_add_ns"], "<=", 0.5),
        ("add_out 16M: Ember / PyTorch rate", med["add_out_gbs"] / med["torch_add_out_gbs"], ">=", 0.95),
        ("add_out 16M: Ember / copy bandwidth", med["add_out_gbs"] / med["copy_gbs"], ">=", 0.70),
        ("mul_out 16M: Ember / PyTorch rate", med["mul_out_gbs"] / med["torch_mul_out_gbs"], ">=", 0.95),
        ("mul_out 16M: Ember / copy bandwidth", med["mul_out_gbs"] / med["copy_gbs"], ">=", 0.70),
        ("sum 16M: Ember / PyTorch rate", med["sum_gbs"] / med["torch_sum_gbs"], ">=", 0.95),
        ("x + y 16M (allocating): Ember / PyTorch rate", med["add_alloc_gbs"] / med["torch_add_alloc_gbs"], ">=", 2.0),
    ]
    lines = [
        f"# CPU targets, {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
        f"{os.cpu_count()} cores, {ROUNDS} interleaved rounds (medians)",
        f"# Ember threads {med['threads']}, PyTorch threads {med['torch_threads']}, PyTorch BLAS {med['torch_blas']}",
        "raw medians: " + json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in med.items()}),
    ]
    for name, ratio, op, thr in targets:
        ok = ratio <= thr if op == "<=" else ratio >= thr
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}: {ratio:.3f} (target {op} {thr})")
    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.join(ROOT, "bench", "logs"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "logs", "cpu_targets.log"), "w") as f:
        f.write(report + "\n\n# raw rounds\n" + "\n".join(log) + "\n")


if __name__ == "__main__":
    main()
