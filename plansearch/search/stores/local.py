"""The local store: rows in memory, saved as a versioned index directory.

Rows are kept in insertion order; row ``i`` is dense-backend row ``i``, BM25 document
``i`` and metadata row ``i``, so every side works on integer arrays, and a filter is
the set of allowed rows (a :class:`~plansearch.search.filters.RowSet`) that each side
receives. The vector store is any registered
:class:`~plansearch.search.vectors.base.DenseBackend` (FAISS by default); the term
store is a :class:`~plansearch.search.lexical.BM25Index`.

Saved (:mod:`plansearch.search.storage`, format 2) as ``sections.jsonl``, the dense
backend's files (``dense.faiss``), ``lexical.npz`` + ``vocab.json`` and, since the
service-area vectors are kept with the index, ``topics.npz`` (indexes saved without it
still load: their area vectors are embedded on first use, as before).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...embed.base import BaseEmbedder
from ...errors import IndexCorruptedError, PlanSearchError
from ...sections import Section, write_jsonl
from .. import storage, validate
from ..filters import MetadataColumns, RowSet
from ..lexical import LEXICAL_FILE, BM25Index
from ..topics import AreaVectors
from ..vectors.base import DEFAULT_BACKEND, DenseBackend, create_backend, loader_for
from .base import Ranked, Store

#: The file holding the service-area vectors (one float32 array per reference).
TOPICS_FILE = "topics.npz"


class LocalStore(Store):
    """Sections, a dense backend, BM25 and metadata columns, in memory."""

    name = "local"

    def __init__(
        self,
        dimension: int,
        *,
        backend: str = DEFAULT_BACKEND,
        backend_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.dimension = int(dimension)
        self._sections: list[Section] = []
        self._pos: dict[str, int] = {}
        self._meta = MetadataColumns()
        self._dense: DenseBackend = create_backend(backend, self.dimension, backend_config)
        self._lexical = BM25Index()
        self._topics: dict[str, AreaVectors] = {}

    # ------------------------------------------------------------------ facts
    def __len__(self) -> int:
        return len(self._sections)

    def __contains__(self, section_id: object) -> bool:
        return section_id in self._pos

    def __repr__(self) -> str:
        return f"LocalStore({len(self)} sections, dense={self._dense.kind!r})"

    @property
    def backend(self) -> str:
        return self._dense.name

    @property
    def kind(self) -> str:
        return self._dense.kind

    @property
    def dense_backend(self) -> DenseBackend:
        """The vector store (FAISS unless another backend was chosen)."""
        return self._dense

    @property
    def bm25(self) -> BM25Index:
        """The term store."""
        return self._lexical

    def get(self, section_id: str) -> Section | None:
        pos = self._pos.get(section_id)
        return None if pos is None else self._sections[pos]

    def values(self, field: str) -> list[str | None]:
        return self._meta.values(field)

    def all_sections(self) -> tuple[Section, ...]:
        return tuple(self._sections)

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Row numbers of section ids (``KeyError`` names the first unknown id)."""
        try:
            return np.fromiter((self._pos[i] for i in ids), np.int64, count=len(ids))
        except KeyError as exc:
            raise KeyError(f"section id {exc.args[0]!r} is not in the index") from None

    # ---------------------------------------------------------------- reading
    def compile(self, spec: Mapping[str, frozenset[str | None]]) -> RowSet | None:
        return self._meta.select_of(spec)

    def dense(self, vector: np.ndarray, k: int, rows: RowSet | None) -> Ranked:
        return self._dense.search(vector, k, allowed=rows)

    def lexical(self, text: str, k: int, rows: RowSet | None) -> Ranked:
        return self._lexical.search(text, k, mask=None if rows is None else rows.mask)

    def sections(self, keys: Sequence[Any]) -> dict[Any, Section]:
        return {key: self._sections[key] for key in keys}

    def vectors(self, ids: Sequence[str] | None = None) -> np.ndarray:
        if ids is None:
            return self._dense.vectors()
        return self._dense.vectors(self.positions(ids))

    # ---------------------------------------------------------------- writing
    def write(self, sections: Sequence[Section], vectors: np.ndarray) -> None:
        items = list(sections)
        is_new = np.fromiter((s.id not in self._pos for s in items), bool, count=len(items))
        new = [s for s, n in zip(items, is_new, strict=True) if n]
        old = [s for s, n in zip(items, is_new, strict=True) if not n]
        if old:
            pos = np.fromiter((self._pos[s.id] for s in old), np.int64, count=len(old))
            self._dense.replace(pos, vectors[~is_new])
            self._lexical.replace(pos, [s.content for s in old])
            self._meta.set_rows(pos, old)
            for p, s in zip(pos.tolist(), old, strict=True):
                self._sections[p] = s
        if new:
            start = len(self._sections)
            self._dense.add(vectors[is_new])
            self._lexical.add([s.content for s in new])
            self._meta.extend(new)
            self._sections.extend(new)
            self._pos.update((s.id, start + i) for i, s in enumerate(new))

    def topic_vectors(self) -> dict[str, AreaVectors]:
        return dict(self._topics)

    def keep_topic_vectors(self, vectors: Mapping[str, AreaVectors]) -> None:
        self._topics.update(vectors)

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path, header: Mapping[str, Any]) -> Path:
        """Write a new version of the index at ``directory`` (see :mod:`..storage`)."""
        topics = {n: v for n, v in sorted(self._topics.items()) if validate.TOPIC_NAME.fullmatch(n)}

        def write_files(tmp: Path) -> list[str]:
            write_jsonl(self._sections, tmp / storage.SECTIONS_FILE)
            names = [storage.SECTIONS_FILE, *self._dense.save(tmp), *self._lexical.save(tmp)]
            if topics:
                arrays: dict[str, Any] = {n: v.vectors for n, v in topics.items()}
                np.savez(tmp / TOPICS_FILE, **arrays)
                names.append(TOPICS_FILE)
            return names

        manifest: dict[str, Any] = {
            **header,
            "dimension": self._dense.dimension,
            "count": len(self),
            "dense": self._dense.config,
            "lexical": {
                "type": "bm25",
                "k1": self._lexical.k1,
                "b": self._lexical.b,
                "tokenizer": validate.TOKENIZER,
                "vocabulary_size": self._lexical.vocabulary_size,
            },
            "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        if topics:
            manifest["topics"] = {
                n: {"areas": int(v.vectors.shape[0]), "documents_sha256": v.documents}
                for n, v in topics.items()
            }
        return storage.write_index_dir(directory, write_files, manifest)

    @classmethod
    def load(
        cls, directory: Path, check_embedder: Callable[[str, str, int], BaseEmbedder]
    ) -> tuple[LocalStore, BaseEmbedder, str]:
        """Read an index written by :meth:`save`: ``(store, embedder, fusion)``.

        ``check_embedder(name, fingerprint, dimension)`` returns the embedder to use
        for what the manifest records (raising when the given one does not fit); it
        runs before any data file is parsed.
        """
        d = directory
        with storage.open_index(d) as version:
            info = validate.check_index_manifest(version.manifest, d)
            backend_cls = loader_for(info.dense)
            required = [
                storage.SECTIONS_FILE,
                *backend_cls.files(info.dense),
                *BM25Index.FILES,
                *([TOPICS_FILE] if info.topics else []),
            ]
            version.require(required)
            dim, count = info.dimension, info.count
            try:
                embedder = check_embedder(info.embedder_name, info.embedder_fingerprint, dim)
            except (ValueError, TypeError) as exc:  # e.g. a dimension no embedder has
                raise IndexCorruptedError(
                    f"ดัชนีเสียหาย / {d}: the manifest's embedder {info.embedder_name!r} with "
                    f"dimension {dim} cannot be made ({exc}); rebuild it with "
                    f"`plansearch index CORPUS --out {d}`"
                ) from exc
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
            validate.check_lexical_arrays(
                storage.npz_arrays(version.open(LEXICAL_FILE), version.directory / LEXICAL_FILE, d),
                d,
                documents=count,
                text_bytes=version.manifest["files"][storage.SECTIONS_FILE]["bytes"],
            )
            lexical = BM25Index.load(version, documents=count, vocabulary_size=info.vocabulary_size)
            topics = (
                validate.read_topics(version.open(TOPICS_FILE), d, info.topics, dim)
                if info.topics
                else {}
            )
            # the manifest's other facts, against what the files hold
            dense_config = dict(dense.config)
            if version.format_version == 1:
                dense_config.pop("backend", None)  # format 1 did not record it
            if dense_config != info.dense:
                raise IndexCorruptedError(
                    f"ดัชนีเสียหาย / {d}: the manifest describes the vectors as {info.dense}, "
                    f"the file holds {dense_config}; rebuild it with "
                    f"`plansearch index CORPUS --out {d}`"
                )
            if (lexical.k1, lexical.b) != (info.k1, info.b):
                raise IndexCorruptedError(
                    f"ดัชนีเสียหาย / {d}: BM25 k1={info.k1}, b={info.b} in the manifest, "
                    f"k1={lexical.k1}, b={lexical.b} in {LEXICAL_FILE}; rebuild it with "
                    f"`plansearch index CORPUS --out {d}`"
                )
            unused = set(version.manifest["files"]) - set(required)
            if not backend_cls.files(info.dense):  # a backend that does not name its files
                unused &= {storage.SECTIONS_FILE, TOPICS_FILE, *BM25Index.FILES}
            if unused:
                raise IndexCorruptedError(
                    f"ดัชนีเสียหาย / {d}: the manifest lists files this index does not use "
                    f"({', '.join(sorted(unused))}); rebuild it with "
                    f"`plansearch index CORPUS --out {d}`"
                )
        if len(dense) != count or dense.dimension != dim or len(lexical) != count:
            raise IndexCorruptedError(
                f"ดัชนีเสียหาย / {d}: files disagree (sections={len(sections)}, "
                f"vectors={len(dense)}, bm25={len(lexical)}, manifest count={count}); "
                f"rebuild it with `plansearch index CORPUS --out {d}`"
            )
        store = cls(dim)
        store._sections = sections
        store._pos = {s.id: i for i, s in enumerate(sections)}
        store._meta.extend(sections)
        store._dense = dense
        store._lexical = lexical
        store._topics = topics
        return store, embedder, info.fusion
