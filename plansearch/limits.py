"""Safety limits checked *before* a document is opened: ZIP/XML bombs and page counts.

A DOCX or XLSX is a ZIP of XML parts. A few hundred kilobytes can inflate to gigabytes
(one highly compressed member, thousands of members, central-directory entries that
share one compressed stream), and an XML part can declare entities that expand
exponentially (the "billion laughs"). :func:`check_archive` reads only the archive's
directory and streams each XML part through a counting parser, so it refuses such a
file in well under a second with a few megabytes of memory, before python-docx or
openpyxl builds anything:

* the central directory: member count, its own size, members that overlap;
* per member: inflated size, compression ratio (above a grace size), method;
* in total: inflated size; nested archives (checked too, up to a depth);
* per XML part: no ``<!DOCTYPE``/entity declarations at all (OOXML never has them),
  elements counted over the whole archive, nesting depth.

:func:`check_pdf_pages` counts a PDF's pages through PDFium without rendering any and
refuses more than :data:`DEFAULT_MAX_PAGES` (or ``PLANSEARCH_MAX_PAGES``).

Every refusal is an :class:`~plansearch.errors.UnsafeDocumentError` or
:class:`~plansearch.errors.TooManyPagesError` (both
:class:`~plansearch.errors.DocumentTooLargeError`) with a Thai/English message.

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
...     zf.writestr("word/document.xml", "<w:document>" + "<w:p/>" * 10 + "</w:document>")
>>> check_archive(buf.getvalue(), what="แผน.docx").elements
11
>>> try:
...     check_archive(buf.getvalue(), what="แผน.docx", limits=ArchiveLimits(max_xml_elements=5))
... except UnsafeDocumentError as exc:
...     print(str(exc).split(";")[0])
แผน.docx: เอกสารมีองค์ประกอบ XML มากเกินกำหนด / has more than 5 XML elements
"""

from __future__ import annotations

import io
import itertools
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from .errors import DamagedDocumentError, InputError, TooManyPagesError, UnsafeDocumentError

MiB = 1 << 20
#: Default page limit of a PDF; ``PLANSEARCH_MAX_PAGES`` overrides it. Real plans have a
#: few hundred pages (the seed plans' PDFs: 4-60).
DEFAULT_MAX_PAGES = 1000
#: Environment variable overriding :data:`DEFAULT_MAX_PAGES`.
MAX_PAGES_ENV = "PLANSEARCH_MAX_PAGES"
#: A ZIP's end-of-central-directory record, its ZIP64 locator and record, a local header.
_EOCD, _EOCD64_LOC, _EOCD64, _LOCAL = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06", b"PK\x03\x04"
#: The compression methods OOXML uses (stored, deflate).
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Central-directory bytes allowed per member (46-byte entry + name + ZIP64 extra).
_DIRECTORY_BYTES_PER_MEMBER = 320
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_READ = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits of one ZIP-based document (all members, nested archives included).

    The defaults leave a wide margin over real plans and workbooks: a 3,000-row table
    DOCX written by python-docx has 3.7 MB of XML at 34:1; twenty thousand identical
    numbered paragraphs compress 245:1; a 400-page table-heavy plan is about a million
    XML elements. Bombs inflate at 1,000:1 (deflate's ceiling) or share streams.

    >>> ArchiveLimits().max_ratio
    500.0
    """

    #: members of the archive (a DOCX has ~20, one picture adds one)
    max_members: int = 5000
    #: inflated bytes of one member
    max_member_bytes: int = 128 * MiB
    #: inflated bytes of all members together (nested archives included)
    max_total_bytes: int = 256 * MiB
    #: inflated : compressed of one member, checked above :attr:`ratio_grace_bytes`
    max_ratio: float = 500.0
    #: members that inflate to less than this are not ratio-checked (harmless)
    ratio_grace_bytes: int = 1 * MiB
    #: XML elements over all XML parts (python-docx needs ~500 bytes of memory each)
    max_xml_elements: int = 3_000_000
    #: XML nesting depth (libxml2 refuses deeper than 256 by default)
    max_xml_depth: int = 256
    #: archives inside the archive (a spreadsheet embedded in a DOCX is one level)
    max_nesting: int = 1
    #: a nested archive larger than this is not opened to be checked, and is refused
    max_nested_bytes: int = 16 * MiB


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`check_archive` counted in an accepted archive."""

    members: int
    inflated: int
    elements: int
    nested: int = 0


def _refuse(what: str, thai: str, english: str) -> UnsafeDocumentError:
    return UnsafeDocumentError(
        f"{what}: {thai} / {english}; refused before opening it (a possible ZIP bomb). "
        "If it is a real document, open it in Word/Excel or LibreOffice, save it again "
        "(or split it) and upload that"
    )


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n / 1e3:,.1f} KB"


def _directory_size(data: bytes, what: str) -> tuple[int, int]:
    """(members, central-directory bytes) as the end record declares them (ZIP64 too)."""
    pos = data.rfind(_EOCD, max(0, len(data) - (22 + 0xFFFF)))
    if pos < 0 or len(data) < pos + 22:
        raise DamagedDocumentError(
            f"{what}: ไฟล์ ZIP เสียหาย / is a damaged ZIP (no end-of-archive record); "
            "open it in Word, Excel or LibreOffice and save it again"
        )
    _, _, _, _, count, size, _, _ = struct.unpack_from("<IHHHHIIH", data, pos)
    loc = pos - 20
    if (count == 0xFFFF or size == 0xFFFFFFFF) and loc >= 0 and data[loc : loc + 4] == _EOCD64_LOC:
        (rec,) = struct.unpack_from("<Q", data, loc + 8)
        if data[rec : rec + 4] == _EOCD64 and rec + 56 <= len(data):
            count, size = struct.unpack_from("<QQ", data, rec + 32)
    return count, size


def _data_span(data: bytes, info: zipfile.ZipInfo, what: str) -> tuple[int, int]:
    """Byte range of a member's local header and compressed data."""
    off = info.header_offset
    if off < 0 or data[off : off + 4] != _LOCAL or off + 30 > len(data):
        raise DamagedDocumentError(
            f"{what}: ไฟล์ ZIP เสียหาย / is a damaged ZIP (member {info.filename!r} has no "
            "local header); open it in Word, Excel or LibreOffice and save it again"
        )
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    return off, off + 30 + name_len + extra_len + info.compress_size


class _XmlCounter:
    """Counts elements and depth of XML parts with expat; refuses any DTD."""

    def __init__(self, what: str, limits: ArchiveLimits) -> None:
        self.what = what
        self.limits = limits
        self.elements = 0
        self.depth = 0

    def _start(self, name: str, attrs: object) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements > self.limits.max_xml_elements:
            raise self._too_many()
        if self.depth > self.limits.max_xml_depth:
            raise _refuse(
                self.what,
                "โครงสร้าง XML ซ้อนลึกเกินกำหนด",
                f"nests XML elements more than {self.limits.max_xml_depth} deep",
            )

    def _end(self, name: str) -> None:
        self.depth -= 1

    def _dtd(self, *args: object) -> None:
        raise _refuse(
            self.what,
            "มีการประกาศ DOCTYPE/entity ใน XML",
            "declares a DOCTYPE or entities in its XML (never in Office files; the "
            '"billion laughs" expansion)',
        )

    def _too_many(self) -> UnsafeDocumentError:
        return _refuse(
            self.what,
            "เอกสารมีองค์ประกอบ XML มากเกินกำหนด",
            f"has more than {self.limits.max_xml_elements:,} XML elements",
        )

    def precount(self, fh: IO[bytes]) -> None:
        """A byte-speed first pass: ``<`` minus ``</`` (a slight over-count: comments,
        declarations) refuses an element flood, and any DOCTYPE, before expat runs."""
        rough = self.elements
        tail = b""
        while block := fh.read(_READ):
            window = tail + block
            rough += block.count(b"<") - block.count(b"</")
            if rough > self.limits.max_xml_elements * 5 // 4:
                raise self._too_many()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                self._dtd()
            tail = block[-16:]

    def scan(self, fh: IO[bytes], part: str) -> None:
        """Count the elements of one XML part exactly (expat, streamed)."""
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.StartDoctypeDeclHandler = self._dtd
        parser.EntityDeclHandler = self._dtd
        parser.UnparsedEntityDeclHandler = self._dtd
        parser.ExternalEntityRefHandler = self._dtd  # type: ignore[assignment]
        self.depth = 0
        try:
            while block := fh.read(_READ):
                parser.Parse(block, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise DamagedDocumentError(
                f"{self.what}: ส่วน {part} ของไฟล์เสียหาย / part {part} is not well-formed "
                f"XML ({exc}); open it in Word, Excel or LibreOffice and save it again"
            ) from exc


def check_archive(
    data: bytes,
    *,
    what: str = "<bytes>",
    limits: ArchiveLimits = DEFAULT_LIMITS,
    _depth: int = 0,
    _budget: list[int] | None = None,
) -> ArchiveSummary:
    """Refuse a ZIP-based document (DOCX, XLSX, any OOXML/ZIP) that is a bomb.

    Reads the central directory (bounded first by the end record), then streams every
    XML part through :class:`_XmlCounter`; never holds an inflated member in memory
    except a nested archive (≤ :attr:`ArchiveLimits.max_nested_bytes`). ``what`` names
    the file in messages. Returns an :class:`ArchiveSummary`; raises
    :class:`~plansearch.errors.UnsafeDocumentError` (over a limit),
    :class:`~plansearch.errors.DamagedDocumentError` (not a readable ZIP) or
    :class:`~plansearch.errors.InputError` (an encrypted or unsupported member).
    """
    count, dir_bytes = _directory_size(data, what)
    if count > limits.max_members or dir_bytes > limits.max_members * _DIRECTORY_BYTES_PER_MEMBER:
        raise _refuse(
            what,
            "มีแฟ้มย่อยในไฟล์มากเกินกำหนด",
            f"declares {count:,} members in a {_mb(dir_bytes)} directory; the limit is "
            f"{limits.max_members:,} members",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise DamagedDocumentError(
            f"{what}: ไฟล์ ZIP เสียหาย / is a damaged ZIP ({exc}); open it in Word, Excel or "
            "LibreOffice and save it again"
        ) from exc
    if len(infos) > limits.max_members:
        raise _refuse(
            what,
            "มีแฟ้มย่อยในไฟล์มากเกินกำหนด",
            f"holds {len(infos):,} members; the limit is {limits.max_members:,}",
        )
    budget = _budget if _budget is not None else [0]
    spans = sorted((*_data_span(data, i, what), i.filename) for i in infos)
    for (_, end, name), (start, _, _) in itertools.pairwise(spans):
        if start < end:
            raise _refuse(what, "แฟ้มย่อยซ้อนทับกัน", f"has overlapping members ({name!r})")
    for info in infos:
        if info.compress_type not in _METHODS:
            raise InputError(
                f"{what}: {info.filename} ใช้การบีบอัดที่ไม่รองรับ / uses compression method "
                f"{info.compress_type} (Office files use deflate); save it again in Word or Excel"
            )
        if info.flag_bits & 0x1:
            raise InputError(
                f"{what}: {info.filename} ถูกเข้ารหัส / is an encrypted ZIP member; "
                "remove the password and upload it again"
            )
        size = info.file_size
        if size > limits.max_member_bytes:
            raise _refuse(
                what,
                f"แฟ้มย่อย {info.filename} ขยายได้ใหญ่เกินกำหนด",
                f"member {info.filename!r} inflates to {_mb(size)} (limit "
                f"{_mb(limits.max_member_bytes)})",
            )
        ratio = size / max(info.compress_size, 1)
        if size > limits.ratio_grace_bytes and ratio > limits.max_ratio:
            raise _refuse(
                what,
                f"แฟ้มย่อย {info.filename} ถูกบีบอัดมากผิดปกติ",
                f"member {info.filename!r} inflates {ratio:,.0f} times ({_mb(info.compress_size)}"
                f" → {_mb(size)}; limit {limits.max_ratio:,.0f}:1)",
            )
        budget[0] += size
        if budget[0] > limits.max_total_bytes:
            raise _refuse(
                what,
                "ไฟล์ขยายได้ใหญ่เกินกำหนด",
                f"inflates to more than {_mb(limits.max_total_bytes)} in all",
            )
    counter = _XmlCounter(what, limits)
    nested = 0
    try:
        for info in infos:
            if info.is_dir() or not info.file_size:
                continue
            with zf.open(info) as fh:
                archive = fh.read(4) == _LOCAL
            if archive:
                nested += 1 + _check_nested(zf, info, what, limits, _depth, budget)
            elif info.filename.lower().endswith(_XML_SUFFIXES):
                with zf.open(info) as fh:
                    counter.precount(fh)
                with zf.open(info) as fh:
                    counter.scan(fh, info.filename)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DamagedDocumentError(
            f"{what}: ไฟล์ ZIP เสียหาย / is a damaged ZIP ({exc}); open it in Word, Excel or "
            "LibreOffice and save it again"
        ) from exc
    return ArchiveSummary(len(infos), budget[0], counter.elements, nested)


def _check_nested(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    what: str,
    limits: ArchiveLimits,
    depth: int,
    budget: list[int],
) -> int:
    inner = f"{what} › {info.filename}"
    if depth + 1 > limits.max_nesting:
        raise _refuse(
            inner,
            "มีไฟล์ ZIP ซ้อนอยู่ในไฟล์ ZIP ลึกเกินกำหนด",
            f"nests archives more than {limits.max_nesting} deep",
        )
    if info.file_size > limits.max_nested_bytes:
        raise _refuse(
            inner,
            "ไฟล์ ZIP ที่ฝังอยู่ใหญ่เกินกำหนด",
            f"is an embedded archive of {_mb(info.file_size)} (limit "
            f"{_mb(limits.max_nested_bytes)})",
        )
    summary = check_archive(
        zf.read(info), what=inner, limits=limits, _depth=depth + 1, _budget=budget
    )
    return summary.nested


def max_pages(value: int | None = None) -> int:
    """The page limit: ``value``, else ``$PLANSEARCH_MAX_PAGES``, else 1,000.

    >>> max_pages(50)
    50
    """
    if value is not None:
        if value < 1:
            raise InputError(f"max_pages must be at least 1, not {value}")
        return int(value)
    env = os.environ.get(MAX_PAGES_ENV, "").strip()
    if not env:
        return DEFAULT_MAX_PAGES
    if not env.isdigit() or int(env) < 1:
        raise InputError(
            f"{MAX_PAGES_ENV}={env!r}: ต้องเป็นจำนวนเต็มบวก / must be a whole number of "
            "pages (e.g. 1000)"
        )
    return int(env)


def check_pdf_pages(data: bytes, *, name: str = "<bytes>", limit: int | None = None) -> int | None:
    """The page count of a PDF, read by PDFium without rendering; refuses more than
    :func:`max_pages` with :class:`~plansearch.errors.TooManyPagesError`.

    Returns ``None`` when PDFium cannot open the file (password, damage): the PDF
    reader then says what is wrong.
    """
    cap = max_pages(limit)
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - a dependency
        return None
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # the reader reports password/damage with its own named errors
        return None
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages > cap:
        raise TooManyPagesError(
            f"{name}: เอกสารมี {pages:,} หน้า เกินกำหนด {cap:,} หน้า / has {pages:,} pages, "
            f"over the {cap:,}-page limit; split it, or raise {MAX_PAGES_ENV}"
        )
    return pages


__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_PAGES",
    "MAX_PAGES_ENV",
    "ArchiveLimits",
    "ArchiveSummary",
    "check_archive",
    "check_pdf_pages",
    "max_pages",
]
