"""Old Word ``.doc`` (still common in Thai offices) through an installed converter.

The binary ``.doc`` format is converted, in order of preference, by LibreOffice
(``soffice --headless --convert-to docx``, then read like any DOCX, numbering and tables
included), ``antiword`` or ``catdoc`` (plain text). When none is installed the error says
what to install or to save the file as ``.docx``. An old Excel ``.xls`` or a damaged
file is named as such.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import DamagedDocumentError, UnsupportedFormatError
from .base import ExtractedDocument
from .docx import DocxReader
from .txt import decode_text_checked

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: seconds one conversion may take
TIMEOUT = 180


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _ole_kind(data: bytes) -> str | None:
    """``"word"``, ``"excel"``, ``"powerpoint"`` or ``None`` for an OLE compound file."""
    if len(data) < 512 or data[28:30] != b"\xfe\xff":
        return None  # not a valid compound file header
    if _utf16("WordDocument") in data:
        return "word"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "excel"
    if _utf16("PowerPoint Document") in data:
        return "powerpoint"
    return None


def _libreoffice(data: bytes, name: str) -> ExtractedDocument | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="plansearch-doc-") as tmp:
        src = Path(tmp) / "plan.doc"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            tmp,
            str(src),
        ]
        try:
            subprocess.run(
                cmd,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
                env={**os.environ, "HOME": tmp},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DamagedDocumentError(
                f"{name}: แปลงไฟล์ .doc ไม่สำเร็จ / LibreOffice could not convert this .doc "
                f"({type(exc).__name__}); save it as .docx or PDF"
            ) from exc
        out = Path(tmp) / "plan.docx"
        if not out.exists():
            raise DamagedDocumentError(
                f"{name}: แปลงไฟล์ .doc ไม่สำเร็จ / LibreOffice could not convert this .doc "
                "(damaged?); open it in Word and save it as .docx or PDF"
            )
        doc = DocxReader().read(out.read_bytes(), name)
    return ExtractedDocument(
        doc.text,
        doc.blocks,
        doc.starts,
        "doc",
        ("doc: converted by LibreOffice", *doc.notes),
        doc.repaired,
    )


def _text_tool(data: bytes, name: str) -> ExtractedDocument | None:
    for tool, args in (("antiword", ["-m", "UTF-8.txt"]), ("catdoc", ["-d", "utf-8"])):
        exe = shutil.which(tool)
        if exe is None:
            continue
        with tempfile.TemporaryDirectory(prefix="plansearch-doc-") as tmp:
            src = Path(tmp) / "plan.doc"
            src.write_bytes(data)
            try:
                res = subprocess.run(
                    [exe, *args, str(src)], capture_output=True, timeout=TIMEOUT, check=False
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
        if res.returncode == 0 and res.stdout.strip():
            text = decode_text_checked(res.stdout, name)
            return ExtractedDocument.plain(
                text.text,
                format="doc",
                notes=(f"doc: converted by {tool}", *text.notes),
                repaired=text.repaired,
            )
    return None


class DocReader:
    """Word 97–2003 ``.doc`` (OLE compound file)."""

    format = "doc"
    magic: tuple[bytes, ...] = (OLE_MAGIC[:4],)
    suffixes: tuple[str, ...] = (".doc",)

    def accepts(self, data: bytes) -> bool:
        return True  # read() names Excel/PowerPoint/damaged OLE files

    def read(self, data: bytes, name: str) -> ExtractedDocument:
        kind = _ole_kind(data)
        if kind == "excel":
            raise UnsupportedFormatError(
                f"{name} เป็นตารางคำนวณ Excel รุ่นเก่า / is an old Excel .xls spreadsheet, "
                "not a plan document; give the plan as .docx, PDF or text"
            )
        if kind != "word":
            raise UnsupportedFormatError(
                f"{name}: ไม่ใช่ไฟล์ Word ที่อ่านได้ / is an old Office file that is not a "
                "readable Word .doc (damaged, or PowerPoint); save it as .docx or PDF"
            )
        doc = _libreoffice(data, name) or _text_tool(data, name)
        if doc is None:
            raise UnsupportedFormatError(
                f"{name}: ไฟล์ .doc รุ่นเก่าต้องมีโปรแกรมแปลง / old Word .doc needs a converter: "
                "install LibreOffice (apt-get install libreoffice-writer-nogui) or antiword, "
                "or save it as .docx or PDF"
            )
        return doc
