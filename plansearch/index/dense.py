"""Dense (vector) side of the index: FAISS, exact for small corpora, IVF-SQ8 above.

Vectors are L2-normalised, so inner product = cosine. Row ``i`` of the index is the
section at position ``i`` of :class:`~plansearch.PlanIndex` (FAISS id = position).

* Up to :data:`EXACT_MAX` vectors: ``IndexFlatIP`` (exact, no training).
* Above it: ``IVF{nlist},SQ8`` (8-bit scalar quantisation, 4× smaller than float32),
  trained when the index first crosses the threshold and retrained whenever it has
  grown :data:`RETRAIN_GROWTH`-fold since the last training.

Filters run *inside* FAISS through ``SearchParameters(sel=IDSelectorBitmap)``, so
non-matching rows are skipped while scanning and ``k`` matching rows still come
back. When few rows match (≤ :data:`EXACT_SUBSET_MAX`) the matching vectors are
scored exactly instead: an IVF probe of a few lists could miss a small set.

The FAISS index is also the vector store (no second float32 copy in memory): flat
indexes hold the exact vectors, IVF-SQ8 reconstructs them with cosine ≥ 0.999 to the
originals (measured in ``benchmarks/bench_dense.py``).
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexCorruptedError

# Chosen with ``python benchmarks/bench_dense.py`` (seed-corpus e5 vectors expanded to
# real-like synthetic sets, 1 thread of a 2-core VM; table in benchmarks/README.md):
#   n=50k:  FlatIP p50 3.2 ms | IVF1024,SQ8 nprobe=32 0.09 ms, recall@10 0.973
#   n=100k: FlatIP p50 6.4 ms | IVF1024,SQ8 nprobe=32 0.14 ms, recall@10 0.977, build 8 s
#   n=200k: FlatIP p50 11 ms  | IVF2048,SQ8 nprobe=32 0.23 ms, recall@10 0.971, build 31 s
# HNSW32 (ef=128) had similar latency and recall at ≤100k but ~4.5× the memory per
# vector (float32 + graph vs 1 byte/dim) and 2-3× the build time, and issue 5 measured
# it collapsing to recall 0.14 at 1M clustered vectors, so IVF-SQ8 is the approximate index.
#: Largest corpus searched exactly with ``IndexFlatIP`` (exact stays ≤ ~3 ms per query).
EXACT_MAX: int = 50_000
#: IVF lists: ``IVF_LISTS_PER_SQRT · √n`` rounded to a power of two, clamped to the range below.
IVF_LISTS_PER_SQRT: float = 4.0
IVF_MIN_LISTS: int = 256
IVF_MAX_LISTS: int = 16_384
#: Lists probed per query (recall@10 ≥ 0.97 at every measured size; 16 gives 0.968–0.975).
NPROBE: int = 32
#: Training sample: this many vectors per list (FAISS wants ≥ 39), capped.
TRAIN_PER_LIST: int = 64
TRAIN_MAX: int = 262_144
#: Retrain the IVF index once it has grown this many times since it was trained.
RETRAIN_GROWTH: float = 4.0
#: A filter matching at most this many rows is answered by exact scoring of those rows.
EXACT_SUBSET_MAX: int = 50_000

DENSE_FILE = "dense.faiss"


def ivf_nlist(n: int) -> int:
    """Number of IVF lists for ``n`` vectors (a power of two near 4·√n)."""
    target = IVF_LISTS_PER_SQRT * math.sqrt(max(n, 1))
    p = 2 ** round(math.log2(max(target, 1.0)))
    return int(min(IVF_MAX_LISTS, max(IVF_MIN_LISTS, p)))


def training_sample(x: np.ndarray, nlist: int | None = None, *, seed: int = 0) -> np.ndarray:
    """A deterministic random sample of ``x`` large enough to train ``nlist`` lists."""
    nlist = nlist or ivf_nlist(len(x))
    m = min(len(x), TRAIN_MAX, max(nlist * TRAIN_PER_LIST, 10_000))
    if m >= len(x):
        return np.ascontiguousarray(x, dtype=np.float32)
    idx = np.sort(np.random.default_rng(seed).choice(len(x), m, replace=False))
    return np.ascontiguousarray(x[idx], dtype=np.float32)


def _bitmap_selector(mask: np.ndarray) -> tuple[faiss.IDSelector, np.ndarray]:
    """An ``IDSelectorBitmap`` over ``mask`` (the bitmap array must outlive the selector)."""
    bits = np.packbits(mask.astype(bool), bitorder="little")
    return faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits)), bits


class DenseIndex:
    """FAISS inner-product index over unit vectors, with automatic index choice."""

    def __init__(self, dimension: int) -> None:
        self.dimension = int(dimension)
        self._index: faiss.Index = faiss.IndexFlatIP(self.dimension)
        self._trained_at = 0  # size at the last IVF training (0 = flat)

    # ----------------------------------------------------------------- facts
    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        """``"flat"`` (exact) or ``"ivf_sq8"`` (approximate)."""
        return "flat" if self._trained_at == 0 else "ivf_sq8"

    @property
    def params(self) -> dict[str, int | str]:
        """Description stored in the manifest."""
        if self._trained_at == 0:
            return {"type": "flat", "factory": "Flat", "metric": "inner_product"}
        ivf = faiss.extract_index_ivf(self._index)
        return {
            "type": "ivf_sq8",
            "factory": f"IVF{ivf.nlist},SQ8",
            "metric": "inner_product",
            "nlist": int(ivf.nlist),
            "nprobe": NPROBE,
            "trained_at": int(self._trained_at),
        }

    # ----------------------------------------------------------------- build
    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of shape (n, {self.dimension}), got {x.shape}")
        return x

    def reconstruct(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Stored vectors at ``positions`` (all if ``None``), float32 ``(m, dim)``."""
        n = len(self)
        if positions is None:
            if n == 0:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.asarray(self._index.reconstruct_n(0, n), dtype=np.float32)
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(pos), dtype=np.float32)

    def _rebuild(self, x: np.ndarray) -> None:
        """Make a fresh index holding ``x`` (IVF-SQ8 when above :data:`EXACT_MAX`)."""
        n = len(x)
        if n <= EXACT_MAX:
            index: faiss.Index = faiss.IndexFlatIP(self.dimension)
            self._trained_at = 0
        else:
            nlist = ivf_nlist(n)
            index = faiss.index_factory(
                self.dimension, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT
            )
            index.train(training_sample(x, nlist))
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = NPROBE
            ivf.make_direct_map()
            self._trained_at = n
        if n:
            index.add(x)
        self._index = index

    def add(self, x: np.ndarray) -> None:
        """Append vectors (their positions continue from ``len(self)``)."""
        x = self._check(x)
        if len(x) == 0:
            return
        n_after = len(self) + len(x)
        needs_ivf = n_after > EXACT_MAX
        if (needs_ivf and self._trained_at == 0) or (
            self._trained_at and n_after > RETRAIN_GROWTH * self._trained_at
        ):
            self._rebuild(np.vstack([self.reconstruct(), x]))
        else:
            self._index.add(x)

    def replace(self, positions: np.ndarray, x: np.ndarray) -> None:
        """Overwrite the vectors at ``positions``."""
        x = self._check(x)
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return
        if self._trained_at == 0:
            allv = self.reconstruct()
            allv[pos] = x
            index = faiss.IndexFlatIP(self.dimension)
            index.add(allv)
            self._index = index
        else:
            faiss.extract_index_ivf(self._index).update_vectors(pos, x)  # type: ignore[call-arg]

    # ---------------------------------------------------------------- search
    def search(
        self, query: np.ndarray, k: int, *, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(positions, cosine)`` for one query vector, best first.

        With ``mask``, only rows where it is ``True`` are considered, and
        ``min(k, mask.sum())`` results come back.
        """
        q = self._check(np.asarray(query, dtype=np.float32).reshape(1, -1))
        n = len(self)
        if n == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if mask is None:
            kk = min(k, n)
            d, i = self._index.search(q, kk)
            return _valid(i[0], d[0])
        allowed = int(mask.sum())
        if allowed == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        kk = min(k, allowed)
        if self._trained_at and allowed <= EXACT_SUBSET_MAX:
            return self._exact_subset(q[0], np.flatnonzero(mask), kk)
        sel, _bits = _bitmap_selector(mask)
        if self._trained_at == 0:
            params: faiss.SearchParameters = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        else:
            nlist = faiss.extract_index_ivf(self._index).nlist
            share = allowed / n  # probe more lists when the filter keeps few rows
            nprobe = int(min(nlist, math.ceil(NPROBE / max(share, 1e-9))))
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)  # type: ignore[call-arg]
        d, i = self._index.search(q, kk, params=params)
        ids, scores = _valid(i[0], d[0])
        if len(ids) < kk:  # the probed lists held too few matching rows
            return self._exact_subset(q[0], np.flatnonzero(mask), kk)
        return ids, scores

    def _exact_subset(
        self, q: np.ndarray, rows: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        scores = self.reconstruct(rows) @ q
        if len(rows) > k:
            part = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[part], scores[part]
        order = np.lexsort((rows, -scores))
        return rows[order].astype(np.int64), scores[order].astype(np.float32)

    # ----------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> list[str]:
        faiss.write_index(self._index, str(Path(directory) / DENSE_FILE))
        return [DENSE_FILE]

    @classmethod
    def load(cls, directory: str | Path, params: dict[str, object]) -> DenseIndex:
        path = Path(directory) / DENSE_FILE
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptedError(
                f"cannot read {path} ({str(exc).splitlines()[0]}); "
                "rebuild the index with `plansearch index`"
            ) from exc
        self = cls(index.d)
        self._index = index
        if params.get("type") == "ivf_sq8":
            self._trained_at = int(params.get("trained_at", index.ntotal) or 1)  # type: ignore[call-overload]
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = NPROBE
            ivf.make_direct_map()
        return self


def _valid(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ids >= 0
    return ids[keep].astype(np.int64), scores[keep].astype(np.float32)
