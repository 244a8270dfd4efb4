# The workloads of bench/bench_nn.cpp in PyTorch, for comparison: microseconds per forward + backward
# step of each mlp_gan Linear and BatchNorm1d at batch 64, and of the whole generator + discriminator.
# Usage: python3 bench/pytorch_nn.py [threads]   (compare with bench_kernels --benchmark_filter=nn/ run
# with the same number of threads, e.g. both under `taskset -c 0-1`).
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


def median_us(step, reps=31, inner=20):
    for _ in range(50):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        times.append((time.perf_counter() - t0) / inner * 1e6)
    return sorted(times)[reps // 2]


def layer_step(layer, width):
    x = torch.randn(64, width, requires_grad=True)

    def step():
        layer.zero_grad()
        x.grad = None
        layer(x).sum().backward()
    return step


print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
for i, o in [(100, 256), (256, 512), (512, 1024), (1024, 784), (784, 512), (512, 256), (256, 1)]:
    print(f"nn/linear_step/{i}x{o}: {median_us(layer_step(nn.Linear(i, o), i)):.1f} us")
for c in [512, 1024]:
    print(f"nn/batchnorm1d_step/{c}: {median_us(layer_step(nn.BatchNorm1d(c), c)):.1f} us")
G = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.BatchNorm1d(512), nn.LeakyReLU(0.2),
                  nn.Linear(512, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh())
D = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1),
                  nn.Sigmoid())
z = torch.randn(64, 100)


def gan_step():
    G.zero_grad()
    D.zero_grad()
    D(G(z)).mean().backward()


print(f"nn/mlp_gan_step: {median_us(gan_step, reps=15):.1f} us")
