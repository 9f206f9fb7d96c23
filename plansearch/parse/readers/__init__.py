"""Bytes → :class:`ExtractedDocument` for every format, one reader module per format.

* :mod:`.base` – :class:`Block`, :class:`ExtractedDocument`, the :class:`Reader` protocol
  and the registry (magic bytes, then file suffix)
* :mod:`.txt` – text in UTF-8/16/32 or Thai TIS-620 / Windows-874
* :mod:`.pdf` – PDF text layer (PDFium) with Thai repair and layout clean-up
* :mod:`.docx` – Word ``.docx`` with automatic numbering and tables
* :mod:`.doc` – old Word ``.doc`` through LibreOffice / antiword / catdoc
* :mod:`.ocr` – scanned PDFs through Tesseract (``ocr=True``), when installed

A new format is one module with a class that has ``format``, ``magic``, ``suffixes``,
``accepts(data)`` and ``read(data, name)``, passed to :func:`register`.

>>> decode_bytes("วิสัยทัศน์".encode("cp874"))
'วิสัยทัศน์'
>>> extract_bytes("พันธกิจ\\n1. พัฒนาแหล่งน้ำ".encode()).format
'text'
"""

from __future__ import annotations

from pathlib import Path

from ...errors import (
    BinaryFileError,
    EmptyDocumentError,
    InputError,
    ScannedDocumentError,
    UnsupportedFormatError,
)
from ...limits import check_archive, check_pdf_pages
from .base import (
    DEFAULT_MAX_BYTES,
    ZIP_MAGIC,
    Block,
    ExtractedDocument,
    Reader,
    reader_for,
    register,
    registered,
    supported_suffixes,
    too_large,
)
from .doc import DocReader
from .docx import DocxReader
from .ocr import ocr_pdf, ocr_scanned_pages
from .pdf import PdfReader
from .txt import TextReader, binary_kind

_TEXT = TextReader()
register(_TEXT)
register(DocReader())
register(DocxReader())
register(PdfReader())

#: File suffixes :func:`plansearch.load_corpus` picks up.
SUPPORTED_SUFFIXES: tuple[str, ...] = supported_suffixes()


def extract_bytes(
    data: bytes,
    *,
    name: str = "<bytes>",
    suffix: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = False,
    max_pages: int | None = None,
) -> ExtractedDocument:
    """Detect the format of ``data`` (magic bytes, then ``suffix``) and extract it.

    ``ocr=True`` reads a PDF without a text layer with Tesseract, and the pages without
    text of a PDF that has text on others (see :mod:`.ocr`). Before any reader opens it,
    a ZIP-based file is checked for bombs and a PDF for its page count (``max_pages``,
    default ``$PLANSEARCH_MAX_PAGES`` or 1,000; see :mod:`plansearch.limits`)."""
    if len(data) > max_bytes:
        raise too_large(name, len(data), max_bytes)
    if not data.strip():
        raise EmptyDocumentError(f"{name}: ไฟล์ว่าง / {name} is empty; nothing to parse")
    reader = reader_for(data, suffix)
    if data.startswith(ZIP_MAGIC) and not getattr(reader, "checks_archives", False):
        check_archive(data, what=name)
    if reader is not None and reader.format == "pdf":
        check_pdf_pages(data, name=name, limit=max_pages)
    if reader is not None:
        try:
            doc = reader.read(data, name)
        except ScannedDocumentError:
            if not ocr:
                raise
            return ocr_pdf(data, name)
        if ocr and doc.format == "pdf":
            doc = ocr_scanned_pages(data, name, doc)  # scanned pages among text pages
        return doc
    what = binary_kind(data)
    if what is not None:
        raise BinaryFileError(f"{name}: ไม่ใช่เอกสารข้อความ / {name} is {what}, not a text document")
    if suffix.lower() in (".pdf", ".docx", ".doc"):
        raise UnsupportedFormatError(
            f"{name}: ไฟล์ไม่ตรงกับนามสกุล / is named {suffix} but is not a "
            f"{suffix.lstrip('.').upper()} file (damaged or renamed); give the original document"
        )
    return _TEXT.read(data, name)


def load_document(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = False,
    max_pages: int | None = None,
) -> ExtractedDocument:
    """Read a plan file of any supported format.

    >>> load_document("corpus/raw/003_15a60f9e2bf40418.txt").text[:15]  # doctest: +SKIP
    'Print this page'
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(
            f"{p}: เป็นโฟลเดอร์ / is a directory; use plansearch.load_corpus() for folders"
        )
    if not p.exists():
        raise InputError(f"{p}: ไม่พบไฟล์ / no such file")
    size = p.stat().st_size
    if size > max_bytes:
        raise too_large(str(p), size, max_bytes)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: อ่านไฟล์ไม่ได้ / cannot read the file ({exc.strerror or exc})") from exc
    return extract_bytes(
        data, name=str(p), suffix=p.suffix, max_bytes=max_bytes, ocr=ocr, max_pages=max_pages
    )


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The extracted text of a plan file (see :func:`load_document` for the structure)."""
    return load_document(path, max_bytes=max_bytes).text


def decode_bytes(data: bytes, *, name: str = "<bytes>", max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The extracted text of a document's bytes (text, PDF, DOCX, .doc)."""
    return extract_bytes(data, name=name, max_bytes=max_bytes).text


__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "Block",
    "ExtractedDocument",
    "Reader",
    "decode_bytes",
    "extract_bytes",
    "load_document",
    "read_document",
    "reader_for",
    "register",
    "registered",
]
