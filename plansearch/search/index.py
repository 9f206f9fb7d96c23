"""``SearchIndex``: hybrid (dense + BM25) search over plan sections, in one place.

>>> from plansearch import PlanIndex, Section, HashingEmbedder
>>> idx = PlanIndex.build(
...     [Section.from_text("ขยายเขตน้ำประปาหมู่บ้าน", org="อบต.โขมง"),
...      Section.from_text("ก่อสร้างถนนคอนกรีตเสริมเหล็ก", org="อบต.หนองฮาง")],
...     embedder=HashingEmbedder(64))
>>> idx.search("น้ำประปา", k=1)[0].section.org
'อบต.โขมง'

``plansearch.PlanIndex`` is this class. Search, ``where=`` filters, fusion and the
service-area re-ranking are written here once, over a store
(:mod:`plansearch.search.stores`): the **local** store keeps the rows in memory (FAISS
or another registered vector backend, plus BM25) and is saved as a versioned index
directory (:meth:`SearchIndex.save` / :meth:`SearchIndex.load`); the **Milvus** store
keeps them in a shared Milvus database (:meth:`SearchIndex.create` /
:meth:`SearchIndex.open`), where plans can be added and deleted one at a time.

**Duplicate ids**: adding a section whose ``id`` is already in the index *replaces*
the stored one (text, metadata, vector and BM25 row) at the same position, like an
upsert; within one call the last occurrence of an id wins. The index never holds two
sections with the same id.

**Where relevance ends**: dense and hybrid search return only hits scoring at least
:data:`RELEVANCE_FLOOR` × the best hit's score, so a query with three good matches is
not padded to ``k`` with unrelated sections (``relevance=None`` pads as before; lexical
search already returns only sections that contain a query word).

**Empty query**: an empty or whitespace-only string raises :class:`InputError`
(a ``ValueError``); ``k <= 0`` raises ``ValueError``; an empty index returns ``[]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.base import KIND_PASSAGE, KIND_QUERY, BaseEmbedder
from ..errors import EmbedderMismatchError, InputError, ModelError
from ..sections import Plan, Section
from .filters import FILTER_FIELDS, normalise_where
from .fusion import DEFAULT_FUSION, FUSIONS, fuse_keyed
from .stores.base import Ranked, Store
from .stores.local import LocalStore
from .topics import AreaVectors, TopicProfiler, TopicReference, pool_size, profiler_for
from .topics import rerank_by_topic as _rerank_by_topic
from .vectors.base import DEFAULT_BACKEND

MODES: tuple[str, ...] = ("dense", "lexical", "hybrid")
#: In hybrid mode each side contributes ``max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR·k)``
#: candidates to the fusion.
HYBRID_MIN_CANDIDATES: int = 50
HYBRID_FACTOR: int = 5
#: Service-area reference :meth:`SearchIndex.search` re-ranks by unless ``topics=None``
#: (``benchmarks/search_quality.py``: on 40 short planner queries P@5 of hybrid search
#: 0.680 → 0.915 with multilingual-e5-small, exact-phrase hit@1 unchanged at 1.000).
DEFAULT_SEARCH_TOPICS: str = "services"
#: Dense and hybrid results stop below this share of the best hit's score. Measured on
#: ``benchmarks/search_quality.py`` (40 blind short queries, multilingual-e5-small, k=10):
#: P@5 and nDCG@5 the same with and without it in every dense and hybrid mode (hybrid +
#: service areas 0.915, hybrid 0.720, dense + service areas 0.930, dense 0.775); in the
#: default mode 9.2 instead of 10 hits per query, precision of what is returned 0.73 →
#: 0.78; a floor of 0.25 already costs P@5. In lexical mode (BM25, k=10) the same floor
#: would cost P@5 (0.560 → 0.555), and BM25 already stops at the last section with a
#: query word.
RELEVANCE_FLOOR: float = 0.2

_EMPTY: Ranked = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


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


def built_embedder(
    built_name: str,
    built_fingerprint: object,
    dimension: int,
    given: BaseEmbedder | None,
    *,
    what: str,
    rebuild: str,
) -> BaseEmbedder:
    """The embedder to use for an index built with ``built_name``.

    ``given=None`` makes the hashing embedder again when the index was built with it,
    else the default model; an embedder with another fingerprint or dimension raises
    :class:`EmbedderMismatchError` naming ``what`` (the index) and how to fix it.
    """
    hashing = built_name.startswith("hashing-")
    embedder = given
    if embedder is None:
        if hashing:
            from ..embed.hashing import HashingEmbedder

            embedder = HashingEmbedder(dimension)
        else:
            embedder = default_embedder()
    if embedder.fingerprint != built_fingerprint or embedder.dimension != dimension:
        hint = (
            f"load it with embedder=HashingEmbedder({dimension})"
            if hashing
            else f"load it with embedder=Embedder({built_name!r})"
        )
        raise EmbedderMismatchError(
            f"ดัชนีสร้างด้วยโมเดลอื่น / {what} was built with embedder {built_name!r} "
            f"(fingerprint {built_fingerprint}, dimension {dimension}) but {embedder.name!r} "
            f"(fingerprint {embedder.fingerprint}, dimension {embedder.dimension}) was given: "
            f"{hint}, or rebuild it with {rebuild}"
        )
    return embedder


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


def query_text(query: str | Section) -> str:
    """The query text: the string itself, or a Section's content (spaces collapsed).

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


class SearchIndex:
    """Searchable collection of :class:`~plansearch.Section` objects.

    Build with :meth:`build`, grow with :meth:`add`, query with :meth:`search`.
    A local index (the default) is persisted with :meth:`save` / :meth:`load`; an
    index in Milvus is made with :meth:`create` (or ``build(..., uri=...)``) and
    reopened with :meth:`open`.
    """

    def __init__(
        self,
        embedder: BaseEmbedder | None = None,
        *,
        fusion: str = DEFAULT_FUSION,
        backend: str = DEFAULT_BACKEND,
        backend_config: Mapping[str, Any] | None = None,
        store: Store | None = None,
    ):
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        self.embedder: BaseEmbedder = embedder if embedder is not None else default_embedder()
        self.fusion = fusion
        self._store: Store = (
            store
            if store is not None
            else LocalStore(self.embedder.dimension, backend=backend, backend_config=backend_config)
        )
        #: reference name → the area vectors this index re-ranks with (see ``profiler``)
        self._topics: dict[str, AreaVectors] = dict(self._store.topic_vectors())

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
        uri: str | Path | None = None,
        name: str = "default",
        dense_index: Mapping[str, Any] | None = None,
    ) -> SearchIndex:
        """Embed and index ``sections`` (Sections, or Plans whose sections are taken).

        With ``uri`` (a Milvus Lite ``.db`` file or ``http://host:19530``) the index
        ``name`` is (re)built in Milvus, replacing an older one (see :meth:`create`).

        >>> idx = SearchIndex.build(plan.sections)  # doctest: +SKIP
        >>> idx = SearchIndex.build(plans, uri="indexes/plans.db", name="default")  # doctest: +SKIP
        """
        if uri is None:
            index = cls(embedder)
        else:
            index = cls.create(uri, name, embedder, overwrite=True, dense_index=dense_index)
        index.add(sections, batch_size=batch_size, show_progress=show_progress, vectors=vectors)
        return index

    @classmethod
    def create(
        cls,
        uri: str | Path,
        name: str = "default",
        embedder: BaseEmbedder | None = None,
        *,
        overwrite: bool = False,
        fusion: str = DEFAULT_FUSION,
        dense_index: Mapping[str, Any] | None = None,
    ) -> SearchIndex:
        """A new, empty index ``name`` in the Milvus database at ``uri`` (a Milvus Lite
        ``.db`` file or a server); ``overwrite`` drops an existing one.

        ``dense_index`` sets the vector index, e.g.
        ``{"index_type": "HNSW", "params": {"M": 16, "efConstruction": 200}}`` on a
        cluster; default ``FLAT`` (exact) in Milvus Lite, ``AUTOINDEX`` on a server.

        >>> idx = SearchIndex.create("plans.db", "demo", HashingEmbedder(64))  # doctest: +SKIP
        """
        from .stores.milvus import MilvusStore

        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        emb = embedder if embedder is not None else default_embedder()
        store = MilvusStore.create(
            uri, name, emb, overwrite=overwrite, fusion=fusion, dense_index=dense_index
        )
        index = cls(emb, fusion=fusion, store=store)
        index._keep_topics()
        return index

    @classmethod
    def open(
        cls, uri: str | Path, name: str = "default", embedder: BaseEmbedder | None = None
    ) -> SearchIndex:
        """Open index ``name`` in the Milvus database at ``uri``, checking its embedder.

        ``embedder=None`` uses the hashing embedder if the index was built with it,
        else the default model. A different model raises :class:`EmbedderMismatchError`;
        a missing index :class:`~plansearch.errors.IndexNotFoundError`.

        >>> idx = SearchIndex.open("indexes/plans.db", "default")  # doctest: +SKIP
        """
        from .stores.milvus import MilvusStore

        store, built = MilvusStore.open(uri, name)
        emb = built_embedder(
            built.embedder_name,
            built.embedder_fingerprint,
            built.dimension,
            embedder,
            what=f"index {name!r} at {uri}",
            rebuild=f"`plansearch index CORPUS --store milvus --uri {uri} --name {name}`",
        )
        return cls(emb, fusion=built.fusion, store=store)

    @classmethod
    def from_index(
        cls, index: SearchIndex, *, uri: str | Path, name: str = "default"
    ) -> SearchIndex:
        """Copy an index into Milvus (its stored vectors: nothing is embedded again)."""
        target = cls.create(uri, name, index.embedder, overwrite=True)
        sections = list(index.sections)
        chunk = target._store.write_chunk or max(len(sections), 1)
        for start in range(0, len(sections), chunk):
            part = sections[start : start + chunk]
            target.add(part, vectors=index.vectors_for([s.id for s in part]))
        return target

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
        flat = _flatten(sections)
        batch: dict[str, int] = {}
        for i, s in enumerate(flat):
            batch[s.id] = i  # last occurrence of an id wins
        if not batch:
            return
        rows = list(batch.values())
        given = None
        if vectors is not None:
            given = np.asarray(vectors, dtype=np.float32)
            if given.ndim != 2 or given.shape[0] != len(flat) or not np.isfinite(given).all():
                raise ModelError(
                    f"vectors must be a finite ({len(flat)}, dim) array, one row per section; "
                    f"got shape {given.shape}"
                )
            given = given[rows]
        dim = self._store.dimension
        chunk = self._store.write_chunk or len(rows)
        for start in range(0, len(rows), chunk):
            items = [flat[i] for i in rows[start : start + chunk]]
            if given is not None:
                vecs = given[start : start + chunk]
            else:
                vecs = self.embedder.encode(
                    [s.content for s in items],
                    kind=KIND_PASSAGE,
                    batch_size=batch_size,
                    show_progress=show_progress,
                )
            if vecs.shape != (len(items), dim):
                raise ModelError(
                    f"embedder returned shape {vecs.shape}, expected ({len(items)}, {dim})"
                )
            self._store.write(items, vecs)
        self._store.flush()
        if self._store.persistent and DEFAULT_SEARCH_TOPICS not in self._store.topic_vectors():
            self._keep_topics()  # an index stored before area vectors were kept with it

    def delete(self, ids: str | Sequence[str]) -> int:
        """Delete sections by id (an index in Milvus); returns how many were stored."""
        if isinstance(ids, str):
            ids = [ids]
        return self._store.delete(list(dict.fromkeys(ids)))

    def delete_plan(self, plan: Plan | str) -> int:
        """Delete every section of a plan (a :class:`Plan`, or its ``source``) from an
        index in Milvus.

        >>> idx.delete_plan("corpus/raw/khamong.pdf")  # doctest: +SKIP
        12
        """
        source = plan.source if isinstance(plan, Plan) else plan
        if not isinstance(source, str) or not source:
            raise InputError("a plan is deleted by its source (file name); this one has none")
        return self._store.delete_plan(source)

    # ------------------------------------------------------------------ facts
    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, section_id: object) -> bool:
        return section_id in self._store

    def __repr__(self) -> str:
        return f"SearchIndex({self._store!r}, embedder={self.embedder.name!r})"

    @property
    def store(self) -> Store:
        """Where the rows live (:class:`~plansearch.search.stores.local.LocalStore` or
        :class:`~plansearch.search.stores.milvus.MilvusStore`)."""
        return self._store

    @property
    def sections(self) -> tuple[Section, ...]:
        """All indexed sections (local: in index order, row ``i`` = vector ``i``)."""
        return self._store.all_sections()

    @property
    def dense_type(self) -> str:
        """The vector index structure: for FAISS ``"flat"`` (exact) or ``"ivf_sq8"``
        (approximate), chosen by corpus size; ``"milvus-…"`` in Milvus."""
        return self._store.kind

    @property
    def backend(self) -> str:
        """Name of the vector store (``"faiss"`` unless another was chosen, ``"milvus"``)."""
        return self._store.backend

    def get(self, section_id: str) -> Section | None:
        return self._store.get(section_id)

    def vectors_for(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Stored passage vectors (float32, unit rows) of ``ids``, or of all sections.

        Exact for flat indexes; reconstructed from 8-bit codes (cosine ≥ 0.999)
        above :data:`plansearch.search.vectors.faiss.EXACT_MAX` sections.
        """
        return self._store.vectors(ids)

    def values(self, field: str) -> list[str | None]:
        """Distinct values of a filter field in the index (e.g. every ``org``)."""
        if field not in FILTER_FIELDS:
            raise InputError(f"unknown field {field!r}; use one of {', '.join(FILTER_FIELDS)}")
        return self._store.values(field)

    def close(self) -> None:
        """Close the store's connection (Milvus; nothing for a local index)."""
        self._store.close()

    # ----------------------------------------------------------------- search
    def search(
        self,
        query: str | Section,
        *,
        k: int = 10,
        where: Mapping[str, Any] | None = None,
        mode: str = "hybrid",
        fusion: str | None = None,
        vector: np.ndarray | None = None,
        topics: TopicReference | str | None = DEFAULT_SEARCH_TOPICS,
        relevance: float | None = RELEVANCE_FLOOR,
    ) -> list[Hit]:
        """The ``k`` best sections for ``query`` (a string, or a Section's content).

        ``where`` filters on ``org``, ``province``, ``level``, ``kind``, ``source``
        (a value or a list of values), *inside* the search: when at least ``k``
        sections match the filter, ``k`` are ranked (dense/hybrid; lexical mode only
        returns sections containing a query word).

        ``relevance``: in dense and hybrid mode, hits scoring below this share of the
        best hit's score are left out (:data:`RELEVANCE_FLOOR`), so fewer than ``k``
        may come back; ``None`` returns ``k`` whatever their scores (a candidate pool).

        >>> where = {"province": "ขอนแก่น", "kind": ["goal", "tactic"]}
        >>> idx.search("ถนนคอนกรีต", k=5, where=where)  # doctest: +SKIP

        ``vector`` is the query's embedding when the caller already has it (by this
        index's embedder, ``kind="query"``); it is not embedded again.

        ``topics`` re-ranks by public service: ``"services"`` (the built-in service
        areas of the Decentralisation Act), another built-in reference name or a
        reference object. The search then gathers a larger pool
        (:func:`~plansearch.search.topics.pool_size`) and mixes each candidate's score
        with how much it shares the query's service area
        (:func:`~plansearch.search.topics.rerank_by_topic`), so for a short query
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
        text = query_text(query)
        spec = normalise_where(where)  # validates ``where`` even on an empty index
        if len(self._store) == 0:
            return []
        rows = self._store.compile(spec)
        k = int(k)
        if topics is None:
            hits = self._search_text(text, k, rows, mode, method, vector)
        else:
            vec = query_vector(self.embedder, text, vector)
            pool = self._search_text(text, pool_size(k), rows, mode, method, vec)
            if not pool:
                return []
            hits = self._reranked(topics, text, vec, pool, k, mode)
        if relevance is None or mode == "lexical" or not hits or hits[0].score <= 0:
            return hits
        floor = relevance * hits[0].score
        return [h for h in hits if h.score >= floor]

    def _search_text(
        self,
        text: str,
        k: int,
        rows: Any,
        mode: str,
        method: str,
        vector: np.ndarray | None,
    ) -> list[Hit]:
        """Dense / BM25 / fused search, without the service-area re-ranking."""
        side_k = k if mode != "hybrid" else max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR * k)
        dense, lexical = _EMPTY, _EMPTY
        if mode in ("dense", "hybrid"):
            dense = self._store.dense(query_vector(self.embedder, text, vector), side_k, rows)
        if mode in ("lexical", "hybrid"):
            lexical = self._store.lexical(text, side_k, rows)
        if mode == "dense":
            keys, scores = dense[0].tolist(), dense[1]
        elif mode == "lexical":
            keys, scores = lexical[0].tolist(), lexical[1]
        else:
            keys, scores = fuse_keyed(dense, lexical, method=method)
        top = keys[:k]
        found = self._store.sections(top)
        d_map = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        l_map = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        return [
            Hit(
                section=found[key],
                score=float(s),
                dense=d_map.get(key),
                lexical=l_map.get(key),
                rank=r,
            )
            for r, (key, s) in enumerate(zip(top, scores[:k].tolist(), strict=True), 1)
            if key in found  # a concurrent delete (Milvus) may remove a hit
        ]

    # ------------------------------------------------------- service areas
    def profiler(self, topics: TopicReference | str = DEFAULT_SEARCH_TOPICS) -> TopicProfiler:
        """The service-area profiler this index re-ranks with (search and similar goals).

        For a built-in reference it uses the area vectors kept with the index (saved
        with it, or embedded on first use and kept from then on), so the re-ranked
        scores of a loaded index are exactly those of the index that was saved.
        """
        if not isinstance(topics, str):
            return profiler_for(self.embedder, topics)
        kept = self._topics.get(topics)
        prof = profiler_for(self.embedder, topics, area_vectors=kept)
        if kept is None or kept.documents != prof.documents_sha256:
            self._topics[topics] = prof.kept()
        return prof

    def _keep_topics(self) -> None:
        """Keep the default service-area vectors with the store (embedded if need be)."""
        self.profiler(DEFAULT_SEARCH_TOPICS)
        self._store.keep_topic_vectors(self._topics)

    def _reranked(
        self,
        topics: TopicReference | str,
        text: str,
        vec: np.ndarray,
        pool: list[Hit],
        k: int,
        mode: str,
    ) -> list[Hit]:
        """``pool`` (text-search hits) re-ranked by service-area profiles."""
        r = _rerank_by_topic(
            self.profiler(topics),
            text,
            vec,
            [h.section.content for h in pool],
            self.vectors_for([h.section.id for h in pool]),
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

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write a local index to ``directory`` as a new version and switch to it atomically.

        Readers of the same path keep seeing the previous version until the switch,
        then the new one — never a mix; a save killed midway leaves the previous
        index (see :mod:`plansearch.search.storage`). One writer per path at a time.
        The service-area vectors the index re-ranks with are saved too. (An index in
        Milvus is stored as it is written and has nothing to save.)

        >>> idx.save("indexes/default")  # doctest: +SKIP
        """
        self._keep_topics()
        return self._store.save(
            directory,
            {
                "embedder": {
                    "name": self.embedder.name,
                    "fingerprint": self.embedder.fingerprint,
                    "class": type(self.embedder).__name__,
                },
                "fusion": self.fusion,
            },
        )

    @classmethod
    def load(cls, directory: str | Path, embedder: BaseEmbedder | None = None) -> SearchIndex:
        """Load an index written by :meth:`save`, verifying every file's checksum
        and validating every manifest field and array before use.

        Reads the version ``CURRENT`` names (and older flat format-1 indexes, in
        memory); a save running at the same time never mixes two versions.

        ``embedder=None`` uses the embedder the index was built with when it is the
        hashing embedder, else the default ``plansearch.Embedder()``; a different
        model than the index was built with raises :class:`EmbedderMismatchError`.
        """
        d = Path(directory)

        def check(name: str, fingerprint: str, dimension: int) -> BaseEmbedder:
            return built_embedder(
                name,
                fingerprint,
                dimension,
                embedder,
                what=str(d),
                rebuild=f"`plansearch index CORPUS --out {d} --embedder ...`",
            )

        store, emb, fusion = LocalStore.load(d, check)
        return cls(emb, fusion=fusion, store=store)
