"""What the command line reads: input paths, plans, statements, and option values.

Input paths are checked before anything opens them: a FIFO would block forever and a
device such as ``/dev/zero`` would be read without end, so only regular files (and,
where a command takes one, folders) are accepted. Option values are checked by
``argparse`` types, so a mistake is one usage line before any work starts.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, PlanSearchError
from ..sections import Plan

# ------------------------------------------------------------------ option types


def positive_int(value: str) -> int:
    """An ``argparse`` type: a whole number of at least 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป — {value!r} is not a whole number; give e.g. 5"
        ) from None
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป — {value!r} is below 1; give 1 or more"
        )
    return n


#: The largest ``--max-mb`` accepted (1 TB; anything above is a typo).
MAX_MB = 1_000_000.0


def positive_mb(value: str) -> float:
    """An ``argparse`` type: a size in MB, finite and above 0."""
    try:
        mb = float(value)
    except ValueError:
        mb = math.nan
    if not (math.isfinite(mb) and 0 < mb <= MAX_MB):
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นขนาดเป็นเมกะไบต์ที่มากกว่า 0 — {value!r} is not a size in MB above 0 "
            f"(and at most {MAX_MB:.0f}); give e.g. 50"
        )
    return mb


def non_blank(value: str) -> str:
    """An ``argparse`` type: text that is not empty or only spaces."""
    if not value.strip():
        raise argparse.ArgumentTypeError("ต้องไม่เว้นว่าง — the value is empty; give some text")
    return " ".join(value.split())


def org_name(value: str) -> str:
    """An ``argparse`` type for ``--org``: the canonical spelling (``อบต.โขมง`` →
    ``องค์การบริหารส่วนตำบลโขมง``), as the parser writes detected names."""
    from ..parse.identity import canonical_org

    return canonical_org(non_blank(value))


def province_name(value: str) -> str:
    """An ``argparse`` type for ``--province``: ``จังหวัดเลย``, ``จ.เลย`` and ``เลย``
    all give ``เลย``; an unknown province is refused (a typo would make filters miss)."""
    from ..parse.identity import match_province

    text = non_blank(value).replace(" ", "")
    for prefix in ("จังหวัด", "จ."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    name = match_province(text) if text else None
    if name is None or abs(len(name) - len(text)) > 1:
        raise argparse.ArgumentTypeError(
            f"ไม่รู้จักจังหวัดนี้ — {value!r} is not a Thai province name; "
            "give it in Thai, e.g. --province เชียงใหม่ (จังหวัดเชียงใหม่ and จ.เชียงใหม่ work too)"
        )
    return name


def add_identity_options(p: argparse.ArgumentParser) -> None:
    """``--org`` and ``--province`` for commands that parse plans."""
    p.add_argument(
        "--org",
        type=org_name,
        metavar="NAME",
        help="the organisation (อปท.) the plan belongs to, when the document does not say "
        "or says it wrongly (e.g. อบต.โขมง); applies to every document read",
    )
    p.add_argument(
        "--province",
        type=province_name,
        metavar="NAME",
        help="the province of the plan, when the document does not say "
        "(เชียงใหม่, จังหวัดเชียงใหม่ or จ.เชียงใหม่); applies to every document read",
    )


def add_ocr_option(p: argparse.ArgumentParser) -> None:
    """``--ocr`` for commands that parse plans: read scanned PDFs with Tesseract."""
    p.add_argument(
        "--ocr",
        action="store_true",
        help="อ่าน PDF ที่เป็นภาพสแกนด้วย OCR — read scanned PDFs (no text layer) with "
        "Tesseract OCR (slow; needs apt-get install tesseract-ocr tesseract-ocr-tha); "
        "PDFs with a text layer are read as usual",
    )


def add_k_option(p: argparse.ArgumentParser, *, default: int, help: str) -> None:
    """``--k N``: the number of results everywhere."""
    p.add_argument("--k", type=positive_int, default=default, metavar="N", help=help)


# ------------------------------------------------------------------ input paths


def input_path(value: str, *, folder: bool, file: bool = True, what: str = "input") -> Path:
    """``value`` as a :class:`Path` after checking it can be read: a regular file
    (when ``file``) or a folder (when ``folder``); never a FIFO, device or socket."""
    p = Path(value)
    if not value.strip():
        raise InputError(f"ไม่ได้ระบุไฟล์ — the {what} path is empty; give a file")
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(
            f"ไม่พบไฟล์หรือโฟลเดอร์ ตรวจชื่อและตำแหน่ง — {p}: no such file or folder; check the path"
        ) from None
    except OSError as exc:
        raise InputError(
            f"เปิดไฟล์ไม่ได้ ตรวจเส้นทางและสิทธิ์ — {p}: {exc.strerror or exc}; "
            "check the path and its permissions"
        ) from exc
    if stat.S_ISDIR(st.st_mode):
        if not folder:
            raise InputError(
                f"ต้องเป็นไฟล์ ไม่ใช่โฟลเดอร์ — {p} is a folder; give one {what} file "
                "(plansearch ingest/index/run take folders)"
            )
    elif stat.S_ISREG(st.st_mode):
        if not file:
            raise InputError(f"ต้องเป็นโฟลเดอร์ — {p} is a file; give a folder of plans")
    else:
        raise InputError(
            f"อ่านได้เฉพาะไฟล์ธรรมดาหรือโฟลเดอร์ — {p} is a device, pipe or socket, not a "
            f"{what} file; save the content to a file first"
        )
    if not os.access(p, os.R_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0)):
        raise InputError(f"ไม่มีสิทธิ์อ่านไฟล์นี้ — {p}: permission denied; check its permissions")
    return p


def read_statements(path: Path) -> list[str]:
    """Non-blank lines of a statements file, decoded like a plan (UTF-8, UTF-16 or Thai
    TIS-620/cp874; binary files refused)."""
    from ..parse.readers import DEFAULT_MAX_BYTES, decode_bytes

    p = input_path(str(path), folder=False, what="statements")
    size = p.stat().st_size
    if size > DEFAULT_MAX_BYTES:
        raise InputError(
            f"ไฟล์ใหญ่เกินไป — {p} is {size / 1e6:.1f} MB; give at most "
            f"{DEFAULT_MAX_BYTES / 1e6:.0f} MB of statements"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"อ่านไฟล์ไม่ได้ — {p}: {exc.strerror or exc}") from exc
    text = decode_bytes(data, name=str(p))
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise InputError(
            f"ไม่มีข้อความให้เชื่อมโยง — {p} has no statements; write one statement per line"
        )
    return lines


# ------------------------------------------------------------------ plans


@dataclass(frozen=True)
class PlansRead:
    """Plans parsed from a file or a folder, and the documents that could not be."""

    plans: tuple[Plan, ...]
    skipped: tuple[tuple[str, PlanSearchError | OSError], ...]

    def report_skipped(self) -> None:
        """One stderr line per skipped document."""
        for file, exc in self.skipped:
            print(f"plansearch: skipped {file}: {' '.join(str(exc).split())}", file=sys.stderr)


def read_plans(
    path: str,
    *,
    org: str | None = None,
    province: str | None = None,
    max_bytes: int | None = None,
    ocr: bool = False,
) -> PlansRead:
    """Parse one plan file or every plan under a folder (``ocr``: read scanned PDFs
    with Tesseract).

    Raises one :class:`InputError` when nothing could be parsed (re-raising the
    document's own error when there was one document), so a command never prints a
    list of skipped files followed by an error.
    """
    from ..corpus import find_documents
    from ..parse.parser import parse_plan
    from ..parse.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES

    root = input_path(path, folder=True, what="plan")
    files = find_documents(root)
    if not files:
        kinds = "/".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
        raise InputError(
            f"ไม่พบเอกสารแผนในโฟลเดอร์นี้ — {root}: no {kinds} files found; "
            "give a folder that holds plan documents"
        )
    plans: list[Plan] = []
    skipped: list[tuple[str, PlanSearchError | OSError]] = []
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    for f in files:
        try:
            plans.append(parse_plan(f, org=org, province=province, max_bytes=limit, ocr=ocr))
        except (PlanSearchError, OSError) as exc:
            skipped.append((str(f), exc))
    if not plans:
        if len(skipped) == 1:
            only = skipped[0][1]
            if isinstance(only, PlanSearchError):
                raise only
            raise InputError(f"อ่านไฟล์ไม่ได้ — {skipped[0][0]}: {only.strerror or only}") from only
        first, reason = skipped[0]
        raise InputError(
            f"อ่านเอกสารไม่ได้เลยสักฉบับ — none of the {len(skipped)} documents under {root} "
            f"could be parsed (first: {first}: {' '.join(str(reason).split())}); "
            "fix or remove them"
        )
    return PlansRead(tuple(plans), tuple(skipped))
