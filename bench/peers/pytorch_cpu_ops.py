"""One round of PyTorch's side of the CPU targets (run with Debian's /usr/bin/python3):
add/mul with out=, sum and allocating x + y on 16M float32 elements, 2 threads. Prints JSON."""
import json
import sys
import time

import torch

torch.set_num_threads(2)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 24
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
x, y, out = torch.rand(n), torch.rand(n), torch.empty(n)


def median_seconds(f):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


b = n * 4
result = {
    "torch_threads": torch.get_num_threads(),
    "torch_add_out_gbs": 3 * b / median_seconds(lambda: torch.add(x, y, out=out)) / 1e9,
    "torch_mul_out_gbs": 3 * b / median_seconds(lambda: torch.mul(x, y, out=out)) / 1e9,
    "torch_sum_gbs": b / median_seconds(lambda: torch.sum(x).item()) / 1e9,
    "torch_add_alloc_gbs": 3 * b / median_seconds(lambda: x + y) / 1e9,
    "torch_blas": str(torch.__config__.show()).split("BLAS_INFO=")[-1].split(",")[0],
}
print(json.dumps(result))
