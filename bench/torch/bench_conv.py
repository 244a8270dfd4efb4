# The dcgan conv layers of bench/bench_conv.cpp in PyTorch 1.13 on 2 threads, forward and backward (dx + dW +
# db) timed separately, median milliseconds and GFLOP/s (same flop counts as bench_conv.cpp).
# Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch/bench_conv.py
import time
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
N = 64
LAYERS = [("G1_convT_100_256_s1p0", True, 100, 256, 4, 1, 0, 1), ("G2_convT_256_128_s2p1", True, 256, 128, 4, 2, 1, 4),
          ("G3_convT_128_64_s2p1", True, 128, 64, 4, 2, 1, 8), ("G4_convT_64_1_s2p1", True, 64, 1, 4, 2, 1, 16),
          ("D1_conv_1_64_s2p1", False, 1, 64, 4, 2, 1, 32), ("D2_conv_64_128_s2p1", False, 64, 128, 4, 2, 1, 16),
          ("D3_conv_128_256_s2p1", False, 128, 256, 4, 2, 1, 8), ("D4_conv_256_1_s1p0", False, 256, 1, 4, 1, 0, 4)]


def median_ms(f, reps=30):
    for _ in range(3):
        f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2] * 1e3


for name, transposed, cin, cout, k, s, p, h in LAYERS:
    x = torch.randn(N, cin, h, h, requires_grad=True)
    w = torch.randn(*((cin, cout) if transposed else (cout, cin)), k, k, requires_grad=True)
    b = torch.randn(cout, requires_grad=True)
    op = (lambda: F.conv_transpose2d(x, w, b, s, p)) if transposed else (lambda: F.conv2d(x, w, b, s, p))
    ho = (h + 2 * p - k) // s + 1
    flops = 2.0 * N * cin * cout * k * k * (h * h if transposed else ho * ho)
    with torch.no_grad():
        fwd = median_ms(op)
    y = op()
    dy = torch.randn_like(y)

    def backward():
        x.grad = w.grad = b.grad = None
        y.backward(dy, retain_graph=True)

    bwd = median_ms(backward)
    print(f"{name:24s} forward {fwd:7.3f} ms {flops / fwd / 1e6:7.1f} GFLOP/s   "
          f"backward {bwd:7.3f} ms {2 * flops / bwd / 1e6:7.1f} GFLOP/s")
