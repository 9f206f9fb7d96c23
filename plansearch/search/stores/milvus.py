"""The Milvus store: an index kept in a shared Milvus database (Milvus Lite file or a cluster).

Each row of the collection holds a section, its passage vector, its Thai BM25 sparse
vector and its metadata, so many users can search one index and plans can be added
and deleted one at a time. :class:`~plansearch.SearchIndex` searches it exactly as a
local index (same fusion, filters, re-ranking and similar goals); make one with
:meth:`SearchIndex.create <plansearch.SearchIndex.create>` and reopen it with
:meth:`SearchIndex.open <plansearch.SearchIndex.open>`. The collection layout, names
and expressions are in :mod:`.milvus_schema`.

>>> from plansearch import SearchIndex, Section, HashingEmbedder
>>> idx = SearchIndex.create("indexes/plans.db", "demo", HashingEmbedder(64))  # doctest: +SKIP
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
with the write-time ``avgdl``. The formulas are :mod:`plansearch.search.bm25`'s.

**Writers.** One writer per index at a time: document frequencies are updated
read-modify-write. Readers may be many (Milvus's strong consistency: a search sees
every finished write). :meth:`MilvusStore.recount` recomputes the statistics from the
rows if a writer died midway.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...embed.base import BaseEmbedder
from ...errors import IndexCorruptedError, IndexFormatError, IndexNotFoundError, InputError
from ...sections import Section
from ...version import __version__
from ..bm25 import K1, B, bm25_idf, bm25_norm, bm25_weight, tf_from_weight, tokenize
from ..filters import CANONICAL, FILTER_FIELDS
from ..fusion import DEFAULT_FUSION, FUSIONS
from ..topics import AreaVectors
from . import milvus_schema as mv
from .base import Ranked, Store

#: BM25 candidates fetched from Milvus before exact rescoring: at least this many,
#: and at least ``LEXICAL_POOL_FACTOR`` × what the caller needs.
LEXICAL_POOL: int = 200
LEXICAL_POOL_FACTOR: int = 4
#: Sections embedded and written per round when adding many.
ADD_CHUNK: int = 2_000

_EMPTY: Ranked = (np.zeros(0, dtype=object), np.zeros(0, dtype=np.float64))


@dataclass(frozen=True)
class MilvusManifest:
    """What an index's ``manifest`` row records (checked by :meth:`MilvusStore.open`)."""

    embedder_name: str
    embedder_fingerprint: str
    dimension: int
    fusion: str
    k1: float
    b: float
    dense_index: dict[str, Any]


def _stored_section(s: Section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in mv.SECTION_FIELDS:
        value = getattr(s, field)
        if field in CANONICAL and isinstance(value, str):
            value = CANONICAL[field](value)
        out[field] = mv.stored(value)
    return out


class MilvusStore(Store):
    """Sections, vectors, BM25 and metadata of index ``name`` in Milvus at ``uri``."""

    name = "milvus"
    persistent = True
    write_chunk = ADD_CHUNK

    def __init__(
        self,
        client: Any,
        *,
        uri: str,
        name: str,
        dimension: int,
        dense_index: Mapping[str, Any] | None = None,
        k1: float = K1,
        b: float = B,
    ) -> None:
        self._client = client
        self.uri = uri
        self.index_name = name
        self.collection = mv.collection_name(name)
        self._meta = mv.meta_name(self.collection)
        self.dimension = int(dimension)
        self.dense_index = dict(dense_index or {})
        self.k1 = float(k1)
        self.b = float(b)
        self._topics: dict[str, AreaVectors] | None = None

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        uri: str | Path,
        name: str,
        embedder: BaseEmbedder,
        *,
        overwrite: bool = False,
        fusion: str = DEFAULT_FUSION,
        dense_index: Mapping[str, Any] | None = None,
    ) -> MilvusStore:
        """A new, empty index ``name`` at ``uri`` (``overwrite`` drops an existing one)."""
        client = mv.connect(uri)
        coll = mv.collection_name(name)
        if dense_index is None:  # exact in Milvus Lite, as FAISS below 50k; server: its choice
            dense_index = {"index_type": "FLAT" if mv.is_lite(uri) else "AUTOINDEX"}
        with mv.calls(f"creating collection {coll}"):
            exists = client.has_collection(coll) or client.has_collection(mv.meta_name(coll))
            if exists and not overwrite:
                raise InputError(
                    f"ดัชนี {name!r} มีอยู่แล้ว / index {name!r} already exists at {uri}; "
                    "open it with SearchIndex.open, or pass overwrite=True to rebuild it"
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
        self = cls(
            client, uri=str(uri), name=name, dimension=embedder.dimension, dense_index=dense_index
        )
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
        self._topics = {}
        return self

    @classmethod
    def open(cls, uri: str | Path, name: str = "default") -> tuple[MilvusStore, MilvusManifest]:
        """Open index ``name`` at ``uri``: the store and what its manifest records.

        A missing index raises :class:`IndexNotFoundError`, an unreadable manifest
        :class:`IndexCorruptedError`, a newer layout :class:`IndexFormatError`.
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
            dense_index = dict(manifest.get("dense_index") or {})
            info = MilvusManifest(
                embedder_name=str(built.get("name", "")),
                embedder_fingerprint=str(built.get("fingerprint")),
                dimension=dim,
                fusion=fusion if fusion in FUSIONS else DEFAULT_FUSION,
                k1=k1,
                b=b,
                dense_index=dense_index,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexCorruptedError(
                f"ดัชนีเสียหาย / the manifest of index {name!r} at {uri} is unreadable "
                f"({type(exc).__name__}); rebuild the index"
            ) from exc
        if fmt > mv.FORMAT:
            raise IndexFormatError(
                f"index {name!r} at {uri} has format {fmt}; this plansearch reads up to "
                f"{mv.FORMAT}: upgrade plansearch or rebuild the index"
            )
        store = cls(
            client, uri=str(uri), name=name, dimension=dim, dense_index=dense_index, k1=k1, b=b
        )
        return store, info

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

    def stats(self) -> tuple[int, int]:
        """``(documents, total length)`` of the whole index."""
        with mv.calls("reading index statistics"):
            rows = self._client.get(self._meta, ids=["stats"], output_fields=["value"])
        if not rows:
            raise IndexCorruptedError(
                f"index {self.index_name!r} at {self.uri} lost its statistics"
            )
        st = json.loads(rows[0]["value"])
        return int(st["documents"]), int(st["length"])

    def document_frequencies(self, terms: Iterable[int]) -> dict[int, int]:
        """Current document frequency of each term id (terms in no document are left out)."""
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
        current = self.document_frequencies(changed)
        keep, gone = [], []
        for t in changed:
            n = current.get(t, 0) + df_delta[t]
            if n > 0:
                keep.append(mv.meta_row(mv.term_key(t), "term", count=n))
            else:
                gone.append(mv.term_key(t))
        n_docs, total = self.stats()
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
    def write(self, sections: Sequence[Section], vectors: np.ndarray) -> None:
        items = list(sections)
        counts = [Counter(mv.term_id(t) for t in tokenize(s.content)) for s in items]
        lengths = [sum(c.values()) for c in counts]
        old = self._rows([s.id for s in items], ["id", "sparse", "dl"])
        df_delta: Counter[int] = Counter()
        for row in old.values():
            df_delta.subtract(t for t in row["sparse"] if t != mv.EMPTY_TERM)
        for c in counts:
            df_delta.update(c.keys())
        n_docs, total = self.stats()
        n_after = n_docs + len(items) - len(old)
        len_after = total + sum(lengths) - sum(int(r["dl"]) for r in old.values())
        avgdl = len_after / n_after if n_after and len_after > 0 else 1.0
        rows = []
        for s, v, c, dl in zip(items, vectors, counts, lengths, strict=True):
            norm = bm25_norm(dl, avgdl, self.k1, self.b)
            sparse = {t: bm25_weight(tf, norm, self.k1) for t, tf in c.items()}
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

    def flush(self) -> None:
        """Seal what was written in Milvus Lite (it searches unsealed rows ~100× slower).

        A server needs no flush to see its writes (strong consistency) and rate-limits
        flushes, so none is sent there.
        """
        if not mv.is_lite(self.uri):
            return
        with mv.calls(f"flushing {self.collection}"):
            self._client.flush(self.collection)
            self._client.flush(self._meta)

    def delete(self, ids: Sequence[str]) -> int:
        return self._delete_rows(self._rows(list(ids), ["id", "sparse", "dl"]))

    def delete_plan(self, source: str) -> int:
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
        self.flush()
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
        return self.stats()[0]

    def __contains__(self, section_id: object) -> bool:
        return isinstance(section_id, str) and bool(self._rows([section_id], ["id"]))

    def __repr__(self) -> str:
        return f"MilvusStore({self.index_name!r} at {self.uri!r})"

    @property
    def backend(self) -> str:
        return "milvus"

    @property
    def kind(self) -> str:
        return f"milvus-{str(self.dense_index.get('index_type', 'AUTOINDEX')).lower()}"

    def get(self, section_id: str) -> Section | None:
        row = self._rows([section_id], ["section"]).get(section_id)
        return None if row is None else Section.from_dict(json.loads(row["section"]))

    def sections(self, keys: Sequence[Any]) -> dict[Any, Section]:
        ids = [str(k) for k in keys]
        return {
            i: Section.from_dict(json.loads(r["section"]))
            for i, r in self._rows(ids, ["section"]).items()
        }

    def all_sections(self) -> tuple[Section, ...]:
        found: list[Section] = []
        with mv.calls(f"reading the sections of {self.collection}"):
            it = self._client.query_iterator(
                self.collection, batch_size=mv.BATCH, filter="", output_fields=["section"]
            )
            while batch := it.next():
                found.extend(Section.from_dict(json.loads(r["section"])) for r in batch)
            it.close()
        return tuple(sorted(found, key=lambda s: s.id))

    def vectors(self, ids: Sequence[str] | None = None) -> np.ndarray:
        """Stored passage vectors of ``ids`` (float32, unit rows); ``KeyError`` if unknown."""
        if ids is None:
            raise InputError("a Milvus index returns vectors for given ids only")
        rows = self._rows(list(ids), ["dense"])
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KeyError(f"section id {missing[0]!r} is not in the index")
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray([rows[i]["dense"] for i in ids], dtype=np.float32)

    def values(self, field: str) -> list[str | None]:
        """Distinct values of a filter field seen in the index (``None`` = unset)."""
        with mv.calls(f"reading the values of {field}"):
            rows = self._client.query(
                self._meta,
                filter=f'kind == "value" and field == {mv.literal(field)}',
                output_fields=["value"],
            )
        return [v or None for v in sorted({r["value"] for r in rows})]

    # ---------------------------------------------------------------- reading
    def compile(self, spec: Mapping[str, frozenset[str | None]]) -> str:
        """A Milvus boolean expression (values escaped), applied inside both searches."""
        return mv.where_expression(spec)

    def dense(self, vector: np.ndarray, k: int, rows: str) -> Ranked:
        with mv.calls("searching vectors"):
            res = self._client.search(
                self.collection,
                data=[[float(x) for x in vector]],
                anns_field="dense",
                limit=min(k, mv.MAX_TOPK),
                filter=rows,
                output_fields=["id"],
                search_params={"metric_type": "IP"},
            )
        return _ranked([(str(h["id"]), float(h["distance"])) for h in res[0]])

    def lexical(self, text: str, k: int, rows: str) -> Ranked:
        """BM25 candidates from Milvus, rescored exactly with the current statistics."""
        n_docs, total = self.stats()
        terms = {mv.term_id(t) for t in tokenize(text)}
        df = self.document_frequencies(sorted(terms))
        idf = {t: float(bm25_idf(d, n_docs)) for t, d in df.items() if d > 0}
        if not idf or n_docs == 0:
            return _EMPTY
        pool = min(mv.MAX_TOPK, max(LEXICAL_POOL, LEXICAL_POOL_FACTOR * k))
        with mv.calls("searching words"):
            res = self._client.search(
                self.collection,
                data=[idf],
                anns_field="sparse",
                limit=pool,
                filter=rows,
                output_fields=["id", "sparse", "dl", "avgdl"],
                search_params={"metric_type": "IP"},
            )
        avgdl = total / n_docs if total > 0 else 1.0
        k1, b = self.k1, self.b
        scored = []
        for h in res[0]:
            e = h["entity"]
            weights, dl = e["sparse"], float(e["dl"])
            written = bm25_norm(dl, float(e["avgdl"]), k1, b)
            now = bm25_norm(dl, avgdl, k1, b)
            score = 0.0
            for t, w_idf in idf.items():
                w = weights.get(t)
                if w:
                    score += bm25_weight(tf_from_weight(w, written, k1), now, k1, w_idf)
            if score > 0:
                scored.append((str(e.get("id", h.get("id"))), score))
        return _ranked(scored, k)

    # --------------------------------------------------- service-area vectors
    def topic_vectors(self) -> dict[str, AreaVectors]:
        """The area vectors stored with the index (read once from ``__meta``)."""
        if self._topics is None:
            with mv.calls("reading the service-area vectors"):
                rows = self._client.query(
                    self._meta,
                    filter='kind == "areas" or kind == "area"',
                    output_fields=["key", "kind", "field", "value", "count"],
                )
            self._topics = _read_areas(rows, self.dimension, f"{self.index_name!r} at {self.uri}")
        return dict(self._topics)

    def keep_topic_vectors(self, vectors: Mapping[str, AreaVectors]) -> None:
        stored = self.topic_vectors()
        rows = []
        for name, kept in vectors.items():
            if name in stored and stored[name].digest == kept.digest:
                continue
            head = {"documents_sha256": kept.documents, "areas": int(kept.vectors.shape[0])}
            rows.append(mv.meta_row(f"areas:{name}", "areas", field=name, value=json.dumps(head)))
            for i, v in enumerate(kept.vectors):
                raw = base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode("ascii")
                rows.append(mv.meta_row(f"area:{name}:{i}", "area", field=name, value=raw, count=i))
        if rows:
            self._put_meta(rows)
            self.flush()
            self._topics = {**stored, **vectors}


def _read_areas(rows: list[dict[str, Any]], dimension: int, where: str) -> dict[str, AreaVectors]:
    """Area vectors from ``__meta`` rows (a header per reference, a row per area)."""
    heads = {r["field"]: r for r in rows if r["kind"] == "areas"}
    out: dict[str, AreaVectors] = {}
    try:
        for name, head in heads.items():
            info = json.loads(head["value"])
            n = int(info["areas"])
            found = {
                int(r["count"]): r["value"]
                for r in rows
                if r["kind"] == "area" and r["field"] == name and int(r["count"]) < n
            }
            if sorted(found) != list(range(n)):
                raise ValueError(f"{name}: {len(found)} of {n} areas")
            vecs = np.stack(
                [np.frombuffer(base64.b64decode(found[i]), dtype="<f4") for i in range(n)]
            ).astype(np.float32)
            if vecs.shape != (n, dimension) or not np.isfinite(vecs).all():
                raise ValueError(f"{name}: not {n}×{dimension} finite numbers")
            out[name] = AreaVectors(name, str(info["documents_sha256"]), vecs)
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptedError(
            f"ดัชนีเสียหาย / the service-area vectors of index {where} are unreadable "
            f"({exc}); rebuild the index"
        ) from exc
    return out


def _ranked(pairs: list[tuple[str, float]], k: int | None = None) -> Ranked:
    """``(ids, scores)`` sorted by score (best first), then id; the first ``k``."""
    pairs.sort(key=lambda p: (-p[1], p[0]))
    if k is not None:
        pairs = pairs[:k]
    ids = np.array([p[0] for p in pairs], dtype=object)
    return ids, np.array([p[1] for p in pairs], dtype=np.float64)
