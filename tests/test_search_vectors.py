"""The dense-backend seam: registry, RowSet filters, and a second backend plugged in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plansearch import HashingEmbedder, InputError, PlanIndex, read_jsonl
from plansearch.search.filters import RowSet
from plansearch.search.vectors import (
    DenseBackend,
    available_backends,
    backend_class,
    create_backend,
    register_backend,
)
from plansearch.search.vectors import base as backend_mod
from plansearch.search.vectors.faiss import FaissBackend

DATA = Path(__file__).parent / "data" / "index_sections.jsonl"


class NumpyBackend(DenseBackend):
    """Exact search over a plain numpy matrix: the smallest possible other backend."""

    name = "numpy-test"

    def __init__(self, dimension: int, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(dimension, config)
        self._x = np.zeros((0, self.dimension), dtype=np.float32)
        self.seen_filters: list[RowSet | None] = []

    def __len__(self) -> int:
        return len(self._x)

    @property
    def kind(self) -> str:
        return "exact"

    @property
    def config(self) -> dict[str, Any]:
        return {"backend": self.name, "type": "exact"}

    def add(self, vectors: np.ndarray) -> None:
        self._x = np.vstack([self._x, np.asarray(vectors, dtype=np.float32)])

    def replace(self, positions: np.ndarray, vectors: np.ndarray) -> None:
        self._x[positions] = vectors

    def search(self, query, k, *, allowed=None):
        self.seen_filters.append(allowed)
        rows = np.arange(len(self._x)) if allowed is None else allowed.ids
        scores = self._x[rows] @ np.asarray(query, dtype=np.float32)
        order = np.lexsort((rows, -scores))[:k]
        return rows[order].astype(np.int64), scores[order].astype(np.float32)

    def vectors(self, positions=None):
        return self._x.copy() if positions is None else self._x[positions]

    def save(self, directory):
        np.save(Path(directory) / "vectors.npy", self._x)
        return ["vectors.npy"]

    @classmethod
    def load(cls, files, config, *, dimension, count):
        self = cls(dimension)
        self._x = np.load(files.open("vectors.npy"), allow_pickle=False)
        return self


@pytest.fixture()
def numpy_backend():
    register_backend(NumpyBackend.name, NumpyBackend)
    yield NumpyBackend
    backend_mod._REGISTRY.pop(NumpyBackend.name, None)


def test_registry_defaults_and_errors():
    assert "faiss" in available_backends()
    assert backend_class("faiss") is FaissBackend
    assert isinstance(create_backend("faiss", 8), FaissBackend)
    with pytest.raises(InputError, match=r"unknown dense backend 'nosuch'.*faiss"):
        create_backend("nosuch", 8)
    with pytest.raises(TypeError):
        register_backend("bad", dict)  # type: ignore[arg-type]


def test_rowset_forms_agree():
    rows = RowSet.from_mask(np.array([True, False, True, True]))
    assert rows.ids.tolist() == [0, 2, 3] and len(rows) == 3 and 2 in rows and 1 not in rows
    again = RowSet.from_ids([3, 0, 2, 2], size=4)
    assert again.mask.tolist() == rows.mask.tolist()
    with pytest.raises(ValueError):
        RowSet.from_ids([4], size=4)


def test_other_backend_gives_the_same_results_as_faiss(numpy_backend, tmp_path):
    sections = read_jsonl(DATA)
    emb = HashingEmbedder(64)
    faiss_idx = PlanIndex.build(sections, embedder=emb)
    other = PlanIndex(emb, backend=numpy_backend.name)
    other.add(sections)
    assert other.backend == numpy_backend.name and faiss_idx.backend == "faiss"
    for mode in ("dense", "hybrid"):
        for where in (None, {"province": "ลำปาง"}, {"kind": ["goal", "tactic"]}):
            a = faiss_idx.search("น้ำประปาหมู่บ้าน", k=5, where=where, mode=mode)
            b = other.search("น้ำประปาหมู่บ้าน", k=5, where=where, mode=mode)
            # same ranking up to float ties between FAISS's and numpy's dot products
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-5)
            assert a[0].section.id == b[0].section.id
    # the filter reaches the backend as a RowSet of allowed rows
    seen = other.store.dense_backend.seen_filters[-1]  # type: ignore[attr-defined]
    assert isinstance(seen, RowSet) and len(seen) == sum(
        s.kind in ("goal", "tactic") for s in sections
    )
    np.testing.assert_allclose(other.vectors_for(), faiss_idx.vectors_for(), atol=1e-6)
    # saved and loaded through the registry
    out = other.save(tmp_path / "idx")
    loaded = PlanIndex.load(out)
    assert loaded.backend == numpy_backend.name
    assert [h.section.id for h in loaded.search("ขยะ", k=3)] == [
        h.section.id for h in other.search("ขยะ", k=3)
    ]
