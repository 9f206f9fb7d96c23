"""Plain text in any encoding Thai offices use.

Decoded by its byte-order mark (UTF-8/16/32), else as UTF-8, else as Thai Windows-874 /
TIS-620 (older Thai files are still saved that way). Bytes that are not text (an image,
an archive, an executable) raise a named error that says what to do.

>>> decode_text("วิสัยทัศน์".encode("cp874"))
'วิสัยทัศน์'
"""

from __future__ import annotations

import re

from ...errors import BinaryFileError, EncodingError
from .base import ExtractedDocument

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


def binary_kind(data: bytes) -> str | None:
    """What a binary file is (``"a PNG image"``…) from its magic bytes, or ``None``."""
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    return None


def decode_text(data: bytes, name: str = "<bytes>") -> str:
    """Decode the bytes of a text document (see the module docstring)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc), name)
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"{name}: ถอดรหัสไม่ได้ / starts with a {enc} byte-order mark but is not "
                    f"valid {enc} (byte {exc.start}); re-save it as UTF-8"
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
        f"{name}: ถอดรหัสไม่ได้ / is neither UTF-8, UTF-16 nor Thai TIS-620/Windows-874 "
        "text; re-save it as UTF-8"
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


class TextReader:
    """Plain text (any magic bytes that are not another format's)."""

    format = "text"
    magic: tuple[bytes, ...] = ()
    suffixes: tuple[str, ...] = (".txt", ".text", ".md")

    def accepts(self, data: bytes) -> bool:
        return True

    def read(self, data: bytes, name: str) -> ExtractedDocument:
        return ExtractedDocument.plain(decode_text(data, name))
