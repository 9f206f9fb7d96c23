"""Bytes → text for plan documents: plain text in any encoding Thai offices use, PDF
(via ``pypdf``) and Word ``.docx`` (via ``python-docx``).

Plain text is decoded by its byte-order mark (UTF-8/16/32), else as UTF-8, else as
Thai Windows-874 / TIS-620 (older Thai files are still saved that way). Anything that
is not text and not a supported format raises a named error that says what to do.

>>> decode_bytes("วิสัยทัศน์".encode("cp874"))
'วิสัยทัศน์'
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from ..errors import (
    BinaryFileError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncodingError,
    InputError,
    UnsupportedFormatError,
)

#: Default size limit for one document (bytes). Real plans are a few MB at most.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: File suffixes :func:`plansearch.load_corpus` picks up.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".text", ".md", ".pdf", ".docx")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Magic numbers of binary formats people may drop into a corpus by mistake.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"7z\xbc\xaf", "a 7-zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "an SQLite database"),
)
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _too_large(name: str, size: int, max_bytes: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"{name} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit; "
        "split the document or raise max_bytes (plansearch ingest --max-mb)"
    )


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a plan file (text, PDF or DOCX) and return its text.

    >>> read_document("corpus/raw/003_15a60f9e2bf40418.txt")[:15]  # doctest: +SKIP
    'Print this page'
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p} is a directory; use plansearch.load_corpus() for folders")
    if not p.exists():
        raise InputError(f"{p}: no such file")
    size = p.stat().st_size
    if size > max_bytes:
        raise _too_large(str(p), size, max_bytes)
    if p.suffix.lower() == ".doc":
        raise UnsupportedFormatError(
            f"{p}: old Word .doc files are not supported; save it as .docx or PDF"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    return decode_bytes(data, name=str(p), max_bytes=max_bytes)


def decode_bytes(data: bytes, *, name: str = "<bytes>", max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Turn the bytes of a plan document into text (see the module docstring)."""
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    if not data.strip():
        raise EmptyDocumentError(f"{name} is empty; nothing to parse")
    if data.startswith(b"%PDF-"):
        return _read_pdf(data, name)
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536]:
            return _read_docx(data, name)
        raise UnsupportedFormatError(
            f"{name} is a ZIP archive, not a plan document; unpack it or give .txt/.pdf/.docx"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFormatError(
            f"{name} is an old Office (.doc/.xls) file; save it as .docx or PDF first"
        )
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise BinaryFileError(f"{name} is {what}, not a text document")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc), name)
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"{name} starts with a {enc} byte-order mark but is not valid {enc} "
                    f"(byte {exc.start}); re-save it as UTF-8"
                ) from exc
    sample = data[:8192]
    if b"\x00" in sample:
        utf16 = _guess_utf16(sample)
        if utf16 is None:
            raise BinaryFileError(f"{name} contains NUL bytes: it is a binary file, not text")
        try:
            return _check_text(data.decode(utf16), name)
        except UnicodeDecodeError as exc:
            raise BinaryFileError(f"{name} contains NUL bytes and is not UTF-16 text") from exc
    controls = len(_CONTROL_BYTES.findall(sample))
    if controls > max(8, 0.02 * len(sample)):
        raise BinaryFileError(
            f"{name} looks binary ({controls} control bytes in the first {len(sample)}); "
            "give a text, PDF or DOCX plan"
        )
    try:
        return _check_text(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    for enc in ("cp874", "tis-620"):
        try:
            return _check_text(data.decode(enc), name)
        except UnicodeDecodeError:
            continue
    raise EncodingError(
        f"{name} is neither UTF-8, UTF-16 nor Thai TIS-620/Windows-874 text; re-save it as UTF-8"
    )


def _guess_utf16(sample: bytes) -> str | None:
    n = len(sample) // 2 * 2
    if n < 4:
        return None
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    half = n // 2
    # ASCII-heavy UTF-16: one byte of each pair is NUL; Thai UTF-16LE: "\x0e" high bytes
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    thai_hi_odd = sample[1:n:2].count(0x0E)
    thai_hi_even = sample[0:n:2].count(0x0E)
    if thai_hi_odd + odd > 0.6 * half:
        return "utf-16-le"
    if thai_hi_even + even > 0.6 * half:
        return "utf-16-be"
    return None


def _check_text(text: str, name: str) -> str:
    """Reject decoded 'text' that is really binary (many control characters)."""
    sample = text[:65536]
    if sample:
        controls = len(_CONTROL.findall(sample))
        if controls > max(8, 0.02 * len(sample)):
            raise BinaryFileError(
                f"{name} looks binary ({controls} control characters in the first "
                f"{len(sample)}); give a text, PDF or DOCX plan"
            )
    return text


def _read_pdf(data: bytes, name: str) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise UnsupportedFormatError(f"{name}: reading PDF needs `pip install pypdf`") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise InputError(f"{name} is an encrypted PDF; remove the password") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many types on broken files
        raise InputError(f"{name}: cannot read this PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise EmptyDocumentError(
            f"{name} has no text layer (a scanned PDF?); run OCR (e.g. tesseract -l tha) first"
        )
    return text


def _read_docx(data: bytes, name: str) -> str:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a dependency
        raise UnsupportedFormatError(
            f"{name}: reading DOCX needs `pip install python-docx`"
        ) from exc
    try:
        document = docx.Document(io.BytesIO(data))
        out: list[str] = []
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                out.append(Paragraph(child, document).text)
            elif tag == "tbl":
                for row in Table(child, document).rows:
                    out.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
    except Exception as exc:
        raise InputError(f"{name}: cannot read this DOCX ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(out)
    if not text.strip():
        raise EmptyDocumentError(f"{name} is a DOCX without text")
    return text
