"""Checks on a saved index's manifest fields and section records, before any use.

A checksum only proves a file is the one the manifest names; someone who edits a
file can recompute the checksums. So every field is checked here for type and range
(and every array by its owner: :meth:`BM25Index.load`, the dense backend's ``load``)
and anything odd becomes :class:`~plansearch.IndexCorruptedError` with what to do —
never a raw ``ValueError`` deep in numpy, or a crash in native code.

>>> m = {"embedder": {"name": "hashing-8", "fingerprint": "hashing-8:v1"},
...      "dimension": 8, "count": 0, "dense": {"type": "flat"}, "fusion": "weighted",
...      "lexical": {"type": "bm25", "k1": 1.5, "b": 0.75, "vocabulary_size": 0},
...      "plansearch_version": "0.1.0", "created_at": "2026-12-06T10:00:00+00:00"}
>>> check_index_manifest(m, Path("idx")).dimension
8
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import IndexCorruptedError
from ..sections import KINDS, LEVELS, Section
from .fusion import DEFAULT_FUSION, FUSIONS
from .storage import finite_number, npz_arrays
from .topics import AreaVectors

#: Largest embedding dimension accepted from a manifest.
MAX_DIMENSION: int = 65_536
#: A reference name the service-area vectors are saved under (built-in names).
TOPIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: Most service areas (top-level items) a saved reference may have.
MAX_AREAS: int = 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPTIONAL_TEXT = ("number", "parent_id", "org", "province", "source")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")


@dataclass(frozen=True)
class IndexManifest:
    """The PlanIndex fields of a checked manifest."""

    embedder_name: str
    embedder_fingerprint: str
    dimension: int
    count: int
    dense: dict[str, Any]
    k1: float
    b: float
    vocabulary_size: int
    fusion: str
    #: reference name → (areas, sha256 of the area descriptions) of ``topics.npz``
    topics: dict[str, tuple[int, str]] = field(default_factory=dict)


def _bad(root: Path, what: str) -> IndexCorruptedError:
    return IndexCorruptedError(
        f"ดัชนีเสียหาย / damaged index {root}: {what}; "
        f"สร้างดัชนีใหม่ / rebuild it with `plansearch index CORPUS --out {root}`"
    )


def _int(value: object, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


#: The fields a PlanIndex manifest has, at the top and inside each object; any other
#: field is not one plansearch wrote (a re-hashed manifest must not smuggle settings in).
MANIFEST_FIELDS = frozenset(
    {
        "format_version",
        "plansearch_version",
        "embedder",
        "dimension",
        "count",
        "dense",
        "lexical",
        "fusion",
        "topics",
        "created_at",
        "files",
        "manifest_sha256",
    }
)
EMBEDDER_FIELDS = frozenset({"name", "fingerprint", "class"})
LEXICAL_FIELDS = frozenset({"type", "k1", "b", "tokenizer", "vocabulary_size"})
TOPIC_FIELDS = frozenset({"areas", "documents_sha256"})
#: The only tokenizer the BM25 side has.
TOKENIZER = "pythainlp-newmm"
_VERSION_TEXT = re.compile(r"[0-9A-Za-z.+_-]{1,40}")


def _fields(root: Path, where: str, value: Mapping[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(set(value) - allowed)
    if extra:
        raise _bad(root, f"{where} has fields plansearch never writes: {extra!r:.80}")


def check_index_manifest(manifest: Mapping[str, Any], root: Path) -> IndexManifest:
    """Validate the fields :class:`~plansearch.PlanIndex` writes (types, ranges, and no
    field it never writes). What the data files also say (BM25 parameters, the dense
    configuration, the array shapes) is compared with them when they are read
    (:meth:`~plansearch.search.stores.local.LocalStore.load`)."""
    _fields(root, "the manifest", manifest, MANIFEST_FIELDS)
    version = manifest.get("plansearch_version")
    if not isinstance(version, str) or not _VERSION_TEXT.fullmatch(version):
        raise _bad(root, f"plansearch_version {version!r:.40} is not a version")
    created = manifest.get("created_at")
    if not isinstance(created, str) or not _ISO_TIME.fullmatch(created):
        raise _bad(root, f"created_at {created!r:.40} is not an ISO 8601 time")
    emb = manifest.get("embedder")
    if not isinstance(emb, dict):
        raise _bad(root, "manifest field 'embedder' is missing")
    _fields(root, "embedder", emb, EMBEDDER_FIELDS)
    if not isinstance(emb.get("class", ""), str):
        raise _bad(root, "the embedder's class is not a string")
    name, fp = emb.get("name"), emb.get("fingerprint")
    if not isinstance(name, str) or not isinstance(fp, str) or not name or not fp:
        raise _bad(root, "the embedder's name/fingerprint are not strings")
    dim, count = manifest.get("dimension"), manifest.get("count")
    if not _int(dim, 1, MAX_DIMENSION):
        raise _bad(root, f"dimension {dim!r:.40} is not an integer in 1–{MAX_DIMENSION}")
    if not _int(count, 0, 2**40):
        raise _bad(root, f"count {count!r:.40} is not a section count")
    dense = manifest.get("dense")
    if not isinstance(dense, dict) or not isinstance(dense.get("type"), str):
        raise _bad(root, "manifest field 'dense' is missing or has no type")
    lex = manifest.get("lexical")
    if not isinstance(lex, dict) or lex.get("type") != "bm25":
        raise _bad(root, "manifest field 'lexical' is missing or not bm25")
    _fields(root, "lexical", lex, LEXICAL_FIELDS)
    if lex.get("tokenizer", TOKENIZER) != TOKENIZER:
        raise _bad(root, f"tokenizer {lex.get('tokenizer')!r:.40} is not {TOKENIZER!r}")
    k1, b, vocab = lex.get("k1"), lex.get("b"), lex.get("vocabulary_size")
    if not (finite_number(k1) and finite_number(b) and 0 < float(k1) <= 100):  # type: ignore[arg-type]
        raise _bad(root, "BM25 parameters k1/b are not finite numbers")
    if not 0 <= float(b) <= 1:  # type: ignore[arg-type]
        raise _bad(root, f"BM25 b={b} is outside 0–1")
    if not _int(vocab, 0, 2**31 - 1):
        raise _bad(root, f"vocabulary_size {vocab!r:.40} is not a count")
    if manifest.get("format_version", 2) >= 2 and "fusion" not in manifest:
        raise _bad(root, "manifest field 'fusion' is missing")
    fusion = manifest.get("fusion", DEFAULT_FUSION)
    if fusion not in FUSIONS:
        raise _bad(root, f"fusion {fusion!r:.40} is not one of {FUSIONS}")
    topics = _check_topics(manifest.get("topics", {}), root)
    return IndexManifest(
        embedder_name=name,
        embedder_fingerprint=fp,
        dimension=int(dim),  # type: ignore[arg-type]
        count=int(count),  # type: ignore[arg-type]
        dense=dict(dense),
        k1=float(k1),  # type: ignore[arg-type]
        b=float(b),  # type: ignore[arg-type]
        vocabulary_size=int(vocab),  # type: ignore[arg-type]
        fusion=str(fusion),
        topics=topics,
    )


def _check_topics(raw: object, root: Path) -> dict[str, tuple[int, str]]:
    """The manifest's ``topics`` field: reference name → (areas, documents sha256)."""
    if not isinstance(raw, dict):
        raise _bad(root, "manifest field 'topics' is not an object")
    out: dict[str, tuple[int, str]] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not TOPIC_NAME.fullmatch(name):
            raise _bad(root, f"topics: {name!r:.40} is not a reference name")
        if not isinstance(spec, dict):
            raise _bad(root, f"topics[{name!r}] is not an object")
        _fields(root, f"topics[{name!r}]", spec, TOPIC_FIELDS)
        areas, digest = spec.get("areas"), spec.get("documents_sha256")
        if not _int(areas, 2, MAX_AREAS):
            raise _bad(
                root, f"topics[{name!r}]: areas {areas!r:.40} is not a count of 2–{MAX_AREAS}"
            )
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise _bad(root, f"topics[{name!r}]: documents_sha256 is not a sha256")
        out[name] = (int(areas), digest)  # type: ignore[arg-type]
    return out


def check_lexical_arrays(
    arrays: Mapping[str, tuple[tuple[int, ...], Any]],
    root: Path,
    *,
    documents: int,
    text_bytes: int,
) -> None:
    """The shapes of ``lexical.npz`` (from :func:`~.storage.npz_arrays`, nothing loaded)
    against the manifest: one row pointer per section, and no more term counts than
    ``sections.jsonl`` has characters (each counted term is at least one of them)."""
    want = {"data", "indices", "indptr", "shape", "params"}
    if set(arrays) != want:
        raise _bad(root, f"lexical.npz holds {sorted(arrays)}, not {sorted(want)}")
    shapes = {name: shape for name, (shape, _dtype) in arrays.items()}
    if shapes["indptr"] != (documents + 1,) or shapes["shape"] != (2,) or shapes["params"] != (2,):
        raise _bad(root, f"lexical.npz: array shapes {shapes} disagree with {documents} sections")
    nnz = shapes["data"]
    if len(nnz) != 1 or shapes["indices"] != nnz or nnz[0] > max(text_bytes, 0):
        raise _bad(root, f"lexical.npz: {nnz} term counts for {text_bytes} bytes of sections")


def read_topics(
    fh: IO[bytes], root: Path, spec: Mapping[str, tuple[int, str]], dimension: int
) -> dict[str, AreaVectors]:
    """The service-area vectors of ``topics.npz``: one finite float32 ``(areas,
    dimension)`` array per reference the manifest names, nothing else."""
    headers = npz_arrays(fh, root / "topics.npz", root)
    if set(headers) != set(spec):
        raise _bad(root, "topics.npz does not hold the references the manifest names")
    for name, (areas, _digest) in spec.items():
        if headers[name] != ((areas, dimension), np.dtype(np.float32)):
            raise _bad(
                root, f"topics.npz: {name!r} is not a finite {areas}×{dimension} float32 array"
            )
    try:
        with np.load(fh, allow_pickle=False) as z:
            names = set(z.files)
            arrays = {n: np.asarray(z[n]) for n in spec if n in names}
    except Exception as exc:  # zip/npy/format errors of every kind: all mean "damaged"
        raise _bad(root, f"topics.npz cannot be read ({type(exc).__name__})") from exc
    if names != set(spec):
        raise _bad(root, "topics.npz does not hold the references the manifest names")
    out: dict[str, AreaVectors] = {}
    for name, (areas, digest) in spec.items():
        v = arrays[name]
        if v.dtype != np.float32 or v.shape != (areas, dimension) or not np.isfinite(v).all():
            raise _bad(
                root, f"topics.npz: {name!r} is not a finite {areas}×{dimension} float32 array"
            )
        out[name] = AreaVectors(name, digest, v)
    return out


def _section(record: object) -> Section:
    """A Section from one JSON record, every field type-checked."""
    if not isinstance(record, dict):
        raise ValueError("a record is not a JSON object")
    for key in ("id", "kind", "level", "title", "text"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"field {key!r} is not a string")
    if not record["id"]:
        raise ValueError("empty section id")
    if record["kind"] not in KINDS or record["level"] not in LEVELS:
        raise ValueError("unknown kind or level")
    for key in _OPTIONAL_TEXT:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"field {key!r} is not a string")
    path = record.get("path", "")
    if not isinstance(path, str):
        raise ValueError("field 'path' is not a string")
    span = record.get("span")
    if span is not None and not (
        isinstance(span, list) and len(span) == 2 and all(_int(x, 0, 2**62) for x in span)
    ):
        raise ValueError("field 'span' is not two character offsets")
    return Section(
        id=record["id"],
        kind=record["kind"],
        level=record["level"],
        title=record["title"],
        text=record["text"],
        number=record.get("number"),
        parent_id=record.get("parent_id"),
        org=record.get("org"),
        province=record.get("province"),
        source=record.get("source"),
        span=None if span is None else (int(span[0]), int(span[1])),
        path=path,
    )


def read_sections(fh: IO[bytes], where: Path, root: Path, count: int) -> list[Section]:
    """Sections from ``sections.jsonl`` (one per line); exactly ``count``, unique ids."""
    out: list[Section] = []
    for lineno, raw in enumerate(fh, 1):
        if not raw.strip():
            continue
        if len(out) >= count:
            raise _bad(root, f"{where} holds more than the manifest's {count} sections")
        try:
            out.append(_section(json.loads(raw.decode("utf-8"))))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _bad(root, f"{where}:{lineno}: not a valid section record ({exc})") from exc
    if len(out) != count:
        raise _bad(root, f"files disagree: {where} holds {len(out)} sections, manifest {count}")
    if len({s.id for s in out}) != len(out):
        raise _bad(root, f"{where} holds the same section id twice")
    return out
