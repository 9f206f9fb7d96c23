"""Index directories: a manifest with checksums, written atomically.

Layout of an index directory (no pickle anywhere)::

    indexes/default/
        manifest.json     format/plansearch versions, embedder, dimension, count,
                          dense index type, created_at, sha256 of every file below,
                          and the sha256 of the manifest itself
        sections.jsonl    one Section per line, row i = FAISS id i
        dense.faiss       FAISS index (faiss.write_index); also the vector store
        lexical.npz       BM25 term counts (CSR arrays, np.savez, allow_pickle=False)
        vocab.json        BM25 vocabulary (column j = vocab[j])

Saving writes everything into a temporary sibling directory, fsyncs, then renames
it into place; an existing index is moved aside first and deleted only after the
new one is in place. A crash mid-save leaves the previous index (or nothing) — never
a half-written directory under the target name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import IndexCorruptedError, IndexFormatError, IndexLoadError, InputError

#: Version of the on-disk layout this code writes (and the newest it can read).
FORMAT_VERSION: int = 1
MANIFEST = "manifest.json"
SECTIONS_FILE = "sections.jsonl"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest_digest(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not supported on every platform/filesystem
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_index_dir(
    target: str | Path, write_files: Callable[[Path], list[str]], manifest: dict[str, Any]
) -> Path:
    """Atomically create/replace the index directory ``target``.

    ``write_files(tmpdir)`` writes the data files and returns their names; this
    function adds checksums and ``manifest.json`` and moves the result into place.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target} exists and is not a directory; choose another output path")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise InputError(
            f"{target} is a non-empty directory that is not a plansearch index; "
            "refusing to overwrite it — choose another output path"
        )
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = parent / f".{target.name}.tmp-{tag}"
    old = parent / f".{target.name}.old-{tag}"
    tmp.mkdir()
    try:
        names = write_files(tmp)
        files = {}
        for name in names:
            p = tmp / name
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
            files[name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        full = {
            "format_version": FORMAT_VERSION,
            "plansearch_version": __version__,
            **manifest,
            "files": files,
        }
        full["manifest_sha256"] = _manifest_digest(full)
        with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
            json.dump(full, fh, ensure_ascii=False, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():
            os.replace(old, target)  # put the previous index back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


class DirFiles:
    """Files of an index directory, opened for reading on request (closed by :meth:`close`)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._open: list[Any] = []

    def open(self, name: str) -> Any:
        fh = (self.directory / name).open("rb")
        self._open.append(fh)
        return fh

    def close(self) -> None:
        for fh in self._open:
            fh.close()
        self._open.clear()


def read_manifest(directory: str | Path, *, verify: bool = True) -> dict[str, Any]:
    """Read and check ``manifest.json`` (and, with ``verify``, every file's sha256).

    Raises :class:`IndexLoadError` (not an index), :class:`IndexFormatError` (written
    by a newer plansearch) or :class:`IndexCorruptedError` (edited or damaged files).
    """
    d = Path(directory)
    rebuild = "rebuild it with `plansearch index CORPUS --out " + str(d) + "`"
    mpath = d / MANIFEST
    if not d.is_dir():
        raise IndexLoadError(f"no index at {d}; build one with `plansearch index CORPUS --out {d}`")
    if not mpath.is_file():
        raise IndexCorruptedError(
            f"{d} has no {MANIFEST}: not a complete plansearch index; {rebuild}"
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptedError(f"{mpath} is not valid JSON ({exc}); {rebuild}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptedError(f"{mpath} is not a manifest object; {rebuild}")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise IndexCorruptedError(f"{mpath} has no valid format_version; {rebuild}")
    if version > FORMAT_VERSION:
        raise IndexFormatError(
            f"{d} uses index format {version}, written by plansearch "
            f"{manifest.get('plansearch_version', '?')}; this plansearch ({__version__}) reads "
            f"format ≤ {FORMAT_VERSION}. Upgrade plansearch (`pip install -U plansearch`) "
            f"or {rebuild}"
        )
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise IndexCorruptedError(f"{mpath} was modified after it was written; {rebuild}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorruptedError(f"{mpath} lists no files; {rebuild}")
    if verify:
        for name, info in files.items():
            p = d / name
            if Path(name).name != name or not p.is_file():
                raise IndexCorruptedError(f"{p} is missing; {rebuild}")
            if sha256_file(p) != info.get("sha256"):
                raise IndexCorruptedError(
                    f"{p} does not match its checksum in {MANIFEST} (damaged or edited); {rebuild}"
                )
    return manifest
