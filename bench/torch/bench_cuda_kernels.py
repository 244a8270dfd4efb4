"""The ops of bench/bench_cuda.cpp in PyTorch eager on the same GPU, for side-by-side figures.

Each op is timed per call with torch.cuda.Event (after warm-up calls), and the median over the calls
is reported; rates are GB/s of bytes read + written (against a device-to-device copy of the same
traffic, copy_ into a preallocated tensor) or GFLOP/s (against torch.matmul at 8192^3). TF32 is off,
as in muse by default.

Run: python3 bench/torch/bench_cuda_kernels.py
"""
import statistics

import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"


def median_ms(f, warmup=5, iters=50):
    for _ in range(warmup):
        f()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        f()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


rows = []  # (name, ms, rate, unit, ceiling)
copy_ceilings = {}


def copy_ceiling(traffic):
    """GB/s of a device-to-device copy moving `traffic` bytes (half read, half written)."""
    if traffic not in copy_ceilings:
        src = torch.ones(int(traffic // 8), device=dev)  # traffic / 2 bytes of float32
        dst = torch.empty_like(src)
        ms = median_ms(lambda: dst.copy_(src))
        copy_ceilings[traffic] = traffic / ms / 1e6
        rows.append((f"ceiling/copy/{int(traffic)}B", ms, copy_ceilings[traffic], "GB/s", None))
    return copy_ceilings[traffic]


def memory_bound(name, inputs, traffic, f):
    ceiling = copy_ceiling(traffic)
    ms = median_ms(lambda: f(*inputs))
    rows.append((name, ms, traffic / ms / 1e6, "GB/s", ceiling))


a8192 = torch.randn(8192, 8192, device=dev)
b8192 = torch.randn(8192, 8192, device=dev)
gemm_ms = median_ms(lambda: torch.matmul(a8192, b8192), warmup=3, iters=20)
gemm_peak = 2 * 8192**3 / gemm_ms / 1e6
rows.append(("ceiling/sgemm/8192", gemm_ms, gemm_peak, "GFLOP/s", None))
del a8192, b8192

for n in (1 << 24, 1 << 26):
    size = f"{n >> 20}M"
    x, y = torch.randn(n, device=dev), torch.randn(n, device=dev)
    memory_bound(f"add/{size}", (x, y), 12.0 * n, torch.add)
    memory_bound(f"mul/{size}", (x, y), 12.0 * n, torch.mul)
    memory_bound(f"gelu/{size}", (x,), 8.0 * n, torch.nn.functional.gelu)
    memory_bound(f"sum/all/{size}", (x,), 4.0 * n, torch.sum)
    memory_bound(f"sum/dim0/{size}", (x.view(-1, 1024),), 4.0 * n, lambda t: t.sum(0))
    for row in (1024, 4096):
        memory_bound(f"softmax/rows{row}/{size}", (x.view(-1, row),), 8.0 * n, lambda t: torch.softmax(t, 1))
    del x, y
    for cols in (768, 4096):  # layer_norm: 8 bytes an element forward, 20 with autograd's backward
        rows_ = n // cols
        x = torch.randn(rows_, cols, device=dev)
        w, b = torch.ones(cols, device=dev), torch.zeros(cols, device=dev)
        memory_bound(f"layer_norm/fwd/cols{cols}/{size}", (x,), 8.0 * rows_ * cols,
                     lambda t: torch.nn.functional.layer_norm(t, (cols,), w, b))
        xg, wg, bg = x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()
        dy = torch.randn_like(x)

        def fwd_bwd(t):
            for p in (xg, wg, bg):
                p.grad = None
            torch.nn.functional.layer_norm(t, (cols,), wg, bg).backward(dy)

        memory_bound(f"layer_norm/fwd_bwd/cols{cols}/{size}", (xg,), 20.0 * rows_ * cols, fwd_bwd)
        del x, xg, dy
    p = torch.randn(n, device=dev, requires_grad=True)  # one fused Adam step: 28 bytes an element
    p.grad = torch.randn(n, device=dev)
    opt = torch.optim.Adam([p], lr=1e-3, fused=True)
    memory_bound(f"adam/{size}", (), 28.0 * n, opt.step)
    del p, opt


def attention(B, H, T, D, fused, backward):
    """Causal attention: F.scaled_dot_product_attention (flash) or materialised (q k^T, mask, softmax, v)."""
    q, k, v = (torch.randn(B, H, T, D, device=dev, requires_grad=backward) for _ in range(3))
    dy = torch.randn(B, H, T, D, device=dev)
    allowed = torch.ones(T, T, dtype=torch.bool, device=dev).tril()
    scale = D ** -0.5

    def f():
        for t in (q, k, v):
            t.grad = None
        if fused:
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-2, -1) * scale).masked_fill(~allowed, float("-inf"))
            out = torch.softmax(scores, -1) @ v
        if backward:
            out.backward(dy)

    ms = median_ms(f, iters=20)
    flops = 4.0 * B * H * T * T * D * (3.5 if backward else 1.0)
    name = f"attention/{'fused' if fused else 'materialised'}/{'fwd_bwd' if backward else 'fwd'}/B{B}H{H}T{T}D{D}"
    rows.append((name, ms, flops / ms / 1e6, "GFLOP/s", gemm_peak))


for B, H, T, D in ((8, 12, 1024, 64), (16, 4, 128, 64)):
    for fused in (True, False):
        for backward in (False, True):
            attention(B, H, T, D, fused, backward)


def matmul(name, m, n, k, ta, tb):
    a = torch.randn(k, m, device=dev).t() if ta else torch.randn(m, k, device=dev)
    b = torch.randn(n, k, device=dev).t() if tb else torch.randn(k, n, device=dev)
    ms = median_ms(lambda: torch.matmul(a, b))
    suffix = ("/ta" if ta else "") + ("/tb" if tb else "")
    rows.append((f"matmul/{name}/{m}x{n}x{k}{suffix}", ms, 2.0 * m * n * k / ms / 1e6, "GFLOP/s", gemm_peak))


for s in (1024, 2048, 4096):
    matmul("square", s, s, s, False, False)
for fan_in, fan_out in ((100, 256), (256, 512), (512, 1024), (1024, 784), (784, 512), (512, 256), (256, 1)):
    matmul("gan_forward", 64, fan_out, fan_in, False, True)
    matmul("gan_dx", 64, fan_in, fan_out, False, False)
    matmul("gan_dw", fan_out, fan_in, 64, True, False)

print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name()}, median of 50 calls timed with CUDA events")
print(f"{'benchmark':48s} {'ms':>10s} {'rate':>12s}        {'ceiling':>10s} {'ratio':>7s}")
for name, ms, rate, unit, ceiling in rows:
    ratio = f"{100 * rate / ceiling:6.0f}%" if ceiling else ""
    ceil = f"{ceiling:10.1f}" if ceiling else ""
    print(f"{name:48s} {ms:10.4f} {rate:12.1f} {unit:7s} {ceil:>10s} {ratio:>7s}")
