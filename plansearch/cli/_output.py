"""Where the command line may write: one place that checks every ``--out``/``--index``.

Rules (root included, who could otherwise replace ``/dev/full`` with a regular file):

* an output *file* is written to a temporary file in the target's own folder and moved
  into place with :func:`os.replace`; a target that exists and is not a regular file
  (a device, a FIFO, a socket, a directory) or is a symbolic link is refused, so
  nothing is ever written through a device or a link plansearch did not create;
* an output *folder* (reports, an index) must be a real folder or not exist yet; a
  symbolic link or anything that is not a folder is refused;
* a parent that is a regular file, or a folder that cannot be created or written,
  is one clear :class:`~plansearch.InputError` instead of a traceback.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     out = write_file(Path(d) / "a.txt", lambda p: p.write_text("ถนน", encoding="utf-8"))
...     print(out.read_text(encoding="utf-8"), sorted(f.name for f in Path(d).iterdir()))
ถนน ['a.txt']
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..thai import display_width


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file"


def _cannot_write(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    return InputError(
        f"เขียนผลลัพธ์ไม่ได้ เลือกโฟลเดอร์ที่เขียนได้ — cannot write {path}: {reason}; "
        "choose a folder you can write to"
    )


def check_parent(path: Path) -> None:
    """Refuse ``path`` when its nearest existing ancestor is not a writable folder."""
    for ancestor in path.parents:
        try:
            st = os.stat(ancestor)  # a parent reached through a link is fine (/tmp → …)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _cannot_write(path, exc) from exc
        if not stat.S_ISDIR(st.st_mode):
            raise InputError(
                f"โฟลเดอร์ปลายทางเป็นไฟล์ เลือกเส้นทางอื่น — {ancestor} is {_kind(st.st_mode)}, "
                f"not a folder, so {path} cannot be created; choose another output path"
            )
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise InputError(
                f"เขียนลงโฟลเดอร์นี้ไม่ได้ เลือกโฟลเดอร์อื่น — {ancestor} is not writable; "
                "choose a folder you can write to"
            )
        return


def _existing(p: Path) -> os.stat_result | None:
    """``p``'s own status (links not followed), or ``None`` when it does not exist yet
    and may be created (its folder checked)."""
    try:
        return os.lstat(p)
    except FileNotFoundError:
        check_parent(p)
        return None
    except OSError as exc:
        raise _cannot_write(p, exc) from exc


def check_output_file(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """``path`` as a :class:`Path` if a file may be written there, else :class:`InputError`."""
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"ไม่ได้ระบุไฟล์ผลลัพธ์ — {option} is empty; give a file name")
    st = _existing(p)
    if st is None:
        return p
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"ไม่เขียนทับสิ่งที่ไม่ใช่ไฟล์ธรรมดา เลือกชื่อไฟล์อื่น — {option} {p} is "
            f"{_kind(st.st_mode)}, not a regular file; plansearch never writes through it. "
            "Choose another file name"
        )
    check_parent(p)
    return p


def check_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """``path`` as a :class:`Path` if it is a real folder or can become one."""
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"ไม่ได้ระบุโฟลเดอร์ผลลัพธ์ — {option} is empty; give a folder name")
    st = _existing(p)
    if st is None:
        return p
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(
            f"ปลายทางต้องเป็นโฟลเดอร์จริง เลือกเส้นทางอื่น — {option} {p} is "
            f"{_kind(st.st_mode)}, not a folder; give a folder path (a link is not followed)"
        )
    if not os.access(p, os.W_OK | os.X_OK):
        raise InputError(
            f"เขียนลงโฟลเดอร์นี้ไม่ได้ เลือกโฟลเดอร์อื่น — {option} {p} is not writable; "
            "choose a folder you can write to"
        )
    return p


def make_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """:func:`check_output_dir`, then create the folder (and its parents)."""
    p = check_output_dir(path, option=option)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(p, exc) from exc
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(
    path: str | os.PathLike[str], write: Callable[[Path], object], *, option: str = "--out"
) -> Path:
    """Write a file safely: ``write(tmp)`` fills a temporary file beside ``path`` (same
    suffix, so writers that look at it still work), which then replaces ``path``.

    The target is checked before and again just before the replace; on any failure
    the temporary file is removed and the target is left as it was.
    """
    p = check_output_file(path, option=option)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{p.stem}.", suffix=f".part{p.suffix}", dir=p.parent)
    except OSError as exc:
        raise _cannot_write(p, exc) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            mode = stat.S_IMODE(os.stat(p).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        write(tmp)
        check_output_file(p, option=option)
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _cannot_write(p, exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return p


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (Thai marks take none)."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def format_table(rows: list[list[str]], right: set[int] | frozenset[int] = frozenset()) -> str:
    """Rows of cells as aligned text columns, the first row a header (``right``: indices
    of numeric columns)."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(pad(c, widths[i], i in right) for i, c in enumerate(row)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
