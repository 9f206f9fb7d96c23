"""Index directories: versioned, checksummed, switched atomically, read consistently.

Layout (format 2; no pickle anywhere)::

    indexes/default/
        CURRENT              "v-3" — the version readers open (replaced atomically)
        v-3/
            manifest.json    format/plansearch versions, embedder, dimension, count,
                             dense backend + parameters, created_at, sha256 and size of
                             every file below, and the sha256 of the manifest itself
            sections.jsonl   one Section per line, row i = dense row i
            dense.faiss      the dense backend's files (FAISS: its index = vector store)
            lexical.npz      BM25 term counts (CSR arrays, np.savez, allow_pickle=False)
            vocab.json       BM25 vocabulary (column j = vocab[j])

**Saving** (one writer at a time; it holds an ``flock`` on the directory where the
platform has one) writes a complete new version into ``.tmp-<random>/``, fsyncs it,
renames it to ``v-<n+1>/``, then replaces ``CURRENT`` through a temporary file and
``os.replace`` — the single atomic switch — and only then removes the older versions.
A save killed at any step leaves ``CURRENT`` naming a complete version (the old one
before the switch, the new one after it); its leftovers (``.tmp-*`` folders, a
``.CURRENT.tmp-*`` file, an unreferenced version) are removed by the next save, or by
the next load when no save is running.

**Loading** reads ``CURRENT``, opens the manifest and *every* file of that version,
and only then verifies checksums and parses — from the open handles, so a writer
removing the version afterwards cannot mix two versions. If the version disappears
before its files are open (a save switched and cleaned up in between), the load
retries with the new ``CURRENT`` (again only while ``CURRENT`` keeps moving; a version
missing twice in a row is reported as damaged).

**Format 1** (plansearch ≤ 0.x: the same files flat in the directory, no ``CURRENT``)
is still read, in memory and read-only; the next :meth:`PlanIndex.save` to that path
writes the versioned layout and then deletes the flat files.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import stat
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import IndexCorruptedError, IndexFormatError, IndexLoadError, InputError
from ..fileio import atomic_writer, fsync_dir, fsync_file, sha256_bytes, sha256_file, sha256_stream
from ..version import __version__

try:  # POSIX: one writer at a time, and loads clean up only while no save runs
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Version of the on-disk layout this code writes (and the newest it can read).
FORMAT_VERSION: int = 2
#: Oldest layout this code can still read (1 = flat directory, read-only migration).
MIN_FORMAT_VERSION: int = 1
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
SECTIONS_FILE = "sections.jsonl"
VERSION_PREFIX = "v-"
TEMP_PREFIX = ".tmp-"
#: A load whose version vanished (a save switched and removed it) re-reads ``CURRENT``
#: and tries again, as long as ``CURRENT`` names a new version each time, this often.
LOAD_ATTEMPTS: int = 4
#: A manifest larger than this is not one plansearch wrote.
MAX_MANIFEST_BYTES: int = 1 << 20

_VERSION_RE = re.compile(r"v-([1-9][0-9]{0,17})")
_SHA_RE = re.compile(r"[0-9a-f]{64}")

#: The steps of a save, in order; :data:`_after_step` is called after each (tests kill
#: the process there to prove every step leaves a loadable index).
SAVE_STEPS: tuple[str, ...] = (
    "locked",
    "tmp_created",
    "files_written",
    "manifest_written",
    "version_renamed",
    "pointer_written",
    "pointer_switched",
    "old_removed",
)
_after_step: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _after_step is not None:
        _after_step(name)


def _rebuild_hint(d: Path) -> str:
    return f"สร้างดัชนีใหม่ / rebuild it with `plansearch index CORPUS --out {d}`"


def _corrupt(what: str, d: Path) -> IndexCorruptedError:
    return IndexCorruptedError(f"ดัชนีเสียหาย / damaged index: {what}; {_rebuild_hint(d)}")


#: What a non-regular file is, for messages.
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def open_regular(path: Path, root: Path) -> IO[bytes]:
    """Open ``path`` for reading only if it is a regular file.

    The open never blocks (``O_NONBLOCK``: a FIFO in place of an index file would
    otherwise wait forever for a writer); the file's type is then checked on the open
    descriptor (``fstat``, so it cannot be swapped in between). Raises
    :class:`FileNotFoundError` when there is nothing at ``path`` (a save may have just
    removed it) and :class:`IndexCorruptedError` for anything that is not a regular
    file or cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _corrupt(f"cannot open {path} ({exc.strerror or exc})", root) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise _corrupt(f"{path} is {kind}, not a file", root)
        if fcntl is not None:  # regular files ignore O_NONBLOCK; clear it all the same
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest's canonical JSON without its own ``manifest_sha256``."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256_bytes(canon.encode("utf-8"))


_manifest_digest = manifest_digest  # older private name (tests)


# ------------------------------------------------------------------ pointer + lock


def read_pointer(root: Path) -> str | None:
    """The version ``CURRENT`` names (``"v-3"``), or ``None`` when there is no ``CURRENT``."""
    try:
        with open_regular(root / CURRENT, root) as fh:
            raw = fh.read(64)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise IndexLoadError(f"{root} is not a directory") from None
    except OSError as exc:
        raise IndexLoadError(
            f"อ่าน {root / CURRENT} ไม่ได้ / cannot read {root / CURRENT} ({exc})"
        ) from exc
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if not _VERSION_RE.fullmatch(name):
        raise _corrupt(f"{root / CURRENT} does not name a version (v-<n>)", root)
    return name


def _version_number(name: str) -> int | None:
    m = _VERSION_RE.fullmatch(name)
    return int(m.group(1)) if m else None


@contextlib.contextmanager
def _lock(root: Path, *, blocking: bool) -> Iterator[bool]:
    """Hold the writer lock on ``root``; yields ``False`` when it is not available."""
    if fcntl is None:
        yield blocking  # no locking here: a writer proceeds, a load does not clean up
        return
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        yield blocking
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _legacy_files(root: Path) -> list[Path]:
    """The flat (format 1) files in ``root``: its manifest and the files it lists."""
    mpath = root / MANIFEST
    if not mpath.is_file():
        return []
    names: set[str] = set()
    with contextlib.suppress(OSError, ValueError, RecursionError, IndexCorruptedError):
        with open_regular(mpath, root) as fh:
            files = json.loads(fh.read(MAX_MANIFEST_BYTES)).get("files", {})
        if isinstance(files, dict):
            names = {
                n
                for n in files
                if isinstance(n, str) and _safe_name(n) and _version_number(n) is None
            }
    return [root / n for n in sorted(names)] + [mpath]


def _leftovers(root: Path, current: str | None) -> list[Path]:
    """What a finished or killed save left behind in ``root`` (never ``current``)."""
    out: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return out
    for e in entries:
        stale_temp = e.name.startswith(TEMP_PREFIX) or e.name.startswith(f".{CURRENT}.tmp-")
        old_version = _version_number(e.name) is not None and e.name != current
        if stale_temp or old_version:
            out.append(Path(e.path))
    if current is not None:
        out.extend(p for p in _legacy_files(root) if p.exists())
    return out


def _remove(paths: list[Path]) -> None:
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()


def cleanup(root: str | Path) -> list[Path]:
    """Remove leftovers of killed or finished saves, if no save is running now.

    Returns what was removed (empty when another process holds the writer lock).
    """
    root = Path(root)
    with _lock(root, blocking=False) as locked:
        if not locked:
            return []
        found = _leftovers(root, read_pointer(root))
        _remove(found)
        return found


# -------------------------------------------------------------------------- writing


def _ours(name: str) -> bool:
    """A name this module creates inside an index directory."""
    return (
        name in (CURRENT, MANIFEST)
        or _version_number(name) is not None
        or name.startswith((TEMP_PREFIX, f".{CURRENT}.tmp-"))
    )


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InputError(
            f"{target} มีอยู่แล้วและไม่ใช่โฟลเดอร์ / exists and is not a directory; "
            "choose another output path"
        )
    names = [p.name for p in target.iterdir()] if target.is_dir() else []
    is_index = any(n in (CURRENT, MANIFEST) or _version_number(n) for n in names)
    if not is_index and not all(_ours(n) for n in names):  # only a killed first save's temps
        raise InputError(
            f"โฟลเดอร์นี้มีไฟล์อื่นอยู่ ไม่ใช่ดัชนี / {target} is a non-empty directory that is "
            "not a plansearch index; refusing to overwrite it — choose another output path"
        )


def write_index_dir(
    target: str | Path, write_files: Callable[[Path], list[str]], manifest: dict[str, Any]
) -> Path:
    """Write a new version of the index at ``target`` and switch ``CURRENT`` to it.

    ``write_files(tmpdir)`` writes the data files and returns their names; this
    function adds checksums and ``manifest.json``. Returns ``target``.
    """
    target = Path(target)
    _check_target(target)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        _write_version(target, write_files, manifest)
    except BaseException:
        if created:  # a failed first save leaves no empty folder behind
            with contextlib.suppress(OSError):
                target.rmdir()
        raise
    return target


def _write_version(
    target: Path, write_files: Callable[[Path], list[str]], manifest: dict[str, Any]
) -> None:
    with _lock(target, blocking=True):
        _step("locked")
        _remove(_leftovers(target, read_pointer(target)))
        _remove(sorted(target.parent.glob(f".{_glob_escape(target.name)}.tmp-*")))  # format 1
        tmp = target / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}"
        tmp.mkdir()
        _step("tmp_created")
        try:
            names = write_files(tmp)
            _step("files_written")
            files = {}
            for name in names:
                p = tmp / name
                fsync_file(p)
                files[name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
            full = {
                "format_version": FORMAT_VERSION,
                "plansearch_version": __version__,
                **manifest,
                "files": files,
            }
            full["manifest_sha256"] = manifest_digest(full)
            with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
                json.dump(full, fh, ensure_ascii=False, indent=2, sort_keys=True)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            fsync_dir(tmp)
            _step("manifest_written")
            version = _rename_to_next_version(tmp, target)
            fsync_dir(target)
            _step("version_renamed")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            with atomic_writer(target / CURRENT) as fh:
                fh.write(f"{version}\n".encode("ascii"))
                _step("pointer_written")
        except BaseException:
            shutil.rmtree(target / version, ignore_errors=True)
            raise
        _step("pointer_switched")
        _remove(_leftovers(target, version))
        _step("old_removed")


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _rename_to_next_version(tmp: Path, root: Path) -> str:
    numbers = [n for p in root.iterdir() if (n := _version_number(p.name)) is not None]
    n = max(numbers, default=0) + 1
    while True:
        name = f"{VERSION_PREFIX}{n}"
        try:
            os.rename(tmp, root / name)
            return name
        except OSError:
            if not (root / name).exists():
                raise
            n += 1


# -------------------------------------------------------------------------- reading


def _safe_name(name: str) -> bool:
    return (
        bool(name)
        and name not in (".", "..", MANIFEST, CURRENT)
        and Path(name).name == name
        and "\\" not in name
        and "\x00" not in name
        and not name.startswith(".")
    )


def _nonneg_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_manifest(manifest: object, where: Path, root: Path, *, layout: int) -> dict[str, Any]:
    """Validate the fields every index manifest has (format, checksums, file list)."""
    if not isinstance(manifest, dict):
        raise _corrupt(f"{where} is not a manifest object", root)
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _corrupt(f"{where}: format_version {version!r} is not an integer", root)
    if version > FORMAT_VERSION:
        raise IndexFormatError(
            f"ดัชนีนี้สร้างด้วย plansearch รุ่นใหม่กว่า / {root} uses index format {version}, "
            f"written by plansearch {manifest.get('plansearch_version', '?')!s:.40}; this "
            f"plansearch ({__version__}) reads formats {MIN_FORMAT_VERSION}–{FORMAT_VERSION}. "
            f"Upgrade plansearch (`pip install -U plansearch`) or {_rebuild_hint(root)}"
        )
    if version < MIN_FORMAT_VERSION:
        raise IndexFormatError(
            f"{root}: index format {version} is not one plansearch ever wrote "
            f"(supported: {MIN_FORMAT_VERSION}–{FORMAT_VERSION}); {_rebuild_hint(root)}"
        )
    if (layout == 1) != (version == 1):
        raise _corrupt(f"{where}: format {version} in a format-{layout} layout", root)
    if manifest.get("manifest_sha256") != manifest_digest(manifest):
        raise _corrupt(f"{where} was modified after it was written", root)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise _corrupt(f"{where} lists no files", root)
    for name, info in files.items():
        if not _safe_name(name):
            raise _corrupt(f"{where} lists an invalid file name {name!r:.60}", root)
        if not isinstance(info, dict) or not isinstance(info.get("sha256"), str):
            raise _corrupt(f"{where} has no checksum for {name}", root)
        if not _SHA_RE.fullmatch(info["sha256"]):
            raise _corrupt(f"{where}: the checksum of {name} is not a sha256", root)
        if "bytes" in info and not _nonneg_int(info["bytes"]):
            raise _corrupt(f"{where}: the size of {name} is not a byte count", root)
        if version >= 2 and "bytes" not in info:
            raise _corrupt(f"{where} has no size for {name}", root)
    return manifest


class IndexVersion:
    """One opened, verified version of an index: its manifest and open file handles.

    Use as a context manager (closes the files). :meth:`open` hands out a file
    *listed in the manifest*, rewound; any other name is a damaged index.
    """

    def __init__(
        self, root: Path, directory: Path, manifest: dict[str, Any], handles: dict[str, IO[bytes]]
    ) -> None:
        self.root = root
        self.directory = directory
        self.manifest = manifest
        self._handles = handles

    @property
    def format_version(self) -> int:
        return int(self.manifest["format_version"])

    def open(self, name: str) -> IO[bytes]:
        fh = self._handles.get(name)
        if fh is None:
            raise _corrupt(f"{self.directory / MANIFEST} does not list {name}", self.root)
        fh.seek(0)
        return fh

    def require(self, names: set[str] | tuple[str, ...] | list[str]) -> None:
        """Every name must be listed in the manifest (so it was verified)."""
        missing = sorted(set(names) - set(self._handles))
        if missing:
            raise _corrupt(
                f"{self.directory / MANIFEST} does not list {', '.join(missing)}", self.root
            )

    def close(self) -> None:
        for fh in self._handles.values():
            with contextlib.suppress(OSError):
                fh.close()
        self._handles = {}

    def __enter__(self) -> IndexVersion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Vanished(Exception):
    """A file of the version disappeared before it could be opened."""


def _open_version(root: Path, directory: Path, layout: int) -> IndexVersion:
    mpath = directory / MANIFEST
    handles: dict[str, IO[bytes]] = {}
    try:
        try:
            with open_regular(mpath, root) as fh:
                raw = fh.read(MAX_MANIFEST_BYTES + 1)
        except FileNotFoundError as exc:
            raise _Vanished(str(mpath)) from exc
        if len(raw) > MAX_MANIFEST_BYTES:
            raise _corrupt(f"{mpath} is too large to be a manifest", root)
        try:
            manifest = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _corrupt(f"{mpath} is not valid JSON ({str(exc)[:80]})", root) from exc
        manifest = check_manifest(manifest, mpath, root, layout=layout)
        for name in manifest["files"]:
            try:
                handles[name] = open_regular(directory / name, root)
            except FileNotFoundError as exc:
                raise _Vanished(str(directory / name)) from exc
        # every file is open: from here on, a writer removing the version cannot hurt us
        for name, info in manifest["files"].items():
            data = handles[name]
            size = os.fstat(data.fileno()).st_size
            if "bytes" in info and size != info["bytes"]:
                raise _corrupt(
                    f"{directory / name} has {size} bytes, the manifest says {info['bytes']}", root
                )
            if sha256_stream(data) != info["sha256"]:
                raise _corrupt(
                    f"{directory / name} does not match its checksum in {MANIFEST} "
                    "(damaged or edited)",
                    root,
                )
            if name.endswith(".npz"):
                data.seek(0)
                npz_arrays(data, directory / name, root)  # no bomb: stored, sizes agree
    except BaseException:
        for opened in handles.values():
            opened.close()
        raise
    return IndexVersion(root, directory, manifest, handles)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a manifest")


def open_index(directory: str | Path) -> IndexVersion:
    """Open the current version of the index at ``directory`` (verifying every checksum).

    Raises :class:`IndexLoadError` (no index there), :class:`IndexFormatError` (written
    by a newer plansearch) or :class:`IndexCorruptedError` (edited or damaged files).
    """
    root = Path(directory)
    missing = str(root)
    if not root.is_dir():
        raise IndexLoadError(
            f"ไม่พบดัชนี / no index at {root}; build one with `plansearch index CORPUS --out {root}`"
        )
    previous: object = ()  # no pointer read yet
    for attempt in range(LOAD_ATTEMPTS):
        pointer = read_pointer(root)
        if attempt and pointer == previous:
            break  # the same version is still missing: it is damaged, not replaced
        previous = pointer
        if pointer is None and not (root / MANIFEST).is_file():
            if read_pointer(root) is not None:
                continue  # a first save over a format-1 index switched just now
            cleanup(root)  # what a killed first save left, unless a save is running
            raise _corrupt(
                f"{root} has no {CURRENT} or {MANIFEST}: not a complete plansearch index", root
            )
        directory_ = root if pointer is None else root / pointer
        try:
            version = _open_version(root, directory_, layout=1 if pointer is None else 2)
        except _Vanished as exc:
            missing = str(exc)
            continue  # a save may have switched versions under us: read CURRENT again
        if _leftovers(root, pointer):
            cleanup(root)
        return version
    raise _corrupt(f"{missing} is missing", root)


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The verified manifest of the current version at ``directory``."""
    with open_index(directory) as version:
        return version.manifest


#: Most arrays one ``.npz`` of an index holds (plansearch writes at most a few).
MAX_NPZ_ARRAYS: int = 64


def npz_arrays(fh: IO[bytes], where: Path, root: Path) -> dict[str, tuple[tuple[int, ...], Any]]:
    """``name → (shape, dtype)`` of every array in an ``.npz`` of an index, read from
    the ZIP directory and each ``.npy`` header only (no array is loaded).

    plansearch writes ``.npz`` files with :func:`numpy.savez`: members are *stored*,
    not compressed. So anything compressed, a member whose size differs from what its
    header's shape and dtype need, an object array or more than
    :data:`MAX_NPZ_ARRAYS` members is a damaged index: loading it can then never
    inflate more than the file's own (checksummed) size.
    """
    out: dict[str, tuple[tuple[int, ...], Any]] = {}
    try:
        with zipfile.ZipFile(fh) as zf:
            members = zf.infolist()
            if len(members) > MAX_NPZ_ARRAYS:
                raise _corrupt(f"{where} holds {len(members)} arrays", root)
            for info in members:
                if not info.filename.endswith(".npy") or info.is_dir():
                    raise _corrupt(f"{where}: {info.filename!r:.60} is not an array", root)
                if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                    raise _corrupt(
                        f"{where}: {info.filename} is compressed (not written by plansearch)", root
                    )
                with zf.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        shape, _fortran, dtype = np.lib.format.read_array_header_1_0(member)
                    elif version == (2, 0):
                        shape, _fortran, dtype = np.lib.format.read_array_header_2_0(member)
                    else:
                        raise ValueError(f"npy format {version}")
                    header = member.tell()
                if dtype.hasobject or not all(isinstance(n, int) and n >= 0 for n in shape):
                    raise _corrupt(f"{where}: {info.filename} is not a plain numeric array", root)
                need = header + math.prod(shape) * dtype.itemsize
                if need != info.file_size:
                    raise _corrupt(
                        f"{where}: {info.filename} holds {info.file_size} bytes, its shape "
                        f"{shape} needs {need}",
                        root,
                    )
                out[info.filename[: -len(".npy")]] = (tuple(shape), dtype)
    except IndexCorruptedError:
        raise
    except Exception as exc:  # zipfile/npy header errors of every kind: all mean "damaged"
        raise _corrupt(
            f"{where} is not a readable array file ({type(exc).__name__})", root
        ) from exc
    finally:
        fh.seek(0)
    return out


def finite_number(value: object) -> bool:
    """A JSON number that is a real, finite float or int (not a bool)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
