# PyTorch 1.13's CPU Adam step timed like bench_adam.cpp (same sizes, options and byte count), for
# the side-by-side comparison in bench/results. Run: /usr/bin/python3 bench/bench_adam_torch.py
import time

import torch

torch.set_num_threads(2)

for n in [1 << 20, 1 << 24]:
    for amsgrad in [False, True]:
        for foreach in [False, True]:
            p = torch.randn(n, requires_grad=True)
            p.grad = torch.randn(n)
            opt = torch.optim.Adam([p], lr=1e-3, weight_decay=0.01, amsgrad=amsgrad, foreach=foreach)
            opt.step()
            steps, start = 0, time.perf_counter()
            while time.perf_counter() - start < 1.0:
                opt.step()
                steps += 1
            seconds = (time.perf_counter() - start) / steps
            bytes_moved = (36 if amsgrad else 28) * n
            print("torch adam%s/%dM foreach=%s: %.3f ms, %.1f GB/s" % (
                "_amsgrad" if amsgrad else "", n >> 20, foreach, seconds * 1e3, bytes_moved / seconds / 1e9))
