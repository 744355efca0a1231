#!/usr/bin/python3
"""Golden values for Ember's optimizer and scheduler tests, written by PyTorch 1.13.

Run with Debian's torch (python3-torch):  /usr/bin/python3 tests/golden/make_optim_golden.py
It writes, under tests/data/golden/:
  optim_trajectories.safetensors: for each optimizer configuration <name>, the parameters after
    each of 10 steps ("<name>.traj.<step>.<param>", step 1..10), starting from "init.<param>"
    with gradient grad = param * GRAD_SCALE + "shift.<param>" (float32 arithmetic, so Ember
    computes the same gradient bit for bit). "<name>" configurations with a "float64" suffix
    run in float64. The configurations (options, groups, skipped gradients) are listed in the
    metadata and mirrored by tests/optim/optimizer_golden_test.cpp.
  scheduler_lrs.safetensors: for each scheduler configuration <name>, "<name>.lrs" (float64,
    [steps + 1, groups]: the lrs after construction, then after each step), "<name>.momentum"
    where momentum is cycled, and "<name>.metrics" for ReduceLROnPlateau.
The files are committed, so CI needs no PyTorch. The safetensors writer is this file's own
(8-byte little-endian header length, JSON header, raw little-endian data).
"""

import json
import os
import struct

import torch

STEPS = 10
GRAD_SCALE = 0.7
SHAPES = [(3, 4), (5,), (2, 3, 2)]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "data", "golden")

DTYPE_CODES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata):
    """Tensors in name order without gaps, header padded with spaces to 8 bytes."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPE_CODES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ---- optimizers ----
# name -> (optimizer class, defaults, groups (list of (param indices, group options)),
#          steps at which a parameter has no gradient {step: [param indices]}, dtype)
ALL = [0, 1, 2]
OPTIMIZER_CONFIGS = {
    "sgd_plain": (torch.optim.SGD, dict(lr=0.1), None, {}),
    "sgd_momentum": (torch.optim.SGD, dict(lr=0.05, momentum=0.9), None, {}),
    "sgd_dampening_weight_decay": (
        torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01), None, {}),
    "sgd_nesterov": (
        torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.005), None, {}),
    "sgd_maximize": (torch.optim.SGD, dict(lr=0.02, momentum=0.5, maximize=True), None, {}),
    "sgd_two_groups": (
        torch.optim.SGD, dict(lr=0.1, momentum=0.9), [([0], {}), ([1, 2], dict(lr=0.01, momentum=0.0))],
        {}),
    "adam_default": (torch.optim.Adam, dict(lr=0.01), None, {}),
    "adam_weight_decay": (
        torch.optim.Adam, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), None, {}),
    "adam_amsgrad": (torch.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01), None, {}),
    "adam_maximize": (torch.optim.Adam, dict(lr=0.01, maximize=True), None, {}),
    "adam_two_groups": (
        torch.optim.Adam, dict(lr=0.01), [([0, 1], {}), ([2], dict(lr=0.05, betas=(0.5, 0.9)))], {}),
    "adam_skipped_grads": (torch.optim.Adam, dict(lr=0.01), None, {3: [1], 4: [1], 7: [0, 1]}),
    "adam_float64": (torch.optim.Adam, dict(lr=0.01, amsgrad=True), None, {}),
    "adamw_default": (torch.optim.AdamW, dict(lr=0.01), None, {}),
    "adamw_amsgrad": (
        torch.optim.AdamW, dict(lr=0.02, betas=(0.85, 0.995), weight_decay=0.1, amsgrad=True), None,
        {}),
    "rmsprop_default": (torch.optim.RMSprop, dict(lr=0.01), None, {}),
    "rmsprop_momentum": (torch.optim.RMSprop, dict(lr=0.005, momentum=0.5, eps=1e-6), None, {}),
    "rmsprop_centered": (torch.optim.RMSprop, dict(lr=0.01, centered=True, maximize=True), None, {}),
    "rmsprop_centered_momentum_weight_decay": (
        torch.optim.RMSprop,
        dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01), None, {}),
    "adagrad_default": (torch.optim.Adagrad, dict(lr=0.1), None, {}),
    "adagrad_decay": (
        torch.optim.Adagrad,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8),
        None, {}),
    "adadelta_default": (torch.optim.Adadelta, dict(lr=1.0), None, {}),
    "adadelta_weight_decay": (
        torch.optim.Adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05), None, {}),
    "adadelta_float64": (torch.optim.Adadelta, dict(lr=1.0, maximize=True), None, {}),
}


def make_initial():
    g = torch.Generator().manual_seed(1234)
    init, shift = [], []
    for shape in SHAPES:
        magnitude = torch.rand(shape, generator=g) * 1.5 + 0.5
        sign = torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
        init.append((magnitude * sign).float())
        shift.append(torch.randn(shape, generator=g).float())
    return init, shift


def run_optimizer(name, config, init, shift):
    cls, defaults, groups, skipped = config
    dtype = torch.float64 if name.endswith("float64") else torch.float32
    params = [p.clone().to(dtype).requires_grad_(True) for p in init]
    shifts = [s.to(dtype) for s in shift]
    if groups is None:
        opt = cls(params, **defaults)
    else:
        opt = cls([dict(params=[params[i] for i in idx], **opts) for idx, opts in groups],
                  **defaults)
    out = {}
    for step in range(1, STEPS + 1):
        for i, p in enumerate(params):
            if i in skipped.get(step, []):
                p.grad = None
            else:
                with torch.no_grad():
                    p.grad = p * GRAD_SCALE + shifts[i]
        opt.step()
        for i, p in enumerate(params):
            out["%s.traj.%d.%d" % (name, step, i)] = p.detach().clone()
    return out


def optimizer_golden():
    init, shift = make_initial()
    tensors = {}
    for i in range(len(SHAPES)):
        tensors["init.%d" % i] = init[i]
        tensors["shift.%d" % i] = shift[i]
    configs = {}
    for name, config in OPTIMIZER_CONFIGS.items():
        tensors.update(run_optimizer(name, config, init, shift))
        cls, defaults, groups, skipped = config
        configs[name] = dict(optimizer=cls.__name__, defaults=defaults, groups=groups,
                             skipped={str(k): v for k, v in skipped.items()})
    metadata = {"torch_version": torch.__version__, "steps": str(STEPS),
                "grad_scale": repr(GRAD_SCALE), "configs": json.dumps(configs)}
    write_safetensors(os.path.join(OUT_DIR, "optim_trajectories.safetensors"), tensors, metadata)


# ---- schedulers ----
def sgd_two_groups():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([dict(params=[a]), dict(params=[b], lr=0.02)], lr=0.1, momentum=0.9)


def adam_two_groups():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    return torch.optim.Adam([dict(params=[a]), dict(params=[b], lr=0.002)], lr=0.01)


def adagrad_two_groups():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    return torch.optim.Adagrad([dict(params=[a]), dict(params=[b], lr=0.05)], lr=0.1)


def plateau_metrics(count, seed):
    g = torch.Generator().manual_seed(seed)
    # A noisy curve that improves, stalls, then improves again.
    base = [1.0 / (1 + 0.3 * k) if k < count // 3 or k > 2 * count // 3 else 0.25
            for k in range(count)]
    noise = (torch.rand(count, generator=g, dtype=torch.float64) - 0.5) * 0.02
    return [b + float(n) for b, n in zip(base, noise)]


SCHEDULER_CONFIGS = {
    "step_lr": (sgd_two_groups, lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5), 20),
    "multi_step_lr": (sgd_two_groups,
                      lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3), 15),
    "exponential_lr": (sgd_two_groups, lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), 15),
    "cosine_annealing_lr": (
        sgd_two_groups, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 6, eta_min=0.001), 30),
    "cosine_annealing_lr_zero_min": (
        sgd_two_groups, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10), 25),
    "one_cycle_lr_cos_sgd": (
        sgd_two_groups, lambda o: torch.optim.lr_scheduler.OneCycleLR(o, [0.5, 0.1], total_steps=20),
        20),
    "one_cycle_lr_linear_three_phase_adam": (
        adam_two_groups,
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, 0.01, epochs=4, steps_per_epoch=5, pct_start=0.25, anneal_strategy="linear",
            div_factor=10.0, final_div_factor=100.0, three_phase=True, base_momentum=0.8,
            max_momentum=0.9), 20),
    "one_cycle_lr_no_momentum_adagrad": (
        adagrad_two_groups,
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 0.3, total_steps=17, pct_start=0.4,
                                                      cycle_momentum=False), 17),
}

PLATEAU_CONFIGS = {
    "reduce_lr_on_plateau_min_rel": (
        dict(factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=[0.01, 0.001]), 30, 7),
    "reduce_lr_on_plateau_max_abs": (
        dict(mode="max", threshold_mode="abs", threshold=0.05, patience=1, factor=0.3,
             min_lr=0.0005), 30, 8),
}


def momentum_of(group):
    if "betas" in group:
        return group["betas"][0]
    return group.get("momentum", 0.0)


def scheduler_golden():
    tensors = {}
    for name, (make_opt, make_sched, steps) in SCHEDULER_CONFIGS.items():
        opt = make_opt()
        sched = make_sched(opt)
        lrs = [sched.get_last_lr()]
        momenta = [[momentum_of(g) for g in opt.param_groups]]
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
            momenta.append([momentum_of(g) for g in opt.param_groups])
        tensors[name + ".lrs"] = torch.tensor(lrs, dtype=torch.float64)
        if "one_cycle" in name:
            tensors[name + ".momentum"] = torch.tensor(momenta, dtype=torch.float64)
    for name, (kwargs, steps, seed) in PLATEAU_CONFIGS.items():
        opt = sgd_two_groups()
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        metrics = plateau_metrics(steps, seed)
        if kwargs.get("mode") == "max":
            metrics = [1.0 - m for m in metrics]
        lrs = [[g["lr"] for g in opt.param_groups]]
        for m in metrics:
            opt.step()
            sched.step(m)
            lrs.append(sched._last_lr)
        tensors[name + ".lrs"] = torch.tensor(lrs, dtype=torch.float64)
        tensors[name + ".metrics"] = torch.tensor(metrics, dtype=torch.float64)
    write_safetensors(os.path.join(OUT_DIR, "scheduler_lrs.safetensors"), tensors,
                      {"torch_version": torch.__version__})


if __name__ == "__main__":
    os.makedirs(OUT_DIR, exist_ok=True)
    optimizer_golden()
    scheduler_golden()
