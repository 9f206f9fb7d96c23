"""How the command line reports a failure: one stderr line, Thai first, English alongside.

Every failure a user can cause ends as exactly one line on stderr and exit code 2::

    plansearch: error: ดัชนีเสียหายหรือไม่ครบ สร้างใหม่ด้วย plansearch index — \
        indexes/x/dense.faiss is missing; rebuild it …

The Thai part says what went wrong and what to do; the English part is the library's
own message (which names the file and the fix). Messages that already contain Thai
(the command line's own) are printed as they are.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from ..errors import (
    BinaryFileError,
    DocumentTooLargeError,
    EmbedderMismatchError,
    EmptyDocumentError,
    EncodingError,
    IndexCorruptedError,
    IndexFormatError,
    IndexLoadError,
    InputError,
    ModelError,
    PlanSearchError,
    ReferenceFormatError,
    ReportError,
    SectionRecordError,
    UnknownReferenceError,
    UnsupportedFormatError,
)

#: Exit code for every failure caused by the input or the environment.
EXIT_USAGE = 2
#: Exit code for a bug in plansearch itself (an exception it did not expect).
EXIT_BUG = 1

_THAI = re.compile(r"[\u0e00-\u0e7f]")

#: Thai summary and what to do, by error class (the first matching class wins).
GISTS: tuple[tuple[type[BaseException], str], ...] = (
    (EmptyDocumentError, "เอกสารว่างเปล่า ไม่มีข้อความให้อ่าน ตรวจว่าเลือกไฟล์ถูกต้อง"),
    (BinaryFileError, "ไฟล์นี้ไม่ใช่เอกสารข้อความ ใช้ไฟล์ .txt .pdf หรือ .docx"),
    (EncodingError, "อ่านรหัสอักขระของไฟล์ไม่ได้ บันทึกไฟล์ใหม่เป็น UTF-8"),
    (DocumentTooLargeError, "เอกสารใหญ่เกินขนาดที่กำหนด แบ่งไฟล์หรือเพิ่ม --max-mb"),
    (UnsupportedFormatError, "ไม่รองรับชนิดไฟล์นี้ แปลงเป็น .txt .pdf หรือ .docx"),
    (EmbedderMismatchError, "ดัชนีนี้สร้างด้วยโมเดลอื่น ใช้ --embedder ตัวเดิมหรือสร้างดัชนีใหม่"),
    (IndexFormatError, "ดัชนีเป็นรูปแบบที่รุ่นนี้อ่านไม่ได้ สร้างดัชนีใหม่ด้วย plansearch index"),
    (IndexCorruptedError, "ดัชนีเสียหายหรือไม่ครบ สร้างใหม่ด้วย plansearch index"),
    (IndexLoadError, "เปิดหรือบันทึกดัชนีไม่ได้ ตรวจโฟลเดอร์ดัชนี"),
    (ModelError, "โหลดโมเดลแปลงข้อความ (embedder) ไม่ได้ ตรวจค่า --embedder"),
    (ReferenceFormatError, "ไฟล์กรอบยุทธศาสตร์ไม่ถูกรูปแบบ แก้ตามตำแหน่งที่ระบุ"),
    (UnknownReferenceError, "ไม่รู้จักกรอบยุทธศาสตร์นี้ เลือกชื่อที่มีอยู่หรือใช้ --reference"),
    (SectionRecordError, "ไฟล์ sections JSONL ไม่ถูกรูปแบบ สร้างใหม่ด้วย plansearch ingest --out"),
    (ReportError, "เขียนรายงานไม่ได้ แก้ตามคำแนะนำ"),
    (InputError, "ข้อมูลที่ให้มาใช้ไม่ได้ แก้ตามคำแนะนำ"),
    (PlanSearchError, "ทำงานไม่สำเร็จ แก้ตามคำแนะนำ"),
)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) folded to one space."""
    return " ".join(str(text).split())


def gist(exc: BaseException) -> str:
    """The Thai summary for ``exc``'s class."""
    for cls, thai in GISTS:
        if isinstance(exc, cls):
            return thai
    return "ทำงานไม่สำเร็จ"


def error_line(exc: BaseException) -> str:
    """The single stderr line for a :class:`~plansearch.PlanSearchError`."""
    message = one_line(str(exc)) or type(exc).__name__
    if _THAI.search(message):
        return f"plansearch: error: {message}"
    return f"plansearch: error: {gist(exc)} — {message}"


def os_error_line(exc: OSError) -> str:
    """The single stderr line for a file-system error nothing closer to it handled."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or one_line(str(exc))
    return (
        "plansearch: error: อ่านหรือเขียนไฟล์ไม่ได้ ตรวจเส้นทางและสิทธิ์ของไฟล์ — "
        f"{where}{reason}; check the path and its permissions"
    )


def bug_line(exc: BaseException) -> str:
    """The single stderr line for an exception plansearch did not expect (a bug)."""
    return (
        "plansearch: internal error: เกิดข้อผิดพลาดภายในโปรแกรม โปรดแจ้งผู้พัฒนา — "
        f"{type(exc).__name__}: {one_line(str(exc))}; please report it "
        "(set PLANSEARCH_DEBUG=1 to see the traceback)"
    )


class Parser(argparse.ArgumentParser):
    """``argparse`` that reports a usage mistake as one Thai/English line (exit code 2).

    Subparsers made with ``add_subparsers`` are of the same class, so every
    subcommand reports its mistakes the same way.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USAGE,
            f"plansearch: error: คำสั่งไม่ถูกต้อง ดูวิธีใช้ด้วย `{self.prog} --help` — "
            f"{one_line(message)}; see `{self.prog} --help`\n",
        )
