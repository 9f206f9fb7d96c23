"""The store seam: where an index's sections live, and its two retrieval sides.

:class:`~plansearch.SearchIndex` writes search, ``where=`` filters, fusion and the
service-area re-ranking once, over a :class:`Store`. A store holds the rows — each a
section, its passage vector and its BM25 terms — and answers three questions:

* which rows a ``where=`` filter allows (:meth:`Store.compile`, in the store's own form);
* the ``k`` nearest rows to a query vector (:meth:`Store.dense`, the vector store);
* the ``k`` best rows by BM25 for a query text (:meth:`Store.lexical`, the term store).

Both retrieval sides return ``(keys, scores)`` arrays, best first; a key names a row
(its position in a local store, its section id in Milvus) and :meth:`Store.sections`
turns keys back into sections. Two stores exist, one file each:

* :class:`~plansearch.search.stores.local.LocalStore` — rows in memory: a dense backend
  (FAISS, or another registered one: :mod:`plansearch.search.vectors`) and a
  :class:`~plansearch.search.lexical.BM25Index`, saved as a versioned index directory;
* :class:`~plansearch.search.stores.milvus.MilvusStore` — rows in a Milvus collection
  (Milvus Lite file or server): dense vectors, Thai BM25 sparse vectors and metadata in
  one row, shared by many users, with plans added and deleted one at a time.

Milvus is one store rather than a vector backend plus a term backend because its
vector, BM25 weights and metadata are one row of one collection, written together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ...errors import InputError
from ...sections import Section

if TYPE_CHECKING:
    from ..topics import AreaVectors

#: ``(keys, scores)``: rows best first (keys are row numbers or section ids).
Ranked = tuple[np.ndarray, np.ndarray]


class Store(ABC):
    """Rows of sections with a vector side and a term side (see the module text).

    ``dimension`` is the vectors' length. Subclasses implement every abstract method;
    keys are whatever the store numbers rows by, consistently across its methods.
    """

    #: ``"local"`` or ``"milvus"``.
    name: ClassVar[str] = ""
    #: Whether every write is stored at once (Milvus), rather than by
    #: :meth:`~plansearch.SearchIndex.save` (local).
    persistent: ClassVar[bool] = False
    #: Sections embedded and written per round by :meth:`~plansearch.SearchIndex.add`
    #: (``None``: all at once, as a local index must to choose its vector index).
    write_chunk: ClassVar[int | None] = None

    dimension: int

    # ------------------------------------------------------------------ facts
    @abstractmethod
    def __len__(self) -> int:
        """Number of sections."""

    @abstractmethod
    def __contains__(self, section_id: object) -> bool:
        """Whether a section id is stored."""

    @property
    @abstractmethod
    def backend(self) -> str:
        """Name of the vector store (``"faiss"``, ``"milvus"``…)."""

    @property
    @abstractmethod
    def kind(self) -> str:
        """The vector index structure (``"flat"``, ``"ivf_sq8"``, ``"milvus-flat"``…)."""

    @abstractmethod
    def get(self, section_id: str) -> Section | None:
        """The stored section with this id, or ``None``."""

    @abstractmethod
    def values(self, field: str) -> list[str | None]:
        """Distinct values of a (checked) filter field."""

    @abstractmethod
    def all_sections(self) -> tuple[Section, ...]:
        """Every stored section (a local store: in row order)."""

    # ---------------------------------------------------------------- reading
    @abstractmethod
    def compile(self, spec: Mapping[str, frozenset[str | None]]) -> Any:
        """The store's form of a normalised ``where`` (``normalise_where``); a falsy
        ``spec`` means every row."""

    @abstractmethod
    def dense(self, vector: np.ndarray, k: int, rows: Any) -> Ranked:
        """Top ``k`` rows by cosine to ``vector`` among the rows ``rows`` allows."""

    @abstractmethod
    def lexical(self, text: str, k: int, rows: Any) -> Ranked:
        """Top ``k`` rows by BM25 for ``text`` among the rows ``rows`` allows (only rows
        sharing a term with it)."""

    @abstractmethod
    def sections(self, keys: Sequence[Any]) -> dict[Any, Section]:
        """The sections of ``keys`` (a key deleted meanwhile is left out)."""

    @abstractmethod
    def vectors(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Stored passage vectors of section ids (all sections when ``None``, where the
        store can list them); ``KeyError`` names an unknown id."""

    # ---------------------------------------------------------------- writing
    @abstractmethod
    def write(self, sections: Sequence[Section], vectors: np.ndarray) -> None:
        """Store sections (distinct ids) with their passage vectors; a stored id is
        replaced in place."""

    def flush(self) -> None:  # noqa: B027 - an optional hook: nothing to do by default
        """Make every write visible to searches (after :meth:`write`)."""

    def delete(self, ids: Sequence[str]) -> int:
        """Delete sections by id; the number that were stored."""
        raise _cannot_delete()

    def delete_plan(self, source: str) -> int:
        """Delete every section whose ``source`` is ``source``; how many there were."""
        raise _cannot_delete()

    # --------------------------------------------------- service-area vectors
    def topic_vectors(self) -> dict[str, AreaVectors]:
        """The service-area vectors kept with the index (reference name → vectors)."""
        return {}

    def keep_topic_vectors(self, vectors: Mapping[str, AreaVectors]) -> None:  # noqa: B027
        """Keep service-area vectors with the index (a local store saves them with the
        rest; Milvus stores them at once)."""

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path, header: Mapping[str, Any]) -> Path:
        """Write the index to ``directory`` (``header``: the manifest's embedder/fusion)."""
        raise InputError(
            f"ดัชนีนี้อยู่ใน {self.name} แล้ว / an index in {self.name} is stored as it is "
            "written: there is nothing to save"
        )

    def close(self) -> None:  # noqa: B027 - an optional hook: nothing to do by default
        """Release connections (nothing for a local store)."""


def _cannot_delete() -> InputError:
    return InputError(
        "ลบส่วนจากดัชนีในเครื่องไม่ได้ / a local index cannot delete sections: build it "
        "again without them, or keep a shared index in Milvus (SearchIndex.create)"
    )
