#!/usr/bin/env python3
"""Turns the raw JSON lines of a tools/gpu_check.sh run into issue 3's PASS/FAIL lines (Markdown):
element-wise ops >= 80% and sum >= 75% of the device-to-device copy bandwidth measured in the same
run, each beside PyTorch on the same card; Ember's host overhead per op <= PyTorch C++'s."""
import json
import os
import statistics
import sys

out = sys.argv[1]


def load(name):
    path = os.path.join(out, name)
    rows = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def med(rows, key):
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else None


ember, torch, lt = load("gpu_ops_ember.jsonl"), load("gpu_ops_torch.jsonl"), load("gpu_overhead_libtorch.jsonl")
print()
print("## Issue 3 GPU targets (medians of 3 alternating rounds)")
print()
if not ember:
    print("no Ember GPU benchmark output")
    sys.exit(0)
copy = med(ember, "copy_gbs")
print(f"- device: {ember[0].get('device')}, {ember[0].get('n')} float32 elements; Ember copy {copy:.0f} GB/s"
      + (f", PyTorch copy {med(torch, 'torch_copy_gbs'):.0f} GB/s" if torch else ""))
for op, thr in (("add_out", 0.80), ("mul_out", 0.80), ("relu_out", 0.80), ("sum", 0.75)):
    e = med(ember, f"{op}_gbs")
    t = med(torch, f"torch_{op}_gbs") if torch else None
    ok = e / copy >= thr
    extra = f"; PyTorch {t:.0f} GB/s (Ember/PyTorch {e / t:.2f})" if t else ""
    print(f"- {'PASS' if ok else 'FAIL'} {op}: {e:.0f} GB/s = {e / copy:.2f} of copy (target >= {thr}){extra}")
eo = med(ember, "host_overhead_us")
lo = med(lt, "libtorch_host_overhead_us") if lt else None
if lo:
    print(f"- {'PASS' if eo <= lo else 'FAIL'} host overhead per op: Ember {eo:.2f} us vs PyTorch C++ {lo:.2f} us (target <=)")
else:
    print(f"- host overhead per op: Ember {eo:.2f} us (PyTorch C++ peer did not build; see peer_build.log)")
