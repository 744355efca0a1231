"""PyTorch's side of issue 4's GPU targets on the same card, for the shapes of
bench/cuda_gemm_conv_lab.cpp and bench/cuda_softmax_xent_lab.cu: mm (TF32 off and on), conv2d
forward / input gradient / weight gradient (TF32 off, cudnn.benchmark on, deterministic algorithms
as Ember uses), fused cross-entropy forward and backward. Timed with CUDA events, median of reps.
Prints one JSON line per case: python3 bench/peers/pytorch_nn_gpu.py [reps]"""
import json
import sys

import torch
import torch.nn.functional as F

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
dev = "cuda"


def ms(f, inner):
    f()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            f()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / inner)
    times.sort()
    return times[len(times) // 2]


def emit(**row):
    row["torch"] = torch.__version__
    print(json.dumps(row), flush=True)


for m, n, k, dtype, tf32 in [(1024, 1024, 1024, torch.float32, False),
                             (4096, 4096, 4096, torch.float32, False),
                             (4096, 4096, 4096, torch.float32, True),
                             (8192, 8192, 8192, torch.float32, True),
                             (2048, 2048, 2048, torch.float64, False),
                             (8192, 1024, 4096, torch.float32, False)]:
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.rand(m, k, device=dev, dtype=dtype)
    b = torch.rand(k, n, device=dev, dtype=dtype)
    t = ms(lambda: torch.mm(a, b), 3 if m * n * k > 5e10 else 20)
    emit(kind="mm", shape=[m, n, k], dtype=str(dtype), tf32=tf32, ms=t,
         tflops=2 * m * n * k / t / 1e9)
torch.backends.cuda.matmul.allow_tf32 = False

torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
for name, (n, c, h, w, kk, r, s, stride, pad) in {
        "MNIST conv1": (64, 1, 28, 28, 32, 3, 3, 1, 0),
        "MNIST conv2": (64, 32, 26, 26, 64, 3, 3, 1, 0),
        "ResNet 32x64x56x56": (32, 64, 56, 56, 64, 3, 3, 1, 1),
        "ResNet 32x256x14x14": (32, 256, 14, 14, 256, 3, 3, 1, 1),
        "stride 2 32x128x28x28": (32, 128, 28, 28, 256, 3, 3, 2, 1)}.items():
    x = torch.rand(n, c, h, w, device=dev, requires_grad=True)
    wt = torch.rand(kk, c, r, s, device=dev, requires_grad=True)
    y = F.conv2d(x, wt, stride=stride, padding=pad)
    dy = torch.rand_like(y)
    fwd = ms(lambda: F.conv2d(x, wt, stride=stride, padding=pad), 10)
    data = ms(lambda: torch.ops.aten.convolution_backward(
        dy, x, wt, None, [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], 1, [True, False, False]), 10)
    weight = ms(lambda: torch.ops.aten.convolution_backward(
        dy, x, wt, None, [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], 1, [False, True, False]), 10)
    emit(kind="conv2d", name=name, forward_ms=fwd, grad_input_ms=data, grad_weight_ms=weight)

for n, c in [(8192, 32768), (32768, 1000), (4096, 50257), (65536, 10), (64, 10)]:
    x = (torch.randn(n, c, device=dev) * 2).requires_grad_(True)
    t = torch.randint(0, c, (n,), device=dev)
    inner = 5 if n * c * 4 >= 1e8 else 200
    fwd = ms(lambda: F.cross_entropy(x, t), inner)
    loss = F.cross_entropy(x, t)
    bwd = ms(lambda: torch.autograd.grad(loss, x, retain_graph=True), inner)
    emit(kind="cross_entropy", shape=[n, c], forward_ms=fwd, backward_ms=bwd,
         forward_gbs=4 * n * c / fwd / 1e6, backward_gbs=8 * n * c / bwd / 1e6)
