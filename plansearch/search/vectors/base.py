"""The vector store of a local index: one small base class and a registry of backends.

The local store (:mod:`plansearch.search.stores.local`) keeps its vectors only through
:class:`DenseBackend` (like txtai's ``ann/base.py`` + ``ann/factory.py``): rows are
numbered ``0 … n-1`` in insertion order (row ``i`` = section ``i``), filters arrive as a
:class:`~plansearch.search.filters.RowSet` of allowed rows, and stored vectors are read
back with :meth:`DenseBackend.vectors`. FAISS (``"faiss"``) is built in; another vector
library is one subclass plus one :func:`register_backend` call::

    from plansearch.search.vectors import DenseBackend, register_backend

    class HnswBackend(DenseBackend):
        name = "hnsw"
        ...                                # the abstract methods below

    register_backend("hnsw", HnswBackend)        # or "mypkg.hnsw:HnswBackend"
    idx = SearchIndex(embedder, backend="hnsw")

(A shared Milvus database is not a vector backend but a whole store, sections and
BM25 included: :meth:`plansearch.SearchIndex.create`.)

>>> sorted(available_backends())
['faiss']
>>> backend = create_backend("faiss", 4)
>>> backend.add(np.eye(4, dtype=np.float32))
>>> backend.search(np.array([0, 1, 0, 0], dtype=np.float32), 1)[0].tolist()
[1]
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

import numpy as np

from ...errors import IndexFormatError, InputError
from ..filters import RowSet


class IndexFiles(Protocol):
    """Read access to the files of one saved index version (see :mod:`plansearch.search.storage`).

    ``open(name)`` returns a binary file object positioned at the start; the file was
    already checked against the manifest's sha256, and stays readable even if a
    writer removes the version meanwhile.
    """

    directory: Path

    def open(self, name: str) -> IO[bytes]: ...


class DenseBackend(ABC):
    """Vector store + nearest-neighbour search over unit vectors (inner product).

    Subclasses set :attr:`name` and implement every abstract method. Positions are
    ``int64`` row numbers; scores are cosines (vectors are L2-normalised).
    """

    #: Registry name, recorded in the manifest as ``dense.backend``.
    name: ClassVar[str] = ""

    def __init__(self, dimension: int, config: Mapping[str, Any] | None = None) -> None:
        self.dimension = int(dimension)

    # ------------------------------------------------------------------ facts
    @abstractmethod
    def __len__(self) -> int:
        """Number of stored vectors."""

    @property
    def count(self) -> int:
        """Number of stored vectors (same as ``len(backend)``)."""
        return len(self)

    @property
    @abstractmethod
    def kind(self) -> str:
        """Short description of the search structure (e.g. ``"flat"``)."""

    @property
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-safe description saved in the manifest and passed back to :meth:`load`."""

    # ---------------------------------------------------------------- writing
    @abstractmethod
    def add(self, vectors: np.ndarray) -> None:
        """Append ``(m, dimension)`` float32 vectors as rows ``len … len+m-1``."""

    @abstractmethod
    def replace(self, positions: np.ndarray, vectors: np.ndarray) -> None:
        """Overwrite the vectors at ``positions`` (an upsert of known rows)."""

    # ---------------------------------------------------------------- reading
    @abstractmethod
    def search(
        self, query: np.ndarray, k: int, *, allowed: RowSet | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(positions, cosines)`` for one query vector, best first.

        With ``allowed``, only those rows are considered and ``min(k, len(allowed))``
        results come back (the filter is applied inside the search, not afterwards).
        """

    @abstractmethod
    def vectors(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Stored vectors at ``positions`` (all when ``None``), float32 ``(m, dimension)``."""

    # ------------------------------------------------------------ persistence
    @classmethod
    def files(cls, config: Mapping[str, Any]) -> tuple[str, ...]:
        """Names of the files :meth:`save` writes (all must be listed in the manifest)."""
        return ()

    @abstractmethod
    def save(self, directory: Path) -> list[str]:
        """Write the backend's files into ``directory``; return their names."""

    @classmethod
    @abstractmethod
    def load(
        cls, files: IndexFiles, config: Mapping[str, Any], *, dimension: int, count: int
    ) -> DenseBackend:
        """Read a saved backend, validating everything before use.

        ``dimension`` and ``count`` come from the manifest; anything that disagrees
        with them, or could crash the native library, raises
        :class:`~plansearch.IndexCorruptedError`.
        """


#: Built-in backends, imported on first use: name → ``"module:Class"``.
_BUILTIN: dict[str, str] = {"faiss": "plansearch.search.vectors.faiss:FaissBackend"}
_REGISTRY: dict[str, type[DenseBackend] | str] = dict(_BUILTIN)

#: The backend a new local :class:`~plansearch.SearchIndex` uses.
DEFAULT_BACKEND: str = "faiss"


def register_backend(name: str, backend: type[DenseBackend] | str) -> None:
    """Make ``backend`` (a class, or ``"module:Class"`` imported lazily) available as ``name``."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("a backend name must be a non-empty string")
    if isinstance(backend, type) and not issubclass(backend, DenseBackend):
        raise TypeError(f"{backend.__name__} does not subclass DenseBackend")
    _REGISTRY[name] = backend


def available_backends() -> tuple[str, ...]:
    """Names that :func:`create_backend` accepts."""
    return tuple(sorted(_REGISTRY))


def backend_class(name: str) -> type[DenseBackend]:
    """The backend class registered as ``name``.

    Raises :class:`~plansearch.InputError` for an unknown name (listing the known ones).
    """
    entry = _REGISTRY.get(name) if isinstance(name, str) else None
    if entry is None:
        raise InputError(
            f"ไม่รู้จัก dense backend {name!r} / unknown dense backend {name!r}; "
            f"use one of {', '.join(available_backends())}"
        )
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = cls
        return cls
    return entry


def create_backend(
    name: str, dimension: int, config: Mapping[str, Any] | None = None
) -> DenseBackend:
    """A new, empty backend ``name`` for ``dimension``-dimensional vectors."""
    return backend_class(name)(dimension, config)


def loader_for(config: Mapping[str, Any]) -> type[DenseBackend]:
    """The backend class for a saved ``dense`` manifest entry (old indexes: FAISS)."""
    name = config.get("backend", DEFAULT_BACKEND)
    if name == "milvus" and name not in _REGISTRY:
        raise IndexFormatError(
            "ดัชนีนี้เก็บเวกเตอร์ใน Milvus แบบเดิมซึ่งเลิกใช้แล้ว / this index kept only its "
            "vectors in Milvus (the retired 'milvus' dense backend); build a Milvus index "
            "with `plansearch index CORPUS --store milvus --uri URI`, or a local one with "
            "`plansearch index CORPUS --out DIR`"
        )
    if not isinstance(name, str) or name not in _REGISTRY:
        raise IndexFormatError(
            f"ดัชนีนี้ใช้ dense backend {name!r} ที่ไม่ได้ติดตั้ง / the index uses dense backend "
            f"{name!r}, which is not available here (known: {', '.join(available_backends())}); "
            "install/register it, or rebuild the index with `plansearch index CORPUS --out DIR`"
        )
    return backend_class(name)
