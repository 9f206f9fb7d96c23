"""Search index: dense vectors (FAISS or another registered backend) + Thai BM25, fused,
filtered, and saved as atomically switched versions.

>>> from plansearch import PlanIndex
>>> idx = PlanIndex.build(sections)                      # doctest: +SKIP
>>> idx.search("น้ำประปาหมู่บ้าน", k=5, where={"level": "local"})  # doctest: +SKIP
"""

from __future__ import annotations

from .backend import DenseBackend, available_backends, create_backend, register_backend
from .dense import DenseIndex, FaissBackend
from .filters import FILTER_FIELDS, RowSet, normalise_where
from .fusion import rrf, weighted
from .lexical import BM25Index
from .planindex import MODES, Hit, PlanIndex

__all__ = [
    "FILTER_FIELDS",
    "MODES",
    "BM25Index",
    "DenseBackend",
    "DenseIndex",
    "FaissBackend",
    "Hit",
    "PlanIndex",
    "RowSet",
    "available_backends",
    "create_backend",
    "normalise_where",
    "register_backend",
    "rrf",
    "weighted",
]
