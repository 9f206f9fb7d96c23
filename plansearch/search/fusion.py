"""Fusing the dense and lexical rankings into one (hybrid search).

Two rules, both vectorised over the (small) candidate lists:

* :func:`rrf` — reciprocal-rank fusion (Cormack et al. 2009): ``Σ 1 / (k + rank)``.
  Scale-free, so cosine and BM25 need no calibration.
* :func:`weighted` — min-max normalise the dense cosines over the candidates and divide
  BM25 scores by the best one (BM25's zero means "no shared word"), then
  ``α·dense + (1-α)·lexical`` (a side that did not retrieve a candidate adds 0).

:data:`DEFAULT_FUSION` is the rule that measured best in
``benchmarks/bench_search.py`` (similar-goal precision@5 on the dev set).

>>> ids, scores = rrf([np.array([3, 1]), np.array([1, 7])])
>>> ids.tolist()
[1, 3, 7]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

#: RRF constant (the value from the original paper; larger = flatter).
RRF_K: int = 60
#: Weight of the dense side in :func:`weighted`.
DENSE_WEIGHT: float = 0.5
#: ``"rrf"`` or ``"weighted"``; chosen by measurement (``benchmarks/bench_search.py
#: --embedder default``, similar-goal P@5 on the dev set, 2026-11-21): dense 0.486,
#: lexical 0.484, RRF 0.522, weighted(0.5) 0.535 (0.3: 0.527, 0.7: 0.530, 0.8: 0.512).
#: The dense weight stays at the neutral 0.5 rather than being tuned to the dev set.
DEFAULT_FUSION: str = "weighted"
FUSIONS: tuple[str, ...] = ("rrf", "weighted")


def _order(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((ids, -scores))  # score desc, then id asc
    return ids[order], scores[order]


def rrf(rankings: Sequence[np.ndarray], *, k: int = RRF_K) -> tuple[np.ndarray, np.ndarray]:
    """Reciprocal-rank fusion of ranked id arrays (best first) → ``(ids, scores)``."""
    lists = [np.asarray(r, dtype=np.int64) for r in rankings if len(r)]
    if not lists:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ids = np.concatenate(lists)
    contrib = np.concatenate([1.0 / (k + 1.0 + np.arange(len(r))) for r in lists])
    uniq, inv = np.unique(ids, return_inverse=True)
    return _order(uniq, np.bincount(inv, weights=contrib))


def minmax(s: np.ndarray) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    if len(s) == 0:
        return s
    lo, hi = float(s.min()), float(s.max())
    if hi - lo <= 1e-12:
        return np.ones_like(s)
    return (s - lo) / (hi - lo)


def scale_to_max(s: np.ndarray) -> np.ndarray:
    """BM25 scores divided by the best one. BM25 has a natural zero (no shared word),
    so min-max would wrongly give the weakest *matching* candidate nothing."""
    s = np.asarray(s, dtype=np.float64)
    if len(s) == 0:
        return s
    hi = float(s.max())
    return s / hi if hi > 0 else np.ones_like(s)


def weighted(
    dense: tuple[np.ndarray, np.ndarray],
    lexical: tuple[np.ndarray, np.ndarray],
    *,
    alpha: float = DENSE_WEIGHT,
) -> tuple[np.ndarray, np.ndarray]:
    """``α·dense + (1-α)·lexical`` over normalised scores → ``(ids, scores)``."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    d_ids, d_sc = (np.asarray(a) for a in dense)
    l_ids, l_sc = (np.asarray(a) for a in lexical)
    ids = np.concatenate([d_ids, l_ids]).astype(np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    contrib = np.concatenate([alpha * minmax(d_sc), (1.0 - alpha) * scale_to_max(l_sc)])
    uniq, inv = np.unique(ids, return_inverse=True)
    return _order(uniq, np.bincount(inv, weights=contrib))


def fuse(
    dense: tuple[np.ndarray, np.ndarray],
    lexical: tuple[np.ndarray, np.ndarray],
    *,
    method: str = DEFAULT_FUSION,
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse ``(ids, scores)`` of both sides (each sorted best first) with ``method``."""
    if method == "rrf":
        return rrf([dense[0], lexical[0]])
    if method == "weighted":
        return weighted(dense, lexical, alpha=DENSE_WEIGHT)
    raise ValueError(f"unknown fusion {method!r}; use one of {FUSIONS}")


def fuse_keyed(
    dense: tuple[np.ndarray, np.ndarray],
    lexical: tuple[np.ndarray, np.ndarray],
    *,
    method: str = DEFAULT_FUSION,
) -> tuple[list[Hashable], np.ndarray]:
    """:func:`fuse` for rows named by any sortable keys (row numbers, section ids).

    Keys are numbered in sorted order first, so ties are broken by key, as
    :func:`fuse` breaks them by row number. Returns ``(keys, scores)``, best first.

    >>> keys, _ = fuse_keyed((np.array(["b", "a"]), np.array([0.9, 0.8])),
    ...                      (np.array(["a"]), np.array([2.0])), method="rrf")
    >>> keys
    ['a', 'b']
    """
    names = sorted(set(dense[0].tolist()) | set(lexical[0].tolist()))
    number = {n: i for i, n in enumerate(names)}

    def as_ints(side: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter((number[n] for n in side[0].tolist()), np.int64, count=len(side[0]))
        return ids, side[1]

    ids, scores = fuse(as_ints(dense), as_ints(lexical), method=method)
    return [names[i] for i in ids.tolist()], scores
