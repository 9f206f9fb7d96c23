"""``PlanIndex``: hybrid (dense + BM25) search over plan sections, saved safely.

>>> from plansearch import PlanIndex, Section, HashingEmbedder
>>> idx = PlanIndex.build(
...     [Section.from_text("ขยายเขตน้ำประปาหมู่บ้าน", org="อบต.โขมง"),
...      Section.from_text("ก่อสร้างถนนคอนกรีตเสริมเหล็ก", org="อบต.หนองฮาง")],
...     embedder=HashingEmbedder(64))
>>> idx.search("น้ำประปา", k=1)[0].section.org
'อบต.โขมง'

Rows are kept in insertion order; row ``i`` is dense-backend row ``i``, BM25 document
``i`` and metadata row ``i``, so every side works on integer arrays, and a filter is
the set of allowed rows (a :class:`~plansearch.index.filters.RowSet`) that each side
receives. The vector store is any registered
:class:`~plansearch.index.backend.DenseBackend` (FAISS by default).

**Duplicate ids**: adding a section whose ``id`` is already in the index *replaces*
the stored one (text, metadata, vector and BM25 row) at the same position, like an
upsert; within one call the last occurrence of an id wins. The index never holds two
sections with the same id.

**Empty query**: an empty or whitespace-only string raises :class:`InputError`
(a ``ValueError``); ``k <= 0`` raises ``ValueError``; an empty index returns ``[]``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..embed.base import KIND_PASSAGE, KIND_QUERY, BaseEmbedder
from ..errors import (
    EmbedderMismatchError,
    IndexCorruptedError,
    InputError,
    ModelError,
    PlanSearchError,
)
from ..sections import Plan, Section, write_jsonl
from . import storage, validate
from .backend import DEFAULT_BACKEND, DenseBackend, create_backend, loader_for
from .filters import FILTER_FIELDS, MetadataColumns, RowSet
from .fusion import DEFAULT_FUSION, FUSIONS, fuse
from .lexical import BM25Index

if TYPE_CHECKING:
    from ..frameworks import Reference

MODES: tuple[str, ...] = ("dense", "lexical", "hybrid")
#: In hybrid mode each side contributes ``max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR·k)``
#: candidates to the fusion.
HYBRID_MIN_CANDIDATES: int = 50
HYBRID_FACTOR: int = 5
#: Service-area reference :meth:`PlanIndex.search` re-ranks by unless ``topics=None``
#: (``benchmarks/search_quality.py``: on 40 short planner queries P@5 of hybrid search
#: 0.680 → 0.915 with multilingual-e5-small, exact-phrase hit@1 unchanged at 1.000).
DEFAULT_SEARCH_TOPICS: str = "services"


@dataclass(frozen=True)
class Hit:
    """One search result.

    ``score`` is what the ranking used: cosine (``dense``), BM25 (``lexical``) or the
    fused score (``hybrid``). ``dense`` / ``lexical`` are the components, ``None``
    when that side did not retrieve the section. ``rank`` starts at 1. With a
    service-area re-ranking (``search(..., topics="services")``) ``score`` is the
    mixed score and ``topic`` the cosine of the two service-area profiles; otherwise
    ``topic`` is ``None``.
    """

    section: Section
    score: float
    dense: float | None
    lexical: float | None
    rank: int
    topic: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rank": self.rank,
            "score": self.score,
            "dense": self.dense,
            "lexical": self.lexical,
        }
        if self.topic is not None:
            out["topic"] = self.topic
        out["section"] = self.section.to_dict()
        return out


def default_embedder() -> BaseEmbedder:
    """``plansearch.Embedder()`` — the bundled multilingual-e5-small (imported lazily)."""
    try:
        from ..embed import Embedder
    except ImportError as exc:  # pragma: no cover - only while the package is incomplete
        raise ModelError(
            "the default embedder (plansearch.Embedder) is not available; "
            "pass embedder=HashingEmbedder() or install plansearch completely"
        ) from exc
    emb: BaseEmbedder = Embedder()
    return emb


def _flatten(sections: Iterable[Section | Plan] | Plan | Section) -> list[Section]:
    if isinstance(sections, Section):
        return [sections]
    out: list[Section] = []
    for item in sections:
        if isinstance(item, Section):
            out.append(item)
        elif isinstance(item, Plan):
            out.extend(item.sections)
        else:
            raise TypeError(
                f"expected Section or Plan objects, got {type(item).__name__}; "
                "use Section.from_text(...) for plain strings"
            )
    return out


class PlanIndex:
    """Searchable collection of :class:`~plansearch.Section` objects.

    Build with :meth:`build`, grow with :meth:`add`, query with :meth:`search`,
    persist with :meth:`save` / :meth:`load`.
    """

    def __init__(
        self,
        embedder: BaseEmbedder | None = None,
        *,
        fusion: str = DEFAULT_FUSION,
        backend: str = DEFAULT_BACKEND,
        backend_config: Mapping[str, Any] | None = None,
    ):
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        self.embedder: BaseEmbedder = embedder if embedder is not None else default_embedder()
        self.fusion = fusion
        self._sections: list[Section] = []
        self._pos: dict[str, int] = {}
        self._meta = MetadataColumns()
        self._dense: DenseBackend = create_backend(backend, self.embedder.dimension, backend_config)
        self._lexical = BM25Index()

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        sections: Iterable[Section | Plan] | Plan,
        embedder: BaseEmbedder | None = None,
        *,
        batch_size: int = 32,
        show_progress: bool | None = None,
        vectors: np.ndarray | None = None,
    ) -> PlanIndex:
        """Embed and index ``sections`` (Sections, or Plans whose sections are taken).

        >>> idx = PlanIndex.build(plan.sections)  # doctest: +SKIP
        """
        index = cls(embedder)
        index.add(sections, batch_size=batch_size, show_progress=show_progress, vectors=vectors)
        return index

    def add(
        self,
        sections: Iterable[Section | Plan] | Plan | Section,
        *,
        batch_size: int = 32,
        show_progress: bool | None = None,
        vectors: np.ndarray | None = None,
    ) -> None:
        """Add sections; a section whose id is already indexed replaces the old one.

        ``vectors``: passage vectors already computed by this index's embedder (one
        row per section, in the order given; e.g. from a distributed build) instead
        of embedding here.
        """
        flat = list(_flatten(sections))
        batch: dict[str, int] = {}
        for i, s in enumerate(flat):
            batch[s.id] = i  # last occurrence of an id wins
        if not batch:
            return
        rows = list(batch.values())
        items = [flat[i] for i in rows]
        if vectors is not None:
            given = np.asarray(vectors, dtype=np.float32)
            if given.ndim != 2 or given.shape[0] != len(flat) or not np.isfinite(given).all():
                raise ModelError(
                    f"vectors must be a finite ({len(flat)}, dim) array, one row per section; "
                    f"got shape {given.shape}"
                )
            vecs = given[rows]
        else:
            vecs = self.embedder.encode(
                [s.content for s in items],
                kind=KIND_PASSAGE,
                batch_size=batch_size,
                show_progress=show_progress,
            )
        if vecs.shape != (len(items), self._dense.dimension):
            raise ModelError(
                f"embedder returned shape {vecs.shape}, expected ({len(items)}, "
                f"{self._dense.dimension})"
            )
        is_new = np.fromiter((s.id not in self._pos for s in items), bool, count=len(items))
        new = [s for s, n in zip(items, is_new, strict=True) if n]
        old = [s for s, n in zip(items, is_new, strict=True) if not n]
        if old:
            pos = np.fromiter((self._pos[s.id] for s in old), np.int64, count=len(old))
            self._dense.replace(pos, vecs[~is_new])
            self._lexical.replace(pos, [s.content for s in old])
            self._meta.set_rows(pos, old)
            for p, s in zip(pos.tolist(), old, strict=True):
                self._sections[p] = s
        if new:
            start = len(self._sections)
            self._dense.add(vecs[is_new])
            self._lexical.add([s.content for s in new])
            self._meta.extend(new)
            self._sections.extend(new)
            self._pos.update((s.id, start + i) for i, s in enumerate(new))

    # ------------------------------------------------------------------ facts
    def __len__(self) -> int:
        return len(self._sections)

    def __contains__(self, section_id: object) -> bool:
        return section_id in self._pos

    def __repr__(self) -> str:
        return (
            f"PlanIndex({len(self)} sections, embedder={self.embedder.name!r}, "
            f"dense={self._dense.kind!r})"
        )

    @property
    def sections(self) -> tuple[Section, ...]:
        """All indexed sections, in index order (row ``i`` = dense-backend row ``i``)."""
        return tuple(self._sections)

    @property
    def dense_type(self) -> str:
        """The backend's index kind: for FAISS ``"flat"`` (exact) or ``"ivf_sq8"``
        (approximate), chosen by corpus size."""
        return self._dense.kind

    @property
    def backend(self) -> str:
        """Name of the dense backend (``"faiss"`` unless another was registered and chosen)."""
        return self._dense.name

    def get(self, section_id: str) -> Section | None:
        pos = self._pos.get(section_id)
        return None if pos is None else self._sections[pos]

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Row numbers of section ids (``KeyError`` names the first unknown id)."""
        try:
            return np.fromiter((self._pos[i] for i in ids), np.int64, count=len(ids))
        except KeyError as exc:
            raise KeyError(f"section id {exc.args[0]!r} is not in the index") from None

    def vectors_for(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Stored passage vectors (float32, unit rows) of ``ids``, or of all sections.

        Exact for flat indexes; reconstructed from 8-bit codes (cosine ≥ 0.999)
        above :data:`plansearch.index.dense.EXACT_MAX` sections.
        """
        if ids is None:
            return self._dense.vectors()
        return self._dense.vectors(self.positions(ids))

    def values(self, field: str) -> list[str | None]:
        """Distinct values of a filter field in the index (e.g. every ``org``)."""
        if field not in FILTER_FIELDS:
            raise InputError(f"unknown field {field!r}; use one of {', '.join(FILTER_FIELDS)}")
        return self._meta.values(field)

    def mask(self, where: Mapping[str, Any] | None) -> np.ndarray | None:
        """Boolean row mask for a ``where`` filter (``None`` = no filter)."""
        return self._meta.mask(where)

    def select(self, where: Mapping[str, Any] | None) -> RowSet | None:
        """The rows a ``where`` filter allows (``None`` = no filter)."""
        return self._meta.select(where)

    # ----------------------------------------------------------------- search
    def _query(self, query: str | Section) -> str:
        """The query text: the string itself, or a Section's content.

        A Section is embedded as a *query* (e5's ``query:`` prefix), not reused from
        its stored passage vector: for "similar goals" this measured precision@5
        0.488 vs 0.384 on the dev set (e5's own advice for symmetric tasks).
        """
        if isinstance(query, Section):
            text = " ".join(query.content.split())
        elif isinstance(query, str):
            text = " ".join(query.split())
        else:
            raise TypeError(f"query must be a str or a Section, not {type(query).__name__}")
        if not text:
            raise InputError("the query is empty; give some Thai words, e.g. 'น้ำประปาหมู่บ้าน'")
        return text

    def search(
        self,
        query: str | Section,
        *,
        k: int = 10,
        where: Mapping[str, Any] | None = None,
        mode: str = "hybrid",
        fusion: str | None = None,
        vector: np.ndarray | None = None,
        topics: Reference | str | None = DEFAULT_SEARCH_TOPICS,
    ) -> list[Hit]:
        """The ``k`` best sections for ``query`` (a string, or a Section's content).

        ``where`` filters on ``org``, ``province``, ``level``, ``kind``, ``source``
        (a value or a list of values), *inside* the search: when at least ``k``
        sections match the filter, ``k`` come back (dense/hybrid; lexical mode only
        returns sections containing a query word).

        >>> where = {"province": "ขอนแก่น", "kind": ["goal", "tactic"]}
        >>> idx.search("ถนนคอนกรีต", k=5, where=where)  # doctest: +SKIP

        ``vector`` is the query's embedding when the caller already has it (by this
        index's embedder, ``kind="query"``); it is not embedded again.

        ``topics`` re-ranks by public service: ``"services"`` (the built-in service
        areas of the Decentralisation Act), another built-in reference name or a
        :class:`~plansearch.frameworks.Reference`. The search then gathers
        a larger pool (:func:`~plansearch.alignment.topics.pool_size`) and mixes each
        candidate's score with how much it shares the query's service area
        (:func:`~plansearch.alignment.topics.rerank_by_topic`), so for a short query
        such as "น้ำประปาหมู่บ้าน" a water-supply section outranks one that only shares
        plan boilerplate. This is the default (:data:`DEFAULT_SEARCH_TOPICS`); ``None``
        ranks by text alone (``score`` is then the cosine, BM25 or fused score itself).

        >>> idx.search("น้ำประปาหมู่บ้าน", k=5, topics="services")  # doctest: +SKIP
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError(f"k must be an int, not {type(k).__name__}")
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        method = fusion or self.fusion
        if method not in FUSIONS:
            raise ValueError(f"unknown fusion {method!r}; use one of {FUSIONS}")
        text = self._query(query)
        rows = self._meta.select(where)  # validates ``where`` even on an empty index
        if len(self) == 0:
            return []
        k = int(k)
        if topics is not None:
            return self._search_topics(text, k, rows, mode, method, vector, topics)
        return self._search_text(text, k, rows, mode, method, vector)

    def _query_vector(self, text: str, vector: np.ndarray | None) -> np.ndarray:
        return query_vector(self.embedder, text, vector)

    def _search_topics(
        self,
        text: str,
        k: int,
        rows: RowSet | None,
        mode: str,
        method: str,
        vector: np.ndarray | None,
        topics: Reference | str,
    ) -> list[Hit]:
        """Text search for a larger pool, re-ranked by service-area profiles."""
        from ..alignment.topics import pool_size

        vec = self._query_vector(text, vector)
        pool = self._search_text(text, pool_size(k), rows, mode, method, vec)
        if not pool:
            return []
        return topic_reranked(self, topics, text, vec, pool, k, mode)

    def _search_text(
        self,
        text: str,
        k: int,
        rows: RowSet | None,
        mode: str,
        method: str,
        vector: np.ndarray | None,
    ) -> list[Hit]:
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        side_k = k if mode != "hybrid" else max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR * k)
        dense, lexical = empty, empty
        if mode in ("dense", "hybrid"):
            dense = self._dense.search(self._query_vector(text, vector), side_k, allowed=rows)
        if mode in ("lexical", "hybrid"):
            lexical = self._lexical.search(text, side_k, mask=None if rows is None else rows.mask)
        if mode == "dense":
            ids, scores = dense
        elif mode == "lexical":
            ids, scores = lexical
        else:
            ids, scores = fuse(dense, lexical, method=method)
        ids, scores = ids[:k], scores[:k]
        d_map = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        l_map = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        return [
            Hit(
                section=self._sections[i],
                score=float(s),
                dense=d_map.get(i),
                lexical=l_map.get(i),
                rank=r,
            )
            for r, (i, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True), 1)
        ]

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` as a new version and switch to it atomically.

        Readers of the same path keep seeing the previous version until the switch,
        then the new one — never a mix; a save killed midway leaves the previous
        index (see :mod:`plansearch.index.storage`). One writer per path at a time.

        >>> idx.save("indexes/default")  # doctest: +SKIP
        """

        def write_files(tmp: Path) -> list[str]:
            write_jsonl(self._sections, tmp / storage.SECTIONS_FILE)
            return [storage.SECTIONS_FILE, *self._dense.save(tmp), *self._lexical.save(tmp)]

        manifest = {
            "embedder": {
                "name": self.embedder.name,
                "fingerprint": self.embedder.fingerprint,
                "class": type(self.embedder).__name__,
            },
            "dimension": self._dense.dimension,
            "count": len(self),
            "dense": self._dense.config,
            "lexical": {
                "type": "bm25",
                "k1": self._lexical.k1,
                "b": self._lexical.b,
                "tokenizer": "pythainlp-newmm",
                "vocabulary_size": self._lexical.vocabulary_size,
            },
            "fusion": self.fusion,
            "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        return storage.write_index_dir(directory, write_files, manifest)

    @classmethod
    def load(cls, directory: str | Path, embedder: BaseEmbedder | None = None) -> PlanIndex:
        """Load an index written by :meth:`save`, verifying every file's checksum
        and validating every manifest field and array before use.

        Reads the version ``CURRENT`` names (and older flat format-1 indexes, in
        memory); a save running at the same time never mixes two versions.

        ``embedder=None`` uses the embedder the index was built with when it is the
        hashing embedder, else the default ``plansearch.Embedder()``; a different
        model than the index was built with raises :class:`EmbedderMismatchError`.
        """
        d = Path(directory)
        with storage.open_index(d) as version:
            info = validate.check_index_manifest(version.manifest, d)
            backend_cls = loader_for(info.dense)
            version.require(
                [storage.SECTIONS_FILE, *backend_cls.files(info.dense), *BM25Index.FILES]
            )
            dim, count = info.dimension, info.count
            built_name, built_fp = info.embedder_name, info.embedder_fingerprint
            if embedder is None:
                if built_name.startswith("hashing-"):
                    from ..embed.hashing import HashingEmbedder

                    embedder = HashingEmbedder(dim)
                else:
                    embedder = default_embedder()
            if embedder.fingerprint != built_fp or embedder.dimension != dim:
                hint = (
                    f"load it with embedder=HashingEmbedder({dim})"
                    if built_name.startswith("hashing-")
                    else f"load it with embedder=Embedder({built_name!r})"
                )
                raise EmbedderMismatchError(
                    f"{d} was built with embedder {built_name!r} (fingerprint {built_fp}, "
                    f"dimension {dim}) but {embedder.name!r} (fingerprint "
                    f"{embedder.fingerprint}, dimension {embedder.dimension}) was given: "
                    f"{hint}, or rebuild it with `plansearch index CORPUS --out {d} --embedder ...`"
                )
            sections = validate.read_sections(
                version.open(storage.SECTIONS_FILE),
                version.directory / storage.SECTIONS_FILE,
                d,
                count,
            )
            try:
                dense = backend_cls.load(version, info.dense, dimension=dim, count=count)
            except PlanSearchError:
                raise
            except (ValueError, TypeError, KeyError, IndexError, RuntimeError, OSError) as exc:
                raise IndexCorruptedError(
                    f"ดัชนีเสียหาย / {d}: the {backend_cls.name} vectors cannot be read "
                    f"({type(exc).__name__}: {str(exc)[:120]}); rebuild it with "
                    f"`plansearch index CORPUS --out {d}`"
                ) from exc
            lexical = BM25Index.load(version, documents=count, vocabulary_size=info.vocabulary_size)
        if len(dense) != count or dense.dimension != dim or len(lexical) != count:
            raise IndexCorruptedError(
                f"ดัชนีเสียหาย / {d}: files disagree (sections={len(sections)}, "
                f"vectors={len(dense)}, bm25={len(lexical)}, manifest count={count}); "
                f"rebuild it with `plansearch index CORPUS --out {d}`"
            )
        index = cls(embedder, fusion=info.fusion)
        index._sections = sections
        index._pos = {s.id: i for i, s in enumerate(sections)}
        index._meta.extend(sections)
        index._dense = dense
        index._lexical = lexical
        return index


def topic_reranked(
    index: Any,
    topics: Reference | str,
    text: str,
    vec: np.ndarray,
    pool: list[Hit],
    k: int,
    mode: str,
) -> list[Hit]:
    """``pool`` (text-search hits) re-ranked by service-area profiles, as :class:`Hit` s.

    Shared by every store with ``embedder`` and ``vectors_for`` (``PlanIndex``, the
    Milvus store), so the re-ranking is the same whatever holds the vectors.
    """
    from ..alignment.topics import profiler_for, rerank_by_topic

    r = rerank_by_topic(
        profiler_for(index.embedder, topics),
        text,
        vec,
        [h.section.content for h in pool],
        index.vectors_for([h.section.id for h in pool]),
        [h.score for h in pool],
        k=k,
        mode=mode,
    )
    return [
        Hit(
            section=pool[i].section,
            score=float(r.score[i]),
            dense=pool[i].dense,
            lexical=pool[i].lexical,
            rank=rank,
            topic=float(r.topic[i]),
        )
        for rank, i in enumerate(r.order, 1)
    ]


def query_vector(embedder: BaseEmbedder, text: str, vector: np.ndarray | None) -> np.ndarray:
    """The query's embedding: ``vector`` when the caller has one (checked), else embedded."""
    if vector is None:
        out: np.ndarray = embedder.encode([text], kind=KIND_QUERY)[0]
        return out
    vec = np.asarray(vector, dtype=np.float32).reshape(-1)
    if vec.shape[0] != embedder.dimension:
        raise InputError(
            f"query vector has {vec.shape[0]} dimensions; this index has {embedder.dimension}"
        )
    return vec
