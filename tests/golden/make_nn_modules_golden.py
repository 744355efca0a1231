#!/usr/bin/python3
"""Golden values of Ember's nn modules and losses computed by PyTorch, and the PyTorch side of the
checkpoint interop test, as small safetensors files under tests/data/golden/ (read by
tests/nn/golden_test.cpp and tests/nn/interop_test.cpp).

Run with Debian's PyTorch (python3-torch, 1.13):
    /usr/bin/python3 tests/golden/make_nn_modules_golden.py           # write files, then check
    /usr/bin/python3 tests/golden/make_nn_modules_golden.py --check   # only check Ember's files

Files written (committed, so the C++ tests need no PyTorch):
  nn_modules_golden.safetensors     per case "<case>.<what>": parameters, buffers, the input,
                                    the output, an upstream gradient and the resulting gradients
  nn_interop_torch_model.safetensors   a small trained PyTorch model's state_dict
  nn_interop_torch_io.safetensors      an input and the model's eval-mode output
The check reads the files Ember writes (nn_interop_ember_model.safetensors, its state_dict via
ember::save, and nn_interop_ember_io.safetensors, an input and Ember's output; regenerate them
with EMBER_REGENERATE_GOLDEN=1 ./ember_nn_tests --gtest_filter='Interop*'), loads the state into
the same architecture with load_state_dict(strict=True) and compares the outputs (rel 1e-5).
The safetensors reader and writer below are this script's own (no safetensors package).
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "golden")
TO_CODE = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64", torch.int32: "I32",
           torch.bool: "BOOL", torch.uint8: "U8", torch.float16: "F16"}
FROM_CODE = {v: k for k, v in TO_CODE.items()}


def save_safetensors(path, tensors):
    """8-byte little-endian header length, the JSON header {name: {dtype, shape, data_offsets}}
    padded with spaces to a multiple of 8, then the raw little-endian bytes in name order."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": TO_CODE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = FROM_CODE[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else \
            torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def record(out, case, module, inputs, grad_wrt_params=True):
    """Runs module on inputs (a tuple), backpropagates a fixed random upstream gradient and
    stores parameters, buffers before and after, inputs, output and gradients."""
    for name, p in module.named_parameters():
        out[f"{case}.param.{name}"] = p.detach().clone()
    for name, b in module.named_buffers():
        out[f"{case}.buffer_before.{name}"] = b.detach().clone()
    leaves = []
    for i, x in enumerate(inputs):
        out[f"{case}.input{i}"] = x.detach().clone()
        if i == 0 and x.is_floating_point():  # gradients of the first input only
            x.requires_grad_(True)
            leaves.append((i, x))
    y = module(*inputs)
    out[f"{case}.output"] = y.detach().clone()
    g = torch.randn_like(y)
    out[f"{case}.grad_output"] = g
    y.backward(g)
    for i, x in leaves:
        out[f"{case}.grad.input{i}"] = x.grad.detach().clone()
    if grad_wrt_params:
        for name, p in module.named_parameters():
            out[f"{case}.grad.{name}"] = p.grad.detach().clone()
    for name, b in module.named_buffers():
        out[f"{case}.buffer_after.{name}"] = b.detach().clone()


def module_cases():
    torch.manual_seed(1234)
    out = {}

    record(out, "linear", nn.Linear(5, 3), (torch.randn(4, 5),))
    record(out, "linear_nobias", nn.Linear(5, 3, bias=False), (torch.randn(2, 3, 5),))
    record(out, "conv2d", nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
           (torch.randn(2, 4, 7, 7),))
    record(out, "conv2d_dilated", nn.Conv2d(3, 2, (3, 2), stride=(1, 2), padding=(2, 1),
                                            dilation=(2, 1), bias=False),
           (torch.randn(1, 3, 6, 5),))

    for case, training in (("batchnorm2d_train", True), ("batchnorm2d_eval", False)):
        bn = nn.BatchNorm2d(3, momentum=0.2)
        with torch.no_grad():
            bn.weight.copy_(torch.rand(3) + 0.5)
            bn.bias.copy_(torch.randn(3))
            bn.running_mean.copy_(torch.randn(3))
            bn.running_var.copy_(torch.rand(3) + 0.5)
            bn.num_batches_tracked.fill_(3)
        bn.train(training)
        record(out, case, bn, (torch.randn(4, 3, 5, 5) * 2 + 1,))

    bn1 = nn.BatchNorm1d(4)
    with torch.no_grad():
        bn1.weight.copy_(torch.rand(4) + 0.5)
        bn1.bias.copy_(torch.randn(4))
    record(out, "batchnorm1d_train", bn1, (torch.randn(6, 4) * 3 - 1,))

    ln = nn.LayerNorm([4, 5])
    with torch.no_grad():
        ln.weight.copy_(torch.rand(4, 5) + 0.5)
        ln.bias.copy_(torch.randn(4, 5))
    record(out, "layernorm", ln, (torch.randn(3, 4, 5) * 2 + 0.5,))

    emb = nn.Embedding(10, 4, padding_idx=1)
    record(out, "embedding", emb, (torch.tensor([[1, 2, 3], [4, 1, 9]]),))

    # Losses: inputs, targets, the loss and the gradient of the input.
    n, c = 5, 4
    logits = torch.randn(n, c)
    classes = torch.tensor([0, 3, 2, 1, 2])
    weight = torch.rand(c) + 0.5
    probabilities = torch.sigmoid(torch.randn(n, c))
    binary = (torch.rand(n, c) > 0.5).to(torch.float32)
    losses = {
        "mse": (nn.MSELoss(), (torch.randn(n, c), torch.randn(n, c))),
        "mse_sum": (nn.MSELoss(reduction="sum"), (torch.randn(n, c), torch.randn(n, c))),
        "l1": (nn.L1Loss(), (torch.randn(n, c), torch.randn(n, c))),
        "smooth_l1": (nn.SmoothL1Loss(beta=0.5), (torch.randn(n, c), torch.randn(n, c))),
        "bce": (nn.BCELoss(weight=weight), (probabilities, binary)),
        "bce_with_logits": (nn.BCEWithLogitsLoss(pos_weight=weight),
                            (torch.randn(n, c), binary)),
        "cross_entropy": (nn.CrossEntropyLoss(), (logits.clone(), classes)),
        "cross_entropy_options": (nn.CrossEntropyLoss(weight=weight, ignore_index=2,
                                                      label_smoothing=0.1),
                                  (logits.clone(), classes)),
        "cross_entropy_none": (nn.CrossEntropyLoss(reduction="none"),
                               (logits.clone(), classes)),
        "nll": (nn.NLLLoss(weight=weight, reduction="sum"),
                (F.log_softmax(logits, 1), classes)),
    }
    for case, (module, inputs) in losses.items():
        record(out, f"loss_{case}", module, inputs)
        if hasattr(module, "weight") and module.weight is not None:
            out[f"loss_{case}.weight"] = module.weight
        if getattr(module, "pos_weight", None) is not None:
            out[f"loss_{case}.pos_weight"] = module.pos_weight
    return out


class InteropNet(nn.Module):
    """The architecture of tests/nn/interop_test.cpp (InteropNetImpl)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(4 * 4 * 4, 8, bias=False),
                                        nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


def interop_files():
    torch.manual_seed(99)
    net = InteropNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):  # a few steps so that the running statistics and weights are non-trivial
        x = torch.randn(8, 1, 8, 8)
        loss = F.cross_entropy(net(x), torch.randint(0, 3, (8,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        y = net(x)
    save_safetensors(os.path.join(OUT_DIR, "nn_interop_torch_model.safetensors"), net.state_dict())
    save_safetensors(os.path.join(OUT_DIR, "nn_interop_torch_io.safetensors"),
                     {"input": x, "output": y})


def check_ember_files():
    model_path = os.path.join(OUT_DIR, "nn_interop_ember_model.safetensors")
    io_path = os.path.join(OUT_DIR, "nn_interop_ember_io.safetensors")
    if not (os.path.exists(model_path) and os.path.exists(io_path)):
        print("no Ember-written files yet; run the C++ interop test with EMBER_REGENERATE_GOLDEN=1")
        return True
    net = InteropNet()
    net.load_state_dict(load_safetensors(model_path), strict=True)
    net.eval()
    io = load_safetensors(io_path)
    with torch.no_grad():
        y = net(io["input"])
    ok = torch.allclose(y, io["output"], rtol=1e-5, atol=1e-6)
    err = (y - io["output"]).abs().max().item()
    print(f"PyTorch loads Ember's checkpoint: {'ok' if ok else 'MISMATCH'} (max |diff| {err:.3g})")
    return ok


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    if "--check" not in sys.argv:
        save_safetensors(os.path.join(OUT_DIR, "nn_modules_golden.safetensors"), module_cases())
        interop_files()
        print(f"wrote golden files to {os.path.normpath(OUT_DIR)}")
    sys.exit(0 if check_ember_files() else 1)


if __name__ == "__main__":
    main()
