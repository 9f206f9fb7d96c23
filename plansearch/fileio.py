"""Durable file writing and checksums: the one place plansearch does either.

* :func:`sha256_file` / :func:`sha256_stream` — hex SHA-256 of a file, read in 1 MiB
  blocks (index manifests, model metadata).
* :func:`atomic_write_bytes` / :func:`atomic_write_text` / :func:`atomic_writer` — write
  to a temporary file *in the same directory*, flush and ``fsync`` it, then
  ``os.replace`` it over the target: a reader sees the old file or the new one, never
  half of either, and a crash leaves at most a ``.NAME.tmp-*`` file behind.
* :func:`fsync_dir` — make a rename durable (best effort; not every platform allows it).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = atomic_write_text(d / "CURRENT", "v-1\\n")
>>> (d / "CURRENT").read_text(encoding="utf-8")
'v-1\\n'
>>> sha256_file(d / "CURRENT")[:12]
'28030f3504c3'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

#: Read size for hashing.
BLOCK: int = 1 << 20


def sha256_stream(fh: IO[bytes]) -> str:
    """Hex SHA-256 of everything left in the binary file object ``fh``."""
    h = hashlib.sha256()
    for block in iter(lambda: fh.read(BLOCK), b""):
        h.update(block)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at ``path``."""
    with open(path, "rb") as fh:
        return sha256_stream(fh)


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """``fsync`` a directory so renames inside it survive a power cut (best effort)."""
    with contextlib.suppress(OSError):  # not supported on every platform/filesystem
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: str | os.PathLike[str]) -> None:
    """``fsync`` an already written file."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def temp_name(path: str | os.PathLike[str]) -> Path:
    """A fresh temporary name next to ``path``: ``.NAME.tmp-<random>``."""
    p = Path(path)
    return p.with_name(f".{p.name}.tmp-{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[IO[bytes]]:
    """Open a temporary binary file; on a clean exit it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left untouched.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> with atomic_writer(p) as fh:
    ...     _ = fh.write(b"ok")
    >>> p.read_bytes()
    b'ok'
    """
    target = Path(path)
    tmp = temp_name(target)
    fh = open(tmp, "xb")  # closed below on every path
    try:
        yield fh
        fh.flush()
        if durable:
            os.fsync(fh.fileno())
        fh.close()
        os.replace(tmp, target)
    except BaseException:
        fh.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> Path:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, durable=durable) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8", durable: bool = True
) -> Path:
    """Replace ``path`` with ``text`` atomically (see :func:`atomic_writer`)."""
    return atomic_write_bytes(path, text.encode(encoding), durable=durable)


def atomic_write_file(
    path: str | os.PathLike[str], write: Callable[[Path], None], *, mode: int = 0o644
) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    For writers that want a path (openpyxl, matplotlib, ONNX export): a crash or an
    exception never leaves a half-written file at ``path``; parents are created.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "out.txt"
    >>> atomic_write_file(p, lambda t: t.write_text("ok")).read_text()
    'ok'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target
