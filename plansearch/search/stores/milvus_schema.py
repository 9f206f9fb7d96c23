"""Milvus's low layer: URIs, connections, names, schemas, safe filter expressions, term ids.

The layer under :class:`~plansearch.search.stores.milvus.MilvusStore` (the one way
plansearch uses Milvus: the whole index in the database). One plansearch index named
``NAME`` is two Milvus collections:

* ``plansearch_NAME`` — one row per section: ``id`` (primary key), ``dense`` (the
  embedding, inner product), ``sparse`` (BM25 document weights, see below), the
  filter fields ``org`` / ``province`` (canonical spelling), ``level``, ``kind``,
  ``source`` (the plan), ``dl`` / ``avgdl`` (document length and the average length
  the weights were computed with) and ``section`` (the whole Section as JSON).
* ``plansearch_NAME__meta`` — the manifest (embedder fingerprint, BM25 parameters),
  corpus statistics (documents, total length), document frequency of every term and
  the distinct values of each filter field.

BM25 terms are the words :func:`plansearch.search.bm25.tokenize` gives (PyThaiNLP
newmm + compound parts), numbered by a hash (:func:`term_id`) so that every writer
numbers them alike without a shared vocabulary.

>>> collection_name("default")
'plansearch_default'
>>> literal('อบต."โขมง"')
'"อบต.\\\\"โขมง\\\\""'
>>> where_expression({"org": frozenset(["อบต.โขมง"]), "kind": frozenset(["goal", None])})
'(kind in ["", "goal"]) and (org in ["อบต.โขมง"])'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ...errors import InputError, PlanSearchError, VectorStoreError

#: Version of the collection layout; a newer one raises ``IndexFormatError``.
FORMAT: int = 1
#: Term ids are ``hash(term) mod TERM_SPACE`` (Milvus sparse indices are uint32 < 2³²-1).
TERM_SPACE: int = 2**32 - 2
#: Stands in for "no words" (Milvus rejects an all-zero sparse vector); never queried.
EMPTY_TERM: int = 2**32 - 2
#: Milvus's largest ``limit`` for one search.
MAX_TOPK: int = 16_384
#: Longest VARCHAR Milvus stores (bytes).
MAX_VARCHAR: int = 65_535
#: Rows per insert / ids per ``in [...]`` query.
BATCH: int = 1_000
#: Environment variable holding a server's token (``user:password`` or an API key).
TOKEN_ENV: str = "PLANSEARCH_MILVUS_TOKEN"
#: Seconds to wait for a server before giving up.
CONNECT_TIMEOUT: float = 10.0

SECTION_FIELDS: tuple[str, ...] = ("org", "province", "level", "kind", "source")
_NAME_OK = re.compile(r"^[A-Za-z0-9_]{1,120}$")
_REMOTE_SCHEMES = ("http", "https", "tcp", "grpc", "unix")


def term_id(term: str) -> int:
    """The sparse-vector index of a BM25 term (stable across processes and machines).

    >>> term_id("ถนน") == term_id("ถนน") != term_id("ประปา")
    True
    """
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % TERM_SPACE


def collection_name(name: str) -> str:
    """The Milvus collection for index ``name`` (ASCII letters, digits, ``_``).

    A name Milvus cannot take as is (Thai, ``-``, too long) gets a short hash, so
    distinct names never share a collection.

    >>> collection_name("ดัชนี-ทดลอง").startswith("plansearch_")
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError("ชื่อดัชนีว่าง / the index name is empty; e.g. --name default")
    name = name.strip()
    if _NAME_OK.match(name):
        return f"plansearch_{name}"
    safe = re.sub(r"[^A-Za-z0-9_]", "_", name)[:60].strip("_")
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return f"plansearch_{safe}_{digest}" if safe else f"plansearch_{digest}"


def meta_name(collection: str) -> str:
    return f"{collection}__meta"


def check_uri(uri: object) -> str:
    """Validate a Milvus URI: a Milvus Lite file (``*.db``) or ``http(s)://host:port``.

    Raises :class:`~plansearch.errors.VectorStoreError` naming what is wrong.
    """
    if not isinstance(uri, str | Path) or not str(uri).strip():
        raise VectorStoreError(
            "ไม่ได้ระบุที่อยู่ฐานข้อมูล / no Milvus URI given: use a Milvus Lite file such as "
            "indexes/plans.db or a server such as http://localhost:19530"
        )
    text = str(uri).strip()
    parsed = urlparse(text)
    if parsed.scheme in _REMOTE_SCHEMES:
        if parsed.scheme != "unix" and not parsed.hostname:
            raise VectorStoreError(f"Milvus URI {text!r} has no host; e.g. http://localhost:19530")
        return text
    if "://" in text:
        raise VectorStoreError(
            f"ไม่รู้จักที่อยู่ / unsupported Milvus URI scheme {parsed.scheme!r} in {text!r}; "
            "use http://host:19530 (a Milvus server) or a path ending in .db (Milvus Lite)"
        )
    path = Path(text)
    if path.suffix != ".db":
        raise VectorStoreError(
            f"{text!r} is not a Milvus URI: a Milvus Lite database is a path ending in .db "
            "(e.g. indexes/plans.db); a server is http://host:19530"
        )
    if not path.parent.exists():
        raise VectorStoreError(
            f"ไม่พบโฟลเดอร์ / the folder {str(path.parent)!r} for Milvus Lite file {text!r} "
            "does not exist; create it first"
        )
    return str(path)


def is_lite(uri: object) -> bool:
    """Whether ``uri`` names a Milvus Lite database (a local ``.db`` path), not a server."""
    return "://" not in str(uri)


def connect(uri: object, *, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``pymilvus.MilvusClient`` for ``uri`` (Milvus Lite starts itself for a ``.db`` path)."""
    text = check_uri(uri)
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise VectorStoreError(
            "ต้องติดตั้ง pymilvus / the Milvus store needs pymilvus and milvus-lite: "
            "pip install 'plansearch[milvus]'"
        ) from exc
    token = os.environ.get(TOKEN_ENV, "")
    try:
        if token and not is_lite(text):
            return MilvusClient(uri=text, token=token, timeout=timeout)
        return MilvusClient(uri=text, timeout=timeout)
    except Exception as exc:  # grpc / Milvus / OS errors: all mean "cannot use this URI"
        raise VectorStoreError(
            f"เชื่อมต่อฐานข้อมูลเวกเตอร์ไม่ได้ / cannot connect to Milvus at {text!r}: {_first_line(exc)}"
        ) from exc


@contextmanager
def calls(what: str) -> Iterator[None]:
    """Turn a failing Milvus call into :class:`VectorStoreError` saying what was attempted."""
    try:
        yield
    except PlanSearchError:
        raise
    except Exception as exc:
        raise VectorStoreError(
            f"ฐานข้อมูลเวกเตอร์ผิดพลาด / Milvus failed while {what}: {_first_line(exc)}"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


# --------------------------------------------------------------------- expressions
def literal(value: str) -> str:
    """``value`` as a Milvus string literal: double quotes, ``\\`` and ``"`` escaped.

    Values are never pasted into an expression any other way, so a value such as
    ``x" or org != "`` stays one string.
    """
    if not isinstance(value, str):
        raise InputError(f"filter values must be strings, not {type(value).__name__}")
    if "\x00" in value:
        raise InputError("a filter value cannot contain a NUL character")
    return json.dumps(value, ensure_ascii=False)


def stored(value: str | None) -> str:
    """How a field value is stored: ``None`` (unset) as ``""``."""
    return "" if value is None else value


def where_expression(spec: Mapping[str, frozenset[str | None]]) -> str:
    """A Milvus boolean expression for a normalised ``where`` (see ``normalise_where``).

    Fields are ANDed; the values of one field are ORed (``in [...]``). An empty spec
    gives ``""`` (no filter).
    """
    parts = []
    for field in sorted(spec):
        if field not in SECTION_FIELDS:
            raise InputError(f"unknown filter field {field!r}")
        values = sorted({stored(v) for v in spec[field]})
        parts.append(f"({field} in [{', '.join(literal(v) for v in values)}])")
    return " and ".join(parts)


# -------------------------------------------------------------------------- schemas
def section_schema(client: Any, dimension: int) -> Any:
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=512)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=int(dimension))
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    for field in SECTION_FIELDS:
        s.add_field(field, DataType.VARCHAR, max_length=2048)
    s.add_field("dl", DataType.INT64)
    s.add_field("avgdl", DataType.DOUBLE)
    s.add_field("section", DataType.VARCHAR, max_length=MAX_VARCHAR)
    return s


def section_index_params(client: Any, dense: Mapping[str, Any] | None = None) -> Any:
    """Index parameters; ``dense`` is e.g. ``{"index_type": "HNSW", "params": {"M": 16}}``."""
    p = client.prepare_index_params()
    spec = dict(dense or {"index_type": "AUTOINDEX"})
    p.add_index(
        "dense",
        index_type=spec.get("index_type", "AUTOINDEX"),
        metric_type="IP",
        params=dict(spec.get("params", {})),
    )
    p.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    for field in SECTION_FIELDS:
        p.add_index(field, index_type="INVERTED")
    return p


def meta_schema(client: Any) -> Any:
    """Bookkeeping rows: ``key`` → (``kind``, ``field``, ``value``, ``count``).

    Milvus wants a vector field in every collection; ``v`` is a constant ``[1, 0]``.
    """
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=4096)
    s.add_field("kind", DataType.VARCHAR, max_length=32)
    s.add_field("field", DataType.VARCHAR, max_length=64)
    s.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("count", DataType.INT64)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    return s


def meta_index_params(client: Any) -> Any:
    p = client.prepare_index_params()
    p.add_index("v", index_type="FLAT", metric_type="L2")
    p.add_index("kind", index_type="INVERTED")
    return p


def meta_row(key: str, kind: str, *, field: str = "", value: str = "", count: int = 0) -> dict:
    if len(value.encode("utf-8")) > MAX_VARCHAR:
        raise InputError(f"{kind} {key!r} is too long to store in Milvus")
    return {
        "key": key,
        "kind": kind,
        "field": field,
        "value": value,
        "count": int(count),
        "v": [1.0, 0.0],
    }


def term_key(term: int) -> str:
    return f"t:{term}"


def value_key(field: str, value: str) -> str:
    return f"v:{field}:{hashlib.sha1(value.encode('utf-8')).hexdigest()}"
