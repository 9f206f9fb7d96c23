"""Vector stores of a local index: the :class:`DenseBackend` base class, its registry
(:func:`create_backend`, :func:`register_backend`) and FAISS (``vectors/faiss.py``)."""

from __future__ import annotations

from .base import (
    DEFAULT_BACKEND,
    DenseBackend,
    IndexFiles,
    available_backends,
    backend_class,
    create_backend,
    loader_for,
    register_backend,
)

__all__ = [
    "DEFAULT_BACKEND",
    "DenseBackend",
    "IndexFiles",
    "available_backends",
    "backend_class",
    "create_backend",
    "loader_for",
    "register_backend",
]
