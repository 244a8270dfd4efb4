# Fits the float32 Phi polynomials in tensor/internal/tensor/elementwise_math.h (normal_cdf, exp_pair).
# Run: /usr/bin/python3 tools/fit_normal_cdf.py final 4.0 7 3   (needs numpy and mpmath; "scan" compares c and degrees)
import math
import sys

import mpmath
import numpy as np

mpmath.mp.dps = 30


def minimax(f, lo, hi, deg, center, n=4000, iters=200):
    """Polynomial in (s - center) of degree deg with minimal max relative error on [lo, hi], by Lawson's
    iteratively reweighted least squares on Chebyshev nodes; returns (coefficients low to high, error)."""
    s = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    y = np.array([f(v) for v in s])
    A = np.vander(s - center, deg + 1, increasing=True) / y[:, None]  # relative residuals
    w = np.ones(n) / n
    for _ in range(iters):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(A * sw[:, None], sw, rcond=None)
        r = np.abs(A @ c - 1)
        w = w * r
        w /= w.sum()
    return c, np.max(np.abs(A @ c - 1))


def g(s, c):
    """erfc(t) exp(t^2) / 2 with t = a / sqrt2 and s = c / (c + a), i.e. a = c (1 - s) / s."""
    a = mpmath.mpf(c) * (1 - s) / s
    t = a / mpmath.sqrt(2)
    return float(mpmath.erfc(t) * mpmath.exp(t * t) / 2)


def expm1_r(r):
    return float((mpmath.exp(r) - 1 - r) / (r * r)) if r != 0 else 0.5


if __name__ == "__main__":
    amax = 13.3  # Phi(-13.3) < 2^-126: further left the result flushes to 0
    mode = sys.argv[1] if len(sys.argv) > 1 else "final"
    if mode == "scan":
        for c in [1.5, 2.0, 2.5, 2 * math.sqrt(2), 3.5, 4.0, 5.0]:
            lo = c / (c + amax)
            errs = []
            for deg in range(4, 10):
                _, e = minimax(lambda s: g(s, c), lo, 1.0, deg, (lo + 1) / 2, n=1500, iters=60)
                errs.append(f"{deg}:{e:.1e}")
            print(f"c={c:.3f}", " ".join(errs))
        for deg in range(2, 6):
            _, e = minimax(expm1_r, -0.3466, 0.3466, deg, 0.0, n=1500, iters=60)
            print(f"exp: q degree {deg} -> relative error of (exp(r)-1-r)/r^2 {e:.1e}")
    else:
        c, deg = float(sys.argv[2]), int(sys.argv[3])
        lo = c / (c + amax)
        center = float(np.float32((lo + 1) / 2))
        k, e = minimax(lambda s: g(s, c), lo, 1.0, deg, center)
        print(f"c = {c}, s in [{lo:.4f}, 1], center {center!r}, degree {deg}: relative error {e:.2e}")
        print(", ".join(f"{np.float32(v)!r}f" for v in k))
        q, e = minimax(expm1_r, -0.3466, 0.3466, int(sys.argv[4]) if len(sys.argv) > 4 else 3, 0.0)
        print(f"exp q: relative error {e:.2e}:", ", ".join(f"{np.float32(v)!r}f" for v in q))
        print("  in R = 2r (q_k / 2^(k+2)):", ", ".join(f"{np.float32(v / 2 ** (k + 2))!r}f" for k, v in enumerate(q)))
