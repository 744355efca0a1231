"""PyTorch's side of issue 3's GPU targets on the same card (run on the GPU machine's python3):
copy, add/mul/relu with out=, sum on 64M float32 elements, timed with CUDA events. Prints JSON."""
import json
import sys

import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 26
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
x = torch.rand(n, device="cuda")
y = torch.rand(n, device="cuda")
out = torch.empty(n, device="cuda")


def median_seconds(f):
    f()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        f()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


b = n * 4
print(json.dumps({
    "torch_version": torch.__version__,
    "torch_copy_gbs": 2 * b / median_seconds(lambda: out.copy_(x)) / 1e9,
    "torch_add_out_gbs": 3 * b / median_seconds(lambda: torch.add(x, y, out=out)) / 1e9,
    "torch_mul_out_gbs": 3 * b / median_seconds(lambda: torch.mul(x, y, out=out)) / 1e9,
    "torch_relu_out_gbs": 2 * b / median_seconds(lambda: torch.clamp_min(x, 0, out=out)) / 1e9,
    "torch_sum_gbs": b / median_seconds(lambda: torch.sum(x)) / 1e9,
}))
