"""An on-disk cache of embedding vectors, keyed by embedder fingerprint, role and text.

Framework and target texts (national strategies, master plans, SDGs, the budget
programmes …) are the same on every run, so ``align`` keeps their vectors here and
a cold CLI start no longer re-embeds them. Layout (no pickle anywhere)::

    $PLANSEARCH_HOME/embeddings/          (or ~/.cache/plansearch/embeddings)
        <sha256(fingerprint)[:24]>/        one folder per model (+ adapter)
            <shard>.npy                    float32 (n, dim) vectors
            <shard>.json                   index: fingerprint, kind, dim, keys, sha256

A shard is written as a temporary file and renamed into place, ``.npy`` first and
its ``.json`` last (the commit marker), under a fresh random name, so processes
writing at the same time never touch each other's files and readers only see
complete shards. A shard whose index or vectors are damaged (bad JSON, wrong
checksum, wrong shape, missing file) is ignored and removed; the texts are simply
embedded again. The whole cache is bounded (:data:`DEFAULT_MAX_BYTES`, least
recently used shards go first) and a model's shards are merged when they pile up.

``PLANSEARCH_EMBED_CACHE=off`` disables it; ``PLANSEARCH_EMBED_CACHE=/some/dir``
moves it.

>>> from plansearch.embed import Embedder
>>> from plansearch.embed.cache import encode_cached
>>> v = encode_cached(Embedder(), ["ยุทธศาสตร์ชาติด้านความมั่นคง"], "passage")  # doctest: +SKIP
>>> v.shape                                                                   # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import KIND_PASSAGE, KIND_QUERY, BaseEmbedder

log = logging.getLogger(__name__)

#: Environment variable: ``off``/``0``/``no`` disables the cache, a path moves it.
CACHE_ENV = "PLANSEARCH_EMBED_CACHE"
#: Upper bound of the whole cache on disk (bytes); oldest-used shards are removed first.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: A model folder with more shards than this is merged into one shard.
MAX_SHARDS = 32
#: Shard index format version.
FORMAT = 1
#: A miss of at least this many texts is a first run's (framework vectors being
#: computed): said once, in one line (:mod:`.firstrun`).
FIRST_RUN_TEXTS = 50
#: Fingerprints of embedders too cheap to be worth caching (prefixes).
UNCACHED_PREFIXES = ("hashing-",)

_OFF = {"0", "off", "no", "false", "none", "disable", "disabled"}


def default_cache_dir() -> Path | None:
    """Where vectors are cached, or ``None`` when ``PLANSEARCH_EMBED_CACHE=off``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in _OFF:
        return None
    if env:
        return Path(env).expanduser()
    home = os.environ.get("PLANSEARCH_HOME")
    if home:
        return Path(home).expanduser() / "embeddings"
    return Path.home() / ".cache" / "plansearch" / "embeddings"


def text_key(kind: str, text: str) -> str:
    """Key of one text in one role (whitespace folded as the embedders fold it)."""
    folded = " ".join(str(text).split())
    return hashlib.sha256(f"{kind}\n{folded}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class _Shard:
    name: str
    keys: tuple[str, ...]
    vectors: np.ndarray


class EmbeddingCache:
    """Vectors on disk under ``root``, keyed by fingerprint + role + text hash.

    >>> import tempfile, numpy as np
    >>> c = EmbeddingCache(tempfile.mkdtemp())
    >>> c.put("m:1", "passage", ["ถนน"], np.ones((1, 4), np.float32))
    >>> c.get("m:1", "passage", ["ถนน", "น้ำ"])[1] is None
    True
    """

    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._shards: dict[tuple[str, str], _Shard] = {}  # (folder, shard name) → shard

    # ----------------------------------------------------------------- paths

    def folder(self, fingerprint: str) -> Path:
        """The folder holding one fingerprint's shards."""
        return self.root / hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:24]

    # ----------------------------------------------------------------- reading

    def _read_shard(self, folder: Path, name: str, fingerprint: str) -> _Shard | None:
        meta_path, npy_path = folder / f"{name}.json", folder / f"{name}.npy"
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            raw = npy_path.read_bytes()
        except FileNotFoundError:
            if meta_path.exists() and not npy_path.exists():
                self._drop(folder, name, "its vectors are missing")
            return None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._drop(folder, name, f"unreadable index ({exc})")
            return None
        try:
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError("unknown format")
            if meta.get("fingerprint") != fingerprint:
                raise ValueError("fingerprint differs from its folder")
            if hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
                raise ValueError("checksum mismatch")
            keys = tuple(str(k) for k in meta["keys"])
            arr = np.load(io.BytesIO(raw), allow_pickle=False)
            if (
                arr.dtype != np.float32
                or arr.ndim != 2
                or arr.shape != (len(keys), int(meta["dim"]))
                or not np.isfinite(arr).all()
            ):
                raise ValueError(f"bad array {arr.dtype} {arr.shape}")
        except (KeyError, TypeError, ValueError, OSError, EOFError) as exc:
            self._drop(folder, name, str(exc))
            return None
        return _Shard(name, keys, arr)

    def _drop(self, folder: Path, name: str, why: str) -> None:
        log.warning("embedding cache: ignoring damaged shard %s/%s: %s", folder.name, name, why)
        for ext in (".json", ".npy"):
            try:
                (folder / f"{name}{ext}").unlink()
            except OSError:
                pass
        self._shards.pop((folder.name, name), None)

    def _load(self, fingerprint: str) -> list[_Shard]:
        folder = self.folder(fingerprint)
        try:
            names = sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))
        except OSError:
            return []
        out = []
        with self._lock:
            for stale in [k for k in self._shards if k[0] == folder.name and k[1] not in names]:
                del self._shards[stale]
            for name in names:
                key = (folder.name, name)
                shard = self._shards.get(key)
                if shard is None:
                    shard = self._read_shard(folder, name, fingerprint)
                    if shard is None:
                        continue
                    self._shards[key] = shard
                out.append(shard)
        return out

    def get(self, fingerprint: str, kind: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text, or ``None`` where there is none."""
        wanted = [text_key(kind, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        used: set[str] = set()
        need = set(wanted)
        for shard in self._load(fingerprint):
            for row, k in enumerate(shard.keys):
                if k in need and k not in found:
                    found[k] = shard.vectors[row]
                    used.add(shard.name)
        folder = self.folder(fingerprint)
        for name in used:  # least-recently-used eviction reads these times
            try:
                os.utime(folder / f"{name}.json")
            except OSError:
                pass
        return [found.get(k) for k in wanted]

    # ----------------------------------------------------------------- writing

    def put(self, fingerprint: str, kind: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (one row per text) for ``texts`` in role ``kind``."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or len(vecs) != len(texts):
            raise ValueError(f"{len(texts)} texts but vectors of shape {vecs.shape}")
        if not len(texts):
            return
        keys = [text_key(kind, t) for t in texts]
        self._write_shard(self.folder(fingerprint), fingerprint, kind, keys, vecs)
        self._maybe_merge(fingerprint)
        self._enforce_bound()

    def _write_shard(
        self, folder: Path, fingerprint: str, kind: str, keys: list[str], vecs: np.ndarray
    ) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}"
        buf = io.BytesIO()
        np.save(buf, vecs, allow_pickle=False)
        raw = buf.getvalue()
        meta = {
            "format": FORMAT,
            "fingerprint": fingerprint,
            "kind": kind,
            "dim": int(vecs.shape[1]),
            "count": len(keys),
            "keys": keys,
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
        _atomic_write(folder / f"{name}.npy", raw)
        _atomic_write(folder / f"{name}.json", json.dumps(meta).encode("utf-8"))
        return name

    def _maybe_merge(self, fingerprint: str) -> None:
        shards = self._load(fingerprint)
        if len(shards) <= MAX_SHARDS:
            return
        keys: list[str] = []
        rows: list[np.ndarray] = []
        seen: set[str] = set()
        for shard in shards:
            for row, k in enumerate(shard.keys):
                if k not in seen:
                    seen.add(k)
                    keys.append(k)
                    rows.append(shard.vectors[row])
        folder = self.folder(fingerprint)
        self._write_shard(folder, fingerprint, "mixed", keys, np.stack(rows))
        for shard in shards:  # the merged shard is in place first: readers lose nothing
            for ext in (".json", ".npy"):
                try:
                    (folder / f"{shard.name}{ext}").unlink()
                except OSError:
                    pass

    def _enforce_bound(self) -> None:
        entries = []
        total = 0
        try:
            for meta in self.root.glob("*/*.json"):
                try:
                    st_meta = meta.stat()
                    size = st_meta.st_size + meta.with_suffix(".npy").stat().st_size
                except OSError:
                    continue
                total += size
                entries.append((st_meta.st_mtime, size, meta))
        except OSError:
            return
        if total <= self.max_bytes:
            return
        for _, size, meta in sorted(entries, key=lambda e: e[0]):
            for path in (meta, meta.with_suffix(".npy")):
                try:
                    path.unlink()
                except OSError:
                    pass
            total -= size
            if total <= self.max_bytes * 0.8:
                break

    def size_bytes(self) -> int:
        """Bytes the cache occupies on disk."""
        return sum(p.stat().st_size for p in self.root.glob("*/*") if p.is_file())

    def clear(self) -> None:
        """Remove every cached vector."""
        with self._lock:
            self._shards.clear()
        for p in self.root.glob("*/*"):
            try:
                p.unlink()
            except OSError:
                pass


def _atomic_write(path: Path, data: bytes) -> None:
    from ..fileio import atomic_write_bytes

    atomic_write_bytes(path, data, durable=False)


_CACHES: dict[str, EmbeddingCache] = {}
_CACHES_LOCK = threading.Lock()
_WARNED: set[str] = set()


def default_cache() -> EmbeddingCache | None:
    """The process-wide cache at :func:`default_cache_dir` (``None`` when disabled)."""
    root = default_cache_dir()
    if root is None:
        return None
    with _CACHES_LOCK:
        key = str(root)
        if key not in _CACHES:
            _CACHES[key] = EmbeddingCache(root)
        return _CACHES[key]


def encode_cached(
    emb: BaseEmbedder,
    texts: Sequence[str],
    kind: str = KIND_PASSAGE,
    *,
    cache: EmbeddingCache | str | None = "default",
) -> np.ndarray:
    """``emb.encode(texts, kind=kind)``, reusing vectors cached on disk.

    Only texts missing from the cache are embedded (then stored). A cache that
    cannot be read or written is skipped with a warning: the vectors are always
    returned. Cheap embedders (``hashing``) are never cached.
    """
    if kind not in (KIND_QUERY, KIND_PASSAGE):
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
    items = list(texts)
    store = default_cache() if isinstance(cache, str) else cache
    if store is None or not items:
        return emb.encode(items, kind=kind, show_progress=False)
    fp = emb.fingerprint
    if fp.startswith(UNCACHED_PREFIXES):
        return emb.encode(items, kind=kind, show_progress=False)
    try:
        got = store.get(fp, kind, items)
    except OSError as exc:  # pragma: no cover - an unreadable cache folder
        _warn(store, f"cannot read {store.root} ({exc})")
        return emb.encode(items, kind=kind, show_progress=False)
    missing = list(dict.fromkeys(t for t, v in zip(items, got, strict=True) if v is None))
    fresh: dict[str, np.ndarray] = {}
    if missing:
        from .seed import seeded  # the built-in frameworks' vectors ship with plansearch

        shipped = seeded(emb, missing, kind)
        fresh = {missing[i]: v for i, v in shipped.items()}
        rest = [t for t in missing if t not in fresh]
        if len(rest) >= FIRST_RUN_TEXTS:
            from .firstrun import FRAMEWORK_VECTORS, announce

            announce("framework-vectors", FRAMEWORK_VECTORS)
        if rest:
            fresh.update(zip(rest, emb.encode(rest, kind=kind, show_progress=False), strict=True))
        vecs = np.stack([fresh[t] for t in missing]).astype(np.float32)
        try:
            store.put(fp, kind, missing, vecs)
        except OSError as exc:
            _warn(store, f"cannot write {store.root} ({exc})")
    dim = next((v.shape[-1] for v in (*got, *fresh.values()) if v is not None), 0)
    out = np.empty((len(items), dim), dtype=np.float32)
    for i, (t, v) in enumerate(zip(items, got, strict=True)):
        out[i] = v if v is not None else fresh[t]
    return out


def _warn(store: EmbeddingCache, msg: str) -> None:
    if str(store.root) not in _WARNED:
        _WARNED.add(str(store.root))
        log.warning("embedding cache disabled for this run: %s", msg)
