"""Search index: FAISS dense vectors + Thai BM25, fused, filtered and saved safely.

>>> from plansearch import PlanIndex
>>> idx = PlanIndex.build(sections)                      # doctest: +SKIP
>>> idx.search("น้ำประปาหมู่บ้าน", k=5, where={"level": "local"})  # doctest: +SKIP
"""

from __future__ import annotations

from .dense import DenseIndex
from .filters import FILTER_FIELDS, normalise_where
from .fusion import rrf, weighted
from .lexical import BM25Index
from .planindex import MODES, Hit, PlanIndex

__all__ = [
    "FILTER_FIELDS",
    "MODES",
    "BM25Index",
    "DenseIndex",
    "Hit",
    "PlanIndex",
    "normalise_where",
    "rrf",
    "weighted",
]
