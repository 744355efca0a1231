#!/usr/bin/python3
"""Writes the golden values of Ember's neural-network ops, computed by PyTorch, into small
safetensors files under tests/data/golden/ (read by tests/core/nn_golden_test.cpp).

Run with Debian's PyTorch (python3-torch, 1.13):  /usr/bin/python3 tests/golden/make_nn_golden.py
The files are committed, so the tests do not need PyTorch. Inputs are drawn from a fixed seed;
each file holds the inputs, the op's settings (as int64 / float64 tensors) and the results.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "golden")
DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}


def save_safetensors(path, tensors):
    """A minimal safetensors writer: 8-byte little-endian header length, a JSON header of
    {name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, then the raw bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()  # numpy arrays are little-endian on the machines we run on
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def ints(*values):
    return torch.tensor(values, dtype=torch.int64)


def conv2d_cases():
    out = {}
    cases = [  # (name, dtype, input shape, weight shape, stride, padding, dilation, groups)
        ("a", torch.float64, (2, 4, 7, 6), (6, 2, 3, 2), (2, 1), (1, 1), (1, 2), 2),
        ("b", torch.float32, (3, 1, 9, 9), (4, 1, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ]
    for name, dtype, xs, ws, stride, padding, dilation, groups in cases:
        x = torch.randn(xs, dtype=dtype, requires_grad=True)
        w = torch.randn(ws, dtype=dtype, requires_grad=True)
        b = torch.randn(ws[0], dtype=dtype, requires_grad=True)
        y = F.conv2d(x, w, b, stride, padding, dilation, groups)
        gy = torch.randn_like(y)
        y.backward(gy)
        out.update({f"{name}.input": x, f"{name}.weight": w, f"{name}.bias": b,
                    f"{name}.stride": ints(*stride), f"{name}.padding": ints(*padding),
                    f"{name}.dilation": ints(*dilation), f"{name}.groups": ints(groups),
                    f"{name}.output": y, f"{name}.grad_output": gy, f"{name}.grad_input": x.grad,
                    f"{name}.grad_weight": w.grad, f"{name}.grad_bias": b.grad})
    return out


def batch_norm_case():
    x = torch.randn(4, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    w = torch.rand(3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    rm, rv = torch.randn(3, dtype=torch.float64), torch.rand(3, dtype=torch.float64) + 0.5
    out = {"input": x, "weight": w, "bias": b, "running_mean": rm.clone(),
           "running_var": rv.clone(), "momentum": torch.tensor([0.2], dtype=torch.float64),
           "eps": torch.tensor([1e-4], dtype=torch.float64)}
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-4)
    gy = torch.randn_like(y)
    y.backward(gy)
    out.update({"output": y, "running_mean_after": rm, "running_var_after": rv,
                "grad_output": gy, "grad_input": x.grad, "grad_weight": w.grad,
                "grad_bias": b.grad,
                "eval_output": F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-4)})
    return out


def cross_entropy_case():
    out = {}
    x = torch.randn(8, 5, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 2, 4, 1, 2, 3, 2, 0])
    w = torch.rand(5, dtype=torch.float64) + 0.5
    out.update({"input": x, "target": target, "weight": w, "ignore_index": ints(2),
                "label_smoothing": torch.tensor([0.15], dtype=torch.float64)})
    for reduction in ("none", "mean", "sum"):
        x.grad = None
        loss = F.cross_entropy(x, target, weight=w, ignore_index=2, reduction=reduction,
                               label_smoothing=0.15)
        g = torch.randn_like(loss)
        loss.backward(g)
        out.update({f"{reduction}.loss": loss, f"{reduction}.grad_loss": g,
                    f"{reduction}.grad_input": x.grad.clone()})
    # K-d input [N, C, d] with class probabilities.
    xk = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
    pk = torch.softmax(torch.randn(3, 4, 2, dtype=torch.float64), 1)
    lk = F.cross_entropy(xk, pk, label_smoothing=0.15)
    lk.backward()
    out.update({"probs.input": xk, "probs.target": pk, "probs.loss": lk,
                "probs.grad_input": xk.grad})
    return out


def max_pool2d_case():
    x = torch.randn(2, 3, 9, 8, dtype=torch.float64, requires_grad=True)
    y, idx = F.max_pool2d(x, 3, 2, 1, 1, ceil_mode=True, return_indices=True)
    gy = torch.randn_like(y)
    y.backward(gy)
    return {"input": x, "kernel_size": ints(3, 3), "stride": ints(2, 2), "padding": ints(1, 1),
            "dilation": ints(1, 1), "ceil_mode": ints(1), "output": y, "indices": idx,
            "grad_output": gy, "grad_input": x.grad}


def main():
    torch.manual_seed(20240501)
    os.makedirs(OUT_DIR, exist_ok=True)
    files = {"nn_conv2d": conv2d_cases(), "nn_batch_norm": batch_norm_case(),
             "nn_cross_entropy": cross_entropy_case(), "nn_max_pool2d": max_pool2d_case()}
    for name, tensors in files.items():
        path = os.path.join(OUT_DIR, name + ".safetensors")
        save_safetensors(path, tensors)
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
