# Writes reference_values.h: trajectories of torch.optim (PyTorch 1.13) for tests/optim/. Run from this
# folder with /usr/bin/python3 make_reference.py. Every problem is stated here and copied into the C++
# tests through the generated header, so both sides start from the same numbers.
#
# Optimizers minimise sum(c * p^2 / 2 + d * p) (gradient c * p + d) for kSteps steps; after each step
# the parameters are recorded. Schedulers record get_last_lr() after construction and after each step,
# over an SGD optimizer with two param groups (lr 0.1 and 0.02). clip_grad_norm_ records the returned
# total norm and the clipped gradients.
import math
import warnings

import torch

torch.set_num_threads(2)
# SequentialLR calls scheduler.step(0) at a milestone, which warns that the epoch argument is deprecated.
warnings.filterwarnings("ignore", message="The epoch parameter")

STEPS = 6
P0 = [1.0, -2.0, 0.5, 3.0, -0.25]
C = [1.0, 3.0, 0.5, 2.0, 4.0]
D = [0.1, -0.2, 0.3, -1.0, 0.5]
Q0 = [0.75, -1.5, 2.0]  # the second group's parameter in two-group problems
CQ = [2.0, 0.5, 1.5]
DQ = [-0.3, 0.2, 0.1]
lines = ["inline constexpr int kSteps = %d;" % STEPS]


def emit(name, values):
    numbers = ["%.17g" % v for v in values]
    rows = [", ".join(numbers[i:i + 4]) for i in range(0, len(numbers), 4)]
    lines.append("inline const std::vector<double> %s = {\n    %s};" % (name, ",\n    ".join(rows)))


for name, values in [("kP0", P0), ("kC", C), ("kD", D), ("kQ0", Q0), ("kCQ", CQ), ("kDQ", DQ)]:
    emit(name, values)


def loss(p, c, d):
    return (torch.tensor(c, dtype=p.dtype) * p * p / 2 + torch.tensor(d, dtype=p.dtype) * p).sum()


def trajectory(make, dtype, two_groups=False):
    p = torch.tensor(P0, dtype=dtype, requires_grad=True)
    q = torch.tensor(Q0, dtype=dtype, requires_grad=True)
    opt = make(p, q)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        total = loss(p, C, D) + (loss(q, CQ, DQ) if two_groups else 0)
        total.backward()
        opt.step()
        out += p.tolist() + (q.tolist() if two_groups else [])
    return out, opt


cases = {
    "kAdamPlain": lambda p, q: torch.optim.Adam([p], lr=0.1),
    "kAdamWeightDecay": lambda p, q: torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "kAdamAmsgrad": lambda p, q: torch.optim.Adam([p], lr=0.5, betas=(0.5, 0.6), amsgrad=True),
    "kAdamW": lambda p, q: torch.optim.AdamW([p], lr=0.1),
    "kAdamWAmsgrad": lambda p, q: torch.optim.AdamW([p], lr=0.5, betas=(0.5, 0.6), weight_decay=0.1, amsgrad=True),
}
for name, make in cases.items():
    emit(name + "64", trajectory(make, torch.float64)[0])
    values, opt = trajectory(make, torch.float32)
    emit(name + "32", values)
    if "Amsgrad" in name:  # the problem must make the maximum differ from the running average
        s = opt.state[opt.param_groups[0]["params"][0]]
        assert not torch.equal(s["max_exp_avg_sq"], s["exp_avg_sq"]), name

two_group_cases = {
    "kAdamGroups": lambda p, q: torch.optim.Adam([{"params": [p], "lr": 0.1}, {"params": [q], "betas": (0.5, 0.9)}],
                                                 lr=0.01, weight_decay=0.05),
    "kAdamWGroups": lambda p, q: torch.optim.AdamW([{"params": [p]}, {"params": [q], "lr": 0.2, "amsgrad": True}],
                                                   lr=0.05),
    "kSGDGroups": lambda p, q: torch.optim.SGD([{"params": [p], "momentum": 0.9, "nesterov": True}, {"params": [q]}],
                                               lr=0.05, weight_decay=0.01),
}
for name, make in two_group_cases.items():
    emit(name + "64", trajectory(make, torch.float64, two_groups=True)[0])

# ---- schedulers ----


def lr_sequence(make, steps):
    a = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1)
    sched = make(opt)
    out = list(sched.get_last_lr())
    for _ in range(steps):
        opt.step()
        sched.step()
        out += sched.get_last_lr()
    return out


S = torch.optim.lr_scheduler
emit("kStepLR", lr_sequence(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 10))
emit("kLinearLR", lr_sequence(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), 8))
emit("kLinearLRDefault", lr_sequence(lambda o: S.LinearLR(o), 7))
emit("kLinearLRDecay", lr_sequence(lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=3), 5))
emit("kCosineLR", lr_sequence(lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.001), 14))
emit("kLambdaLR", lr_sequence(lambda o: S.LambdaLR(o, lambda e: 0.9 ** e), 6))
emit("kLambdaLRPerGroup", lr_sequence(lambda o: S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.95 ** e]), 6))
emit("kWarmupCosine", lr_sequence(lambda o: S.SequentialLR(
    o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, T_max=5)], milestones=[3]), 12))
emit("kThreeStages", lr_sequence(lambda o: S.SequentialLR(
    o, [S.LinearLR(o, start_factor=0.5, total_iters=2), S.StepLR(o, step_size=2, gamma=0.5),
        S.CosineAnnealingLR(o, T_max=4, eta_min=0.005)], milestones=[2, 6]), 12))

# ---- clip_grad_norm_ ----

G = [[0.5, -1.0, 2.0], [[0.25, -3.0], [1.5, 0.0]], [-0.75, 1.25, 0.1, -2.5]]
emit("kClipGrads", [v for g in G for v in torch.tensor(g, dtype=torch.float64).flatten().tolist()])
for name, max_norm, norm_type in [("L2", 1.0, 2.0), ("L2Loose", 100.0, 2.0), ("Inf", 0.5, math.inf),
                                  ("L1", 2.0, 1.0)]:
    for dtype, suffix in [(torch.float32, "32"), (torch.float64, "64")]:
        params = [torch.zeros(torch.tensor(g).shape, dtype=dtype, requires_grad=True) for g in G]
        for p, g in zip(params, G):
            p.grad = torch.tensor(g, dtype=dtype)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        emit("kClip%s%s" % (name, suffix), [total.item()] + [v for p in params for v in p.grad.flatten().tolist()])

with open("reference_values.h", "w") as f:
    f.write("// Generated by tests/optim/make_reference.py with PyTorch %s; do not edit.\n" % torch.__version__)
    f.write("#pragma once\n\n#include <vector>\n\nnamespace ref {\n\n")
    f.write("\n".join(lines) + "\n\n}  // namespace ref\n")
