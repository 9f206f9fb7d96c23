"""The FAISS dense backend (registered as ``"faiss"``): exact for small corpora, IVF-SQ8 above.

Vectors are L2-normalised, so inner product = cosine. Row ``i`` of the index is the
section at position ``i`` of the local store (FAISS id = position).

* Up to :data:`EXACT_MAX` vectors: ``IndexFlatIP`` (exact, no training).
* Above it: ``IVF{nlist},SQ8`` (8-bit scalar quantisation, 4× smaller than float32),
  trained when the index first crosses the threshold and retrained whenever it has
  grown :data:`RETRAIN_GROWTH`-fold since the last training.

It implements :class:`~plansearch.search.vectors.base.DenseBackend`; the index uses
nothing FAISS-specific. Filters (a :class:`~plansearch.search.filters.RowSet`) run
*inside* FAISS through ``SearchParameters(sel=IDSelectorBitmap)``, so
non-matching rows are skipped while scanning and ``k`` matching rows still come
back. When few rows match (≤ :data:`EXACT_SUBSET_MAX`) the matching vectors are
scored exactly instead: an IVF probe of a few lists could miss a small set.

The FAISS index is also the vector store (no second float32 copy in memory): flat
indexes hold the exact vectors, IVF-SQ8 reconstructs them with cosine ≥ 0.999 to the
originals (measured in ``benchmarks/bench_dense.py``).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import faiss
import numpy as np

from ...errors import IndexCorruptedError
from ..filters import RowSet
from .base import DenseBackend, IndexFiles

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


class FaissBackend(DenseBackend):
    """FAISS inner-product index over unit vectors, with automatic index choice."""

    name = "faiss"

    def __init__(self, dimension: int, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(dimension, config)
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
    def config(self) -> dict[str, Any]:
        """Description stored in the manifest (``dense``)."""
        if self._trained_at == 0:
            return {
                "backend": self.name,
                "type": "flat",
                "factory": "Flat",
                "metric": "inner_product",
            }
        ivf = faiss.extract_index_ivf(self._index)
        return {
            "backend": self.name,
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

    def vectors(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Stored vectors at ``positions`` (all if ``None``), float32 ``(m, dim)``."""
        n = len(self)
        if positions is None:
            if n == 0:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.asarray(self._index.reconstruct_n(0, n), dtype=np.float32)
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if pos.min() < 0 or pos.max() >= n:
            raise IndexError(f"vector positions must lie in [0, {n})")
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

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors (their positions continue from ``len(self)``)."""
        x = self._check(vectors)
        if len(x) == 0:
            return
        n_after = len(self) + len(x)
        needs_ivf = n_after > EXACT_MAX
        if (needs_ivf and self._trained_at == 0) or (
            self._trained_at and n_after > RETRAIN_GROWTH * self._trained_at
        ):
            self._rebuild(np.vstack([self.vectors(), x]))
        else:
            self._index.add(x)

    def replace(self, positions: np.ndarray, vectors: np.ndarray) -> None:
        """Overwrite the vectors at ``positions``."""
        x = self._check(vectors)
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return
        if self._trained_at == 0:
            allv = self.vectors()
            allv[pos] = x
            index = faiss.IndexFlatIP(self.dimension)
            index.add(allv)
            self._index = index
        else:
            faiss.extract_index_ivf(self._index).update_vectors(pos, x)  # type: ignore[call-arg]

    # ---------------------------------------------------------------- search
    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        allowed: RowSet | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(positions, cosine)`` for one query vector, best first.

        With ``allowed``, only those rows are considered, and ``min(k, len(allowed))``
        results come back.
        """
        rows = allowed
        q = self._check(np.asarray(query, dtype=np.float32).reshape(1, -1))
        n = len(self)
        if n == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if rows is None:
            kk = min(k, n)
            d, i = self._index.search(q, kk)
            return _valid(i[0], d[0])
        if rows.size != n:
            raise ValueError(f"the filter covers {rows.size} rows; the index has {n}")
        count = len(rows)
        if count == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        kk = min(k, count)
        if self._trained_at and count <= EXACT_SUBSET_MAX:
            return self._exact_subset(q[0], rows.ids, kk)
        sel, _bits = _bitmap_selector(rows.mask)
        if self._trained_at == 0:
            params: faiss.SearchParameters = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        else:
            nlist = faiss.extract_index_ivf(self._index).nlist
            share = count / n  # probe more lists when the filter keeps few rows
            nprobe = int(min(nlist, math.ceil(NPROBE / max(share, 1e-9))))
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)  # type: ignore[call-arg]
        d, i = self._index.search(q, kk, params=params)
        ids, scores = _valid(i[0], d[0])
        if len(ids) < kk:  # the probed lists held too few matching rows
            return self._exact_subset(q[0], rows.ids, kk)
        return ids, scores

    def _exact_subset(
        self, q: np.ndarray, rows: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        scores = self.vectors(rows) @ q
        if len(rows) > k:
            part = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[part], scores[part]
        order = np.lexsort((rows, -scores))
        return rows[order].astype(np.int64), scores[order].astype(np.float32)

    # ----------------------------------------------------------- persistence
    @classmethod
    def files(cls, config: Mapping[str, Any]) -> tuple[str, ...]:
        return (DENSE_FILE,)

    def save(self, directory: str | Path) -> list[str]:
        faiss.write_index(self._index, str(Path(directory) / DENSE_FILE))
        return [DENSE_FILE]

    @classmethod
    def load(
        cls, files: IndexFiles, config: Mapping[str, Any], *, dimension: int, count: int
    ) -> FaissBackend:
        """Read ``dense.faiss``, checking its header, type, sizes and values first."""
        where = files.directory / DENSE_FILE
        kind = config.get("type")
        if kind not in _FOURCC:
            raise _corrupt(where, f"unknown dense index type {kind!r}")
        fh = files.open(DENSE_FILE)
        _check_header(fh, where, str(kind), dimension, count)
        try:
            index = faiss.read_index(faiss.PyCallbackIOReader(fh.read))  # type: ignore[attr-defined]
        except Exception as exc:  # FAISS raises RuntimeError/MemoryError on bad bytes
            what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _corrupt(where, what) from exc
        self = cls(dimension)
        self._index = index
        if kind == "flat":
            _check_flat(index, where, dimension, count)
        else:
            trained_at = config.get("trained_at", count)
            if isinstance(trained_at, bool) or not isinstance(trained_at, int) or trained_at < 0:
                raise _corrupt(where, f"trained_at {trained_at!r} is not a count")
            _check_ivf(index, where, dimension, count, config.get("nlist"))
            self._trained_at = int(trained_at) or 1
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = NPROBE
            try:
                ivf.make_direct_map()
            except RuntimeError as exc:
                raise _corrupt(where, str(exc).splitlines()[0]) from exc
        return self


#: First four bytes FAISS writes for each index type this backend saves.
_FOURCC = {"flat": b"IxFI", "ivf_sq8": b"IwSq"}
#: fourcc, d (int32), ntotal (int64), two int64 placeholders, is_trained (bool), metric (int32)
_HEADER = struct.Struct("<4siqqq?i")


def _corrupt(path: Path, what: str) -> IndexCorruptedError:
    return IndexCorruptedError(
        f"ไฟล์ดัชนีเวกเตอร์เสียหาย / {path} is damaged ({what}); "
        "สร้างดัชนีใหม่ด้วย / rebuild it with `plansearch index CORPUS --out DIR`"
    )


def _check_header(fh: IO[bytes], where: Path, kind: str, dimension: int, count: int) -> None:
    """Check the FAISS header (and, for a flat index, the exact file size) before FAISS reads it."""
    raw = fh.read(_HEADER.size)
    size = fh.seek(0, 2)
    fh.seek(0)
    if len(raw) < _HEADER.size:
        raise _corrupt(where, "file too short")
    fourcc, d, ntotal, _, _, trained, metric = _HEADER.unpack(raw)
    if fourcc != _FOURCC[kind]:
        raise _corrupt(where, f"not a FAISS {kind} index")
    if d != dimension or ntotal != count:
        raise _corrupt(
            where,
            f"files disagree: {ntotal} vectors of {d} dimensions, "
            f"the manifest says {count}×{dimension}",
        )
    if not trained or metric != faiss.METRIC_INNER_PRODUCT:
        raise _corrupt(where, "not a trained inner-product index")
    if kind == "flat":
        fh.seek(_HEADER.size)
        tail = fh.read(8)
        fh.seek(0)
        n_codes = struct.unpack("<Q", tail)[0] if len(tail) == 8 else -1
        expected = _HEADER.size + 8 + 4 * count * dimension
        if n_codes != count * dimension or size != expected:
            raise _corrupt(where, f"{size} bytes where {expected} were expected")


def _check_flat(index: faiss.Index, where: Path, dimension: int, count: int) -> None:
    if not isinstance(index, faiss.IndexFlatIP):
        raise _corrupt(where, f"expected IndexFlatIP, found {type(index).__name__}")
    if index.d != dimension or index.ntotal != count:
        raise _corrupt(where, "size disagrees with the manifest")
    if count and not np.isfinite(faiss.vector_to_array(index.codes).view(np.float32)).all():
        raise _corrupt(where, "vectors contain NaN or infinity")


def _check_ivf(index: faiss.Index, where: Path, dimension: int, count: int, nlist: object) -> None:
    if not isinstance(index, faiss.IndexIVFScalarQuantizer):
        raise _corrupt(where, f"expected IndexIVFScalarQuantizer, found {type(index).__name__}")
    if index.d != dimension or index.ntotal != count or index.code_size != dimension:
        raise _corrupt(where, "size disagrees with the manifest")
    if index.sq.qtype != faiss.ScalarQuantizer.QT_8bit:
        raise _corrupt(where, "not 8-bit scalar quantisation")
    if nlist is not None and nlist != index.nlist:
        raise _corrupt(where, f"{index.nlist} lists, manifest says {nlist}")
    quantizer = faiss.downcast_index(index.quantizer)
    if quantizer.d != dimension or quantizer.ntotal != index.nlist or index.nlist < 1:
        raise _corrupt(where, "coarse quantizer disagrees with the index")
    centroids = quantizer.reconstruct_n(0, index.nlist)
    trained = faiss.vector_to_array(index.sq.trained)
    if not (np.isfinite(centroids).all() and np.isfinite(trained).all()):
        raise _corrupt(where, "trained parameters contain NaN or infinity")
    lists = index.invlists
    if lists is None or lists.nlist != index.nlist or lists.code_size != index.code_size:
        raise _corrupt(where, "inverted lists disagree with the index")
    seen = np.zeros(count, dtype=np.int64)
    for i in range(index.nlist):
        size = int(lists.list_size(i))
        if size == 0:
            continue
        ids = faiss.rev_swig_ptr(lists.get_ids(i), size)
        if ids.min() < 0 or ids.max() >= count:
            raise _corrupt(where, "inverted list ids out of range")
        seen += np.bincount(ids, minlength=count)
    if count and (seen != 1).any():
        raise _corrupt(where, "inverted lists do not hold every vector exactly once")


def _valid(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ids >= 0
    return ids[keep].astype(np.int64), scores[keep].astype(np.float32)
