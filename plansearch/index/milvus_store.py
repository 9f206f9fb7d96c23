"""A plan index kept in a shared Milvus vector database (Milvus Lite file or a cluster).

:class:`MilvusPlanIndex` answers like :class:`~plansearch.PlanIndex` — the same
``search`` (dense, BM25, hybrid with the same fusion), ``where=`` filters,
``values`` and ``vectors_for`` — so :func:`plansearch.similar_goals` works on it
unchanged; but the sections, their vectors, their Thai BM25 sparse vectors and their
metadata live in Milvus, where many users can search one index and plans can be
added and deleted one at a time.

>>> from plansearch import Section, HashingEmbedder
>>> idx = MilvusPlanIndex.create("indexes/plans.db", "demo", HashingEmbedder(64))  # doctest: +SKIP
>>> sec = Section.from_text("ขยายเขตน้ำประปา", org="อบต.โขมง", source="khamong.pdf")
>>> idx.add([sec])  # doctest: +SKIP
>>> idx.search("น้ำประปา", k=1, where={"org": "อบต.โขมง"})[0].section.org  # doctest: +SKIP
'อบต.โขมง'
>>> idx.delete_plan("khamong.pdf")  # doctest: +SKIP
1

**BM25 that does not go stale.** Each row stores its BM25 document weights
``tf·(k1+1) / (tf + k1·(1-b+b·dl/avgdl))`` computed with the average length at
write time (``avgdl``), plus ``dl``. Document frequencies and corpus totals are kept
in the ``__meta`` collection and updated by every add and delete. A query sends
``idf`` (from the current frequencies) as its sparse vector; Milvus returns the
candidates by inner product, and every candidate is then *rescored exactly* with the
current ``N``, ``df`` and ``avgdl`` (the term counts are recovered from the stored
weights: the weight is an invertible function of ``tf``). So after any add or delete
the scores equal those of a fresh build (tested); only the candidate pool is chosen
with the write-time ``avgdl``.

**Writers.** One writer per index at a time: document frequencies are updated
read-modify-write. Readers may be many (Milvus's strong consistency: a search sees
every finished write). :meth:`MilvusPlanIndex.recount` recomputes the statistics
from the rows if a writer died midway.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
from ..embed.base import KIND_PASSAGE, BaseEmbedder
from ..errors import (
    EmbedderMismatchError,
    IndexCorruptedError,
    IndexFormatError,
    IndexNotFoundError,
    InputError,
    ModelError,
)
from ..sections import Plan, Section
from . import milvus_backend as mv
from .filters import CANONICAL, FILTER_FIELDS, normalise_where
from .fusion import DEFAULT_FUSION, FUSIONS, fuse
from .lexical import K1, B, tokenize
from .planindex import (
    DEFAULT_SEARCH_TOPICS,
    HYBRID_FACTOR,
    HYBRID_MIN_CANDIDATES,
    MODES,
    Hit,
    PlanIndex,
    _flatten,
)

if TYPE_CHECKING:
    from ..frameworks import Reference

#: BM25 candidates fetched from Milvus before exact rescoring: at least this many,
#: and at least ``LEXICAL_POOL_FACTOR`` × what the caller needs.
LEXICAL_POOL: int = 200
LEXICAL_POOL_FACTOR: int = 4
#: Sections embedded and written per round when adding many.
ADD_CHUNK: int = 2_000

_EMPTY_IDS = np.zeros(0, dtype=object)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


def _idf(df: int, n: int) -> float:
    return math.log1p((n - df + 0.5) / (df + 0.5))


def _norm(dl: float, avgdl: float, k1: float, b: float) -> float:
    return k1 * (1.0 - b + b * dl / avgdl)


def _stored_section(s: Section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in mv.SECTION_FIELDS:
        value = getattr(s, field)
        if field in CANONICAL and isinstance(value, str):
            value = CANONICAL[field](value)
        out[field] = mv.stored(value)
    return out


class MilvusPlanIndex:
    """Sections, vectors, BM25 and metadata in Milvus; the :class:`PlanIndex` search API.

    Make one with :meth:`create` / :meth:`build` / :meth:`from_index`, reopen it with
    :meth:`open`. ``uri`` is a Milvus Lite file (``indexes/plans.db``) or a server
    (``http://milvus.example:19530``); ``name`` picks the index inside it.
    """

    def __init__(
        self,
        client: Any,
        *,
        uri: str,
        name: str,
        embedder: BaseEmbedder,
        fusion: str = DEFAULT_FUSION,
        k1: float = K1,
        b: float = B,
    ) -> None:
        self._client = client
        self.uri = uri
        self.name = name
        self.collection = mv.collection_name(name)
        self._meta = mv.meta_name(self.collection)
        self.embedder = embedder
        self.fusion = fusion
        self.k1 = float(k1)
        self.b = float(b)

    # ------------------------------------------------------------ lifecycle
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
    ) -> MilvusPlanIndex:
        """A new, empty index ``name`` at ``uri`` (``overwrite`` drops an existing one).

        ``dense_index`` sets the vector index, e.g.
        ``{"index_type": "HNSW", "params": {"M": 16, "efConstruction": 200}}`` on a
        cluster; default ``FLAT`` (exact) in Milvus Lite, ``AUTOINDEX`` on a server.
        """
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {FUSIONS}")
        if embedder is None:
            from .planindex import default_embedder

            embedder = default_embedder()
        client = mv.connect(uri)
        coll = mv.collection_name(name)
        if dense_index is None:  # exact in Milvus Lite, as FAISS below 50k; server: its choice
            dense_index = {"index_type": "FLAT" if mv.is_lite(uri) else "AUTOINDEX"}
        with mv.calls(f"creating collection {coll}"):
            exists = client.has_collection(coll) or client.has_collection(mv.meta_name(coll))
            if exists and not overwrite:
                raise InputError(
                    f"ดัชนี {name!r} มีอยู่แล้ว / index {name!r} already exists at {uri}; "
                    "open it with MilvusPlanIndex.open, or pass overwrite=True to rebuild it"
                )
            for c in (coll, mv.meta_name(coll)):
                if client.has_collection(c):
                    client.drop_collection(c)
            client.create_collection(
                coll,
                schema=mv.section_schema(client, embedder.dimension),
                index_params=mv.section_index_params(client, dense_index),
                consistency_level="Strong",
            )
            client.create_collection(
                mv.meta_name(coll),
                schema=mv.meta_schema(client),
                index_params=mv.meta_index_params(client),
                consistency_level="Strong",
            )
        self = cls(client, uri=str(uri), name=name, embedder=embedder, fusion=fusion)
        manifest = {
            "format": mv.FORMAT,
            "plansearch": __version__,
            "embedder": {
                "name": embedder.name,
                "fingerprint": embedder.fingerprint,
                "class": type(embedder).__name__,
            },
            "dimension": embedder.dimension,
            "dense_index": dict(dense_index),
            "lexical": {
                "type": "bm25",
                "k1": self.k1,
                "b": self.b,
                "tokenizer": "pythainlp-newmm+compound-parts",
                "term_ids": "blake2b-64 mod 2^32-2",
            },
            "fusion": fusion,
            "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        self._put_meta(
            [
                mv.meta_row("manifest", "manifest", value=json.dumps(manifest, ensure_ascii=False)),
                mv.meta_row("stats", "stats", value=json.dumps({"documents": 0, "length": 0})),
            ]
        )
        return self

    @classmethod
    def open(
        cls, uri: str | Path, name: str = "default", embedder: BaseEmbedder | None = None
    ) -> MilvusPlanIndex:
        """Open index ``name`` at ``uri``, checking it was built with ``embedder``.

        ``embedder=None`` uses the hashing embedder if the index was built with it,
        else the default model. A different model raises :class:`EmbedderMismatchError`;
        a missing index :class:`IndexNotFoundError`.
        """
        client = mv.connect(uri)
        coll = mv.collection_name(name)
        with mv.calls(f"opening collection {coll}"):
            if not client.has_collection(coll):
                raise IndexNotFoundError(
                    f"ไม่พบดัชนี {name!r} / no index {name!r} (collection {coll}) at {uri}; "
                    f"build it with `plansearch index CORPUS --store milvus --uri {uri} "
                    f"--name {name}`"
                )
            rows = []
            if client.has_collection(mv.meta_name(coll)):
                for c in (coll, mv.meta_name(coll)):  # a reopened collection starts released
                    client.load_collection(c)
                rows = client.get(mv.meta_name(coll), ids=["manifest"], output_fields=["value"])
        if not rows:
            raise IndexCorruptedError(
                f"ดัชนีเสียหาย / index {name!r} at {uri} has no manifest "
                f"({mv.meta_name(coll)}); rebuild it with `plansearch index CORPUS "
                f"--store milvus --uri {uri} --name {name}`"
            )
        try:
            manifest = json.loads(rows[0]["value"])
            fmt = int(manifest["format"])
            built = manifest["embedder"]
            dim = int(manifest["dimension"])
            lex = manifest["lexical"]
            k1, b = float(lex["k1"]), float(lex["b"])
            fusion = str(manifest.get("fusion", DEFAULT_FUSION))
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptedError(
                f"ดัชนีเสียหาย / the manifest of index {name!r} at {uri} is unreadable "
                f"({type(exc).__name__}); rebuild the index"
            ) from exc
        if fmt > mv.FORMAT:
            raise IndexFormatError(
                f"index {name!r} at {uri} has format {fmt}; this plansearch reads up to "
                f"{mv.FORMAT}: upgrade plansearch or rebuild the index"
            )
        if embedder is None:
            if str(built.get("name", "")).startswith("hashing-"):
                from ..embed.hashing import HashingEmbedder

                embedder = HashingEmbedder(dim)
            else:
                from .planindex import default_embedder

                embedder = default_embedder()
        if embedder.fingerprint != built.get("fingerprint") or embedder.dimension != dim:
            raise EmbedderMismatchError(
                f"ดัชนี {name!r} สร้างด้วยโมเดลอื่น / index {name!r} at {uri} was built with "
                f"embedder {built.get('name')!r} (fingerprint {built.get('fingerprint')}, "
                f"dimension {dim}) but {embedder.name!r} (fingerprint {embedder.fingerprint}, "
                f"dimension {embedder.dimension}) was given; open it with that embedder or "
                "rebuild it"
            )
        return cls(
            client,
            uri=str(uri),
            name=name,
            embedder=embedder,
            fusion=fusion if fusion in FUSIONS else DEFAULT_FUSION,
            k1=k1,
            b=b,
        )

    @classmethod
    def build(
        cls,
        sections: Iterable[Section | Plan] | Plan,
        embedder: BaseEmbedder | None = None,
        *,
        uri: str | Path,
        name: str = "default",
        batch_size: int = 32,
        show_progress: bool | None = None,
        dense_index: Mapping[str, Any] | None = None,
    ) -> MilvusPlanIndex:
        """(Re)build index ``name`` at ``uri`` from ``sections`` (drops an older one)."""
        self = cls.create(uri, name, embedder, overwrite=True, dense_index=dense_index)
        self.add(sections, batch_size=batch_size, show_progress=show_progress)
        return self

    @classmethod
    def from_index(
        cls, index: PlanIndex, *, uri: str | Path, name: str = "default"
    ) -> MilvusPlanIndex:
        """Copy a :class:`PlanIndex` (its stored vectors: nothing is embedded again)."""
        self = cls.create(uri, name, index.embedder, overwrite=True)
        sections = list(index.sections)
        for start in range(0, len(sections), ADD_CHUNK):
            part = sections[start : start + ADD_CHUNK]
            self.add(part, vectors=index.vectors_for([s.id for s in part]))
        return self

    def close(self) -> None:
        """Close the connection (Milvus Lite stops with the process)."""
        self._client.close()

    def drop(self) -> None:
        """Delete this index (both collections) from the database."""
        with mv.calls(f"dropping {self.collection}"):
            for c in (self.collection, self._meta):
                if self._client.has_collection(c):
                    self._client.drop_collection(c)

    # -------------------------------------------------------------- bookkeeping
    def _put_meta(self, rows: list[dict[str, Any]]) -> None:
        with mv.calls("writing index statistics"):
            for i in range(0, len(rows), mv.BATCH):
                self._client.upsert(self._meta, rows[i : i + mv.BATCH])

    def _stats(self) -> tuple[int, int]:
        """``(documents, total length)`` of the whole index."""
        with mv.calls("reading index statistics"):
            rows = self._client.get(self._meta, ids=["stats"], output_fields=["value"])
        if not rows:
            raise IndexCorruptedError(f"index {self.name!r} at {self.uri} lost its statistics")
        st = json.loads(rows[0]["value"])
        return int(st["documents"]), int(st["length"])

    def _df(self, terms: Iterable[int]) -> dict[int, int]:
        keys = [mv.term_key(t) for t in terms]
        out: dict[int, int] = {}
        with mv.calls("reading term frequencies"):
            for i in range(0, len(keys), mv.BATCH):
                for r in self._client.get(
                    self._meta, ids=keys[i : i + mv.BATCH], output_fields=["count"]
                ):
                    out[int(r["key"][2:])] = int(r["count"])
        return out

    def _apply(self, df_delta: Counter[int], docs: int, length: int) -> None:
        """Add ``df_delta`` to the term frequencies and the totals to the statistics."""
        changed = [t for t, d in df_delta.items() if d]
        current = self._df(changed)
        keep, gone = [], []
        for t in changed:
            n = current.get(t, 0) + df_delta[t]
            if n > 0:
                keep.append(mv.meta_row(mv.term_key(t), "term", count=n))
            else:
                gone.append(mv.term_key(t))
        n_docs, total = self._stats()
        stats = {"documents": max(0, n_docs + docs), "length": max(0, total + length)}
        self._put_meta([*keep, mv.meta_row("stats", "stats", value=json.dumps(stats))])
        with mv.calls("removing unused terms"):
            for i in range(0, len(gone), mv.BATCH):
                self._client.delete(self._meta, ids=gone[i : i + mv.BATCH])

    def _rows(self, ids: Sequence[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        with mv.calls("reading sections"):
            for i in range(0, len(ids), mv.BATCH):
                for r in self._client.get(
                    self.collection, ids=list(ids[i : i + mv.BATCH]), output_fields=fields
                ):
                    out[str(r["id"])] = r
        return out

    # ------------------------------------------------------------------ writing
    def add(
        self,
        sections: Iterable[Section | Plan] | Plan | Section,
        *,
        vectors: np.ndarray | None = None,
        batch_size: int = 32,
        show_progress: bool | None = None,
    ) -> None:
        """Add sections (or whole Plans); a section whose id is stored replaces it.

        ``vectors`` are their passage embeddings when already computed (same order).
        """
        flat = _flatten(sections)
        if vectors is not None and len(vectors) != len(flat):
            raise InputError(f"{len(vectors)} vectors for {len(flat)} sections")
        last = {s.id: i for i, s in enumerate(flat)}  # last occurrence of an id wins
        order = sorted(last.values())
        for start in range(0, len(order), ADD_CHUNK):
            part = order[start : start + ADD_CHUNK]
            items = [flat[i] for i in part]
            vecs = None if vectors is None else np.asarray(vectors, dtype=np.float32)[part]
            self._add_chunk(items, vecs, batch_size, show_progress)
        self._flush()

    def _flush(self) -> None:
        """Seal what was written in Milvus Lite (it searches unsealed rows ~100× slower).

        A server needs no flush to see its writes (strong consistency) and rate-limits
        flushes, so none is sent there.
        """
        if not mv.is_lite(self.uri):
            return
        with mv.calls(f"flushing {self.collection}"):
            self._client.flush(self.collection)
            self._client.flush(self._meta)

    def _add_chunk(
        self,
        items: list[Section],
        vecs: np.ndarray | None,
        batch_size: int,
        show_progress: bool | None,
    ) -> None:
        if vecs is None:
            vecs = self.embedder.encode(
                [s.content for s in items],
                kind=KIND_PASSAGE,
                batch_size=batch_size,
                show_progress=show_progress,
            )
        if vecs.shape != (len(items), self.embedder.dimension):
            raise ModelError(
                f"embedder returned shape {vecs.shape}, expected "
                f"({len(items)}, {self.embedder.dimension})"
            )
        counts = [Counter(mv.term_id(t) for t in tokenize(s.content)) for s in items]
        lengths = [sum(c.values()) for c in counts]
        old = self._rows([s.id for s in items], ["id", "sparse", "dl"])
        df_delta: Counter[int] = Counter()
        for row in old.values():
            df_delta.subtract(t for t in row["sparse"] if t != mv.EMPTY_TERM)
        for c in counts:
            df_delta.update(c.keys())
        n_docs, total = self._stats()
        n_after = n_docs + len(items) - len(old)
        len_after = total + sum(lengths) - sum(int(r["dl"]) for r in old.values())
        avgdl = len_after / n_after if n_after and len_after > 0 else 1.0
        rows = []
        for s, v, c, dl in zip(items, vecs, counts, lengths, strict=True):
            norm = _norm(dl, avgdl, self.k1, self.b)
            sparse = {t: tf * (self.k1 + 1.0) / (tf + norm) for t, tf in c.items()}
            body = json.dumps(s.to_dict(), ensure_ascii=False)
            if len(body.encode("utf-8")) > mv.MAX_VARCHAR:
                raise InputError(
                    f"ส่วน {s.id} ยาวเกินไป / section {s.id} is too long for Milvus "
                    f"({len(body.encode('utf-8'))} bytes of JSON; the limit is {mv.MAX_VARCHAR})"
                )
            rows.append(
                {
                    "id": s.id,
                    "dense": [float(x) for x in v],
                    "sparse": sparse or {mv.EMPTY_TERM: 1.0},
                    **_stored_section(s),
                    "dl": int(dl),
                    "avgdl": float(avgdl),
                    "section": body,
                }
            )
        with mv.calls(f"writing {len(rows)} sections to {self.collection}"):
            for i in range(0, len(rows), mv.BATCH):
                if old:
                    self._client.upsert(self.collection, rows[i : i + mv.BATCH])
                else:
                    self._client.insert(self.collection, rows[i : i + mv.BATCH])
        self._apply(df_delta, len(items) - len(old), len_after - total)
        values = {(f, r[f]) for r in rows for f in mv.SECTION_FIELDS if f in FILTER_FIELDS}
        self._put_meta(
            [mv.meta_row(mv.value_key(f, v), "value", field=f, value=v) for f, v in sorted(values)]
        )

    def delete(self, ids: Sequence[str]) -> int:
        """Delete sections by id; returns how many were stored."""
        if isinstance(ids, str):
            ids = [ids]
        return self._delete_rows(self._rows(list(dict.fromkeys(ids)), ["id", "sparse", "dl"]))

    def delete_plan(self, plan: Plan | str) -> int:
        """Delete every section of a plan (a :class:`Plan`, or its ``source``).

        >>> idx.delete_plan("corpus/raw/khamong.pdf")  # doctest: +SKIP
        12
        """
        source = plan.source if isinstance(plan, Plan) else plan
        if not isinstance(source, str) or not source:
            raise InputError("a plan is deleted by its source (file name); this one has none")
        expr = mv.where_expression({"source": frozenset([source])})
        found: dict[str, dict[str, Any]] = {}
        with mv.calls(f"finding the sections of {source}"):
            it = self._client.query_iterator(
                self.collection,
                batch_size=mv.BATCH,
                filter=expr,
                output_fields=["id", "sparse", "dl"],
            )
            while batch := it.next():
                found.update((str(r["id"]), r) for r in batch)
            it.close()
        return self._delete_rows(found)

    def _delete_rows(self, rows: Mapping[str, Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        ids = list(rows)
        with mv.calls(f"deleting {len(ids)} sections"):
            for i in range(0, len(ids), mv.BATCH):
                self._client.delete(self.collection, ids=ids[i : i + mv.BATCH])
        df_delta: Counter[int] = Counter()
        for r in rows.values():
            df_delta.subtract(t for t in r["sparse"] if t != mv.EMPTY_TERM)
        self._apply(df_delta, -len(rows), -sum(int(r["dl"]) for r in rows.values()))
        self._flush()
        return len(rows)

    def recount(self) -> None:
        """Recompute document frequencies and totals from the stored rows."""
        df: Counter[int] = Counter()
        n = total = 0
        with mv.calls("recounting"):
            it = self._client.query_iterator(
                self.collection, batch_size=mv.BATCH, filter="", output_fields=["sparse", "dl"]
            )
            while batch := it.next():
                for r in batch:
                    df.update(t for t in r["sparse"] if t != mv.EMPTY_TERM)
                    n += 1
                    total += int(r["dl"])
            it.close()
            old = self._client.query(self._meta, filter='kind == "term"', output_fields=["key"])
        stale = [r["key"] for r in old if int(r["key"][2:]) not in df]
        rows = [mv.meta_row(mv.term_key(t), "term", count=c) for t, c in df.items()]
        rows.append(
            mv.meta_row("stats", "stats", value=json.dumps({"documents": n, "length": total}))
        )
        self._put_meta(rows)
        with mv.calls("removing unused terms"):
            for i in range(0, len(stale), mv.BATCH):
                self._client.delete(self._meta, ids=stale[i : i + mv.BATCH])

    # ------------------------------------------------------------------ facts
    def __len__(self) -> int:
        return self._stats()[0]

    def __contains__(self, section_id: object) -> bool:
        return isinstance(section_id, str) and bool(self._rows([section_id], ["id"]))

    def __repr__(self) -> str:
        return f"MilvusPlanIndex({self.name!r} at {self.uri!r}, embedder={self.embedder.name!r})"

    @property
    def backend(self) -> str:
        return "milvus"

    def get(self, section_id: str) -> Section | None:
        rows = self._rows([section_id], ["section"])
        row = rows.get(section_id)
        return None if row is None else Section.from_dict(json.loads(row["section"]))

    def _sections(self, ids: Sequence[str]) -> dict[str, Section]:
        return {
            i: Section.from_dict(json.loads(r["section"]))
            for i, r in self._rows(ids, ["section"]).items()
        }

    def vectors_for(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Stored passage vectors of ``ids`` (float32, unit rows); ``KeyError`` if unknown."""
        if ids is None:
            raise InputError("a Milvus index returns vectors for given ids only")
        rows = self._rows(list(ids), ["dense"])
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KeyError(f"section id {missing[0]!r} is not in the index")
        if not ids:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.asarray([rows[i]["dense"] for i in ids], dtype=np.float32)

    def values(self, field: str) -> list[str | None]:
        """Distinct values of a filter field seen in the index (``None`` = unset)."""
        if field not in FILTER_FIELDS:
            raise InputError(f"unknown field {field!r}; use one of {', '.join(FILTER_FIELDS)}")
        with mv.calls(f"reading the values of {field}"):
            rows = self._client.query(
                self._meta,
                filter=f'kind == "value" and field == {mv.literal(field)}',
                output_fields=["value"],
            )
        return [v or None for v in sorted({r["value"] for r in rows})]

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
        topics: Reference | str | None = DEFAULT_SEARCH_TOPICS,
    ) -> list[Hit]:
        """The ``k`` best sections for ``query``, exactly as :meth:`PlanIndex.search`.

        ``where`` becomes a Milvus boolean expression (values escaped), applied inside
        both searches; ``topics`` re-ranks by service area as in :class:`PlanIndex`.

        >>> idx.search("ถนนคอนกรีต", k=5, where={"province": "ขอนแก่น"})  # doctest: +SKIP
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
        text = PlanIndex._query(self, query)  # type: ignore[arg-type]
        expr = mv.where_expression(normalise_where(where))
        n_docs, total = self._stats()
        if n_docs == 0:
            return []
        k = int(k)
        vec = None
        if mode != "lexical" or topics is not None:
            vec = self._query_vector(text, vector)
        if topics is None:
            return self._search_text(text, k, expr, mode, method, vec, n_docs, total)
        from ..alignment.topics import pool_size
        from .planindex import topic_reranked

        assert vec is not None
        pool = self._search_text(text, pool_size(k), expr, mode, method, vec, n_docs, total)
        if not pool:
            return []
        return topic_reranked(self, topics, text, vec, pool, k, mode)

    def _query_vector(self, text: str, vector: np.ndarray | None) -> np.ndarray:
        from .planindex import query_vector

        return query_vector(self.embedder, text, vector)

    def _search_text(
        self,
        text: str,
        k: int,
        expr: str,
        mode: str,
        method: str,
        vec: np.ndarray | None,
        n_docs: int,
        total: int,
    ) -> list[Hit]:
        """Dense / BM25 / fused search without topic re-ranking (as ``PlanIndex``)."""
        side_k = k if mode != "hybrid" else max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR * k)
        dense: tuple[np.ndarray, np.ndarray] = (_EMPTY_IDS, _EMPTY_SCORES)
        lexical = dense
        if mode in ("dense", "hybrid"):
            assert vec is not None
            dense = self._dense(vec, side_k, expr)
        if mode in ("lexical", "hybrid"):
            lexical = self._lexical(text, side_k, expr, n_docs, total)
        names = sorted(set(dense[0].tolist()) | set(lexical[0].tolist()))
        number = {n: i for i, n in enumerate(names)}

        def as_ints(side: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            return np.array([number[n] for n in side[0]], dtype=np.int64), side[1]

        if mode == "dense":
            ids, scores = as_ints(dense)
        elif mode == "lexical":
            ids, scores = as_ints(lexical)
        else:
            ids, scores = fuse(as_ints(dense), as_ints(lexical), method=method)
        top = [names[i] for i in ids[:k].tolist()]
        found = self._sections(top)
        d_map = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        l_map = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        return [
            Hit(
                section=found[n],
                score=float(s),
                dense=d_map.get(n),
                lexical=l_map.get(n),
                rank=r,
            )
            for r, (n, s) in enumerate(zip(top, scores[:k].tolist(), strict=True), 1)
            if n in found  # a concurrent delete may remove a hit
        ]

    def _dense(self, vec: np.ndarray, k: int, expr: str) -> tuple[np.ndarray, np.ndarray]:
        with mv.calls("searching vectors"):
            res = self._client.search(
                self.collection,
                data=[[float(x) for x in vec]],
                anns_field="dense",
                limit=min(k, mv.MAX_TOPK),
                filter=expr,
                output_fields=["id"],
                search_params={"metric_type": "IP"},
            )
        return _ranked([(str(h["id"]), float(h["distance"])) for h in res[0]])

    def _lexical(
        self, text: str, k: int, expr: str, n_docs: int, total: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 candidates from Milvus, rescored exactly with the current statistics."""
        terms = {mv.term_id(t) for t in tokenize(text)}
        df = self._df(sorted(terms))
        idf = {t: _idf(d, n_docs) for t, d in df.items() if d > 0}
        if not idf:
            return _EMPTY_IDS, _EMPTY_SCORES
        pool = min(mv.MAX_TOPK, max(LEXICAL_POOL, LEXICAL_POOL_FACTOR * k))
        with mv.calls("searching words"):
            res = self._client.search(
                self.collection,
                data=[idf],
                anns_field="sparse",
                limit=pool,
                filter=expr,
                output_fields=["id", "sparse", "dl", "avgdl"],
                search_params={"metric_type": "IP"},
            )
        avgdl = total / n_docs if total > 0 else 1.0
        k1, b = self.k1, self.b
        scored = []
        for h in res[0]:
            e = h["entity"]
            weights, dl = e["sparse"], float(e["dl"])
            written = _norm(dl, float(e["avgdl"]), k1, b)
            now = _norm(dl, avgdl, k1, b)
            score = 0.0
            for t, w_idf in idf.items():
                w = weights.get(t)
                if w:
                    tf = max(1.0, round(w * written / (k1 + 1.0 - w)))
                    score += w_idf * tf * (k1 + 1.0) / (tf + now)
            if score > 0:
                scored.append((str(e.get("id", h.get("id"))), score))
        return _ranked(scored, k)


def _ranked(pairs: list[tuple[str, float]], k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, scores)`` sorted by score (best first), then id; the first ``k``."""
    pairs.sort(key=lambda p: (-p[1], p[0]))
    if k is not None:
        pairs = pairs[:k]
    ids = np.array([p[0] for p in pairs], dtype=object)
    return ids, np.array([p[1] for p in pairs], dtype=np.float64)


def cli_build(args: Any, sections: list[Section], embedder: BaseEmbedder) -> int:
    """``plansearch index CORPUS --store milvus --uri URI [--name NAME | --out NAME]``."""
    import sys
    import time

    if not args.uri:
        raise InputError(
            "--store milvus ต้องระบุ --uri / needs --uri: a Milvus Lite file (indexes/plans.db) "
            "or a server (http://localhost:19530)"
        )
    if getattr(args, "cluster", None):
        raise InputError(
            "--cluster กับ --store milvus ยังใช้ร่วมกันไม่ได้ / --cluster with --store milvus is "
            "not supported yet: build with --cluster --out DIR, then copy it with "
            "MilvusPlanIndex.from_index(PlanIndex.load(DIR), uri=URI, name=NAME)"
        )
    name = args.name or (Path(args.out).name if args.out else "default")
    if not sections:
        raise InputError(f"no sections found in {args.source}; nothing to index")
    t0 = time.perf_counter()
    store = MilvusPlanIndex.build(
        sections,
        embedder,
        uri=args.uri,
        name=name,
        show_progress=False if args.quiet else None,
    )
    if not args.quiet:
        print(
            f"indexed {len(store)} sections with {embedder.name} into Milvus "
            f"{args.uri} (collection {store.collection}) in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
    return 0
