"""Plain text in any encoding Thai offices use.

Decoded by its byte-order mark (UTF-8/16/32), else as UTF-8, else as Thai Windows-874 /
TIS-620 (older Thai files are still saved that way). Bytes that are not text (an image,
an archive, an executable) raise a named error that says what to do.

A file that is *almost* UTF-8 is repaired rather than refused, line by line
(:func:`decode_text_checked`):

* a line of valid UTF-8 around a few invalid bytes (a damaged copy, a truncated
  character) keeps every valid character, and each invalid sequence becomes U+FFFD
  (``"�"``), visibly, where the damage is: it has at least as many Thai characters
  read as UTF-8 as invalid sequences. Guessing another encoding for such a line would
  turn its valid Thai into mojibake;
* any other line that is not UTF-8 (Windows-874 Thai read as UTF-8 gives almost no
  Thai characters, only invalid bytes: a legacy line pasted into a UTF-8 file) is
  decoded as Windows-874 when that needs no more replacements.

Both are counted and named in the document's notes (``ExtractedDocument.repaired``). A
file damaged throughout (more than 1% of its characters) is still refused.

>>> decode_text_checked("วิสัยทัศน์".encode("cp874")).text
'วิสัยทัศน์'
>>> fixed = decode_text_checked("วิสัยทัศน์\\nพันธกิจ".encode()[:-1], "plan.txt")
>>> fixed.text[-3:], fixed.replaced
('กิ\\ufffd', 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_THAI = re.compile("[\u0e01-\u0e5b]")
_REPLACEMENT = "\ufffd"
#: More replaced characters than this share of the text (and than :data:`MIN_REPAIRED`,
#: one damaged character) means "not text in these encodings": refused.
MAX_REPAIRED_SHARE = 0.01
MIN_REPAIRED = 3
#: Line numbers named in a note.
_NAMED_LINES = 5


@dataclass(frozen=True)
class DecodedText:
    """Decoded text and what it took: ``replaced`` invalid sequences (each now U+FFFD),
    ``legacy_lines`` Windows-874 lines in an otherwise UTF-8 file, and where."""

    text: str
    replaced: int = 0
    replaced_at: tuple[int, ...] = ()
    legacy_at: tuple[int, ...] = ()

    @property
    def legacy_lines(self) -> int:
        return len(self.legacy_at)

    @property
    def repaired(self) -> int:
        """Characters or lines that were repaired (0 for a clean file)."""
        return self.replaced + self.legacy_lines

    @property
    def notes(self) -> tuple[str, ...]:
        """Thai/English notes for the quality report (empty for a clean file)."""
        out = []
        if self.replaced:
            out.append(
                f"แทนไบต์ที่เสีย {self.replaced} ตำแหน่งด้วย � ({_lines(self.replaced_at)}) / "
                f"{self.replaced} invalid byte sequence(s) replaced with U+FFFD "
                f"({_lines(self.replaced_at, english=True)}); check the original file"
            )
        if self.legacy_lines:
            out.append(
                f"อ่าน {self.legacy_lines} บรรทัดเป็นรหัส Windows-874 "
                f"({_lines(self.legacy_at)}) / {self.legacy_lines} line(s) in Thai "
                f"Windows-874 inside a UTF-8 file, decoded as such "
                f"({_lines(self.legacy_at, english=True)})"
            )
        return tuple(out)


def _lines(numbers: tuple[int, ...], *, english: bool = False) -> str:
    shown = ", ".join(str(n) for n in numbers[:_NAMED_LINES])
    more = "…" if len(numbers) > _NAMED_LINES else ""
    return f"{'line' if english else 'บรรทัด'} {shown}{more}"


def binary_kind(data: bytes) -> str | None:
    """What a binary file is (``"a PNG image"``…) from its magic bytes, or ``None``."""
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    return None


def decode_text_checked(data: bytes, name: str = "<bytes>") -> DecodedText:
    """Decode the bytes of a text document and say what had to be repaired."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-8-sig":
                try:
                    return DecodedText(_check_text(data[len(bom) :].decode("utf-8"), name))
                except UnicodeDecodeError:
                    return _repair(data[len(bom) :], name, "utf-8")
            try:
                return DecodedText(_check_text(data.decode(enc), name))
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
            return DecodedText(_check_text(data.decode(utf16), name))
        except UnicodeDecodeError as exc:
            raise BinaryFileError(f"{name} contains NUL bytes and is not UTF-16 text") from exc
    controls = len(_CONTROL_BYTES.findall(sample))
    if controls > max(8, 0.02 * len(sample)):
        raise BinaryFileError(
            f"{name} looks binary ({controls} control bytes in the first {len(sample)}); "
            "give a text, PDF or DOCX plan"
        )
    try:
        return DecodedText(_check_text(data.decode("utf-8"), name))
    except UnicodeDecodeError:
        pass
    return _repair(data, name, None)


def _repair(data: bytes, name: str, declared: str | None) -> DecodedText:
    """Decode line by line: UTF-8 (invalid sequences → U+FFFD) or Windows-874."""
    parts: list[str] = []
    replaced_at: list[int] = []
    legacy_at: list[int] = []
    replaced = 0
    utf8_thai = False
    for number, line in enumerate(data.split(b"\n"), 1):
        text, kind, bad = _decode_line(line)
        parts.append(text)
        if kind == "utf-8":
            utf8_thai = utf8_thai or _THAI.search(text) is not None
        else:
            legacy_at.append(number)
        if bad:
            replaced += bad
            replaced_at.append(number)
    if not utf8_thai and declared is None:  # a legacy Windows-874 file, as a whole
        try:
            return DecodedText(_check_text(data.decode("cp874"), name))
        except UnicodeDecodeError:
            legacy_at = []
    text = "\n".join(parts)
    if replaced > max(MIN_REPAIRED, MAX_REPAIRED_SHARE * len(text)):
        raise EncodingError(
            f"{name}: ถอดรหัสไม่ได้ / is neither UTF-8, UTF-16 nor Thai TIS-620/Windows-874 "
            f"text ({replaced} invalid byte sequences); re-save it as UTF-8"
        )
    mixed = utf8_thai and legacy_at
    return DecodedText(
        _check_text(text, name),
        replaced=replaced,
        replaced_at=tuple(replaced_at),
        legacy_at=tuple(legacy_at) if mixed else (),
    )


def _decode_line(line: bytes) -> tuple[str, str, int]:
    """(text, ``"utf-8"`` or ``"cp874"``, invalid sequences replaced) of one line."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if line.isascii() or _THAI.search(text):
            return text, "utf-8", 0
        legacy = line.decode("cp874", "replace")  # valid UTF-8 by accident ("รก" → "á")?
        mostly_thai = len(_THAI.findall(legacy)) * 5 >= 4 * _non_ascii(legacy)
        if _REPLACEMENT not in legacy and mostly_thai:
            return legacy, "cp874", 0
        return text, "utf-8", 0
    text = line.decode("utf-8", "replace")
    bad = text.count(_REPLACEMENT) - line.count(b"\xef\xbf\xbd")
    thai = len(_THAI.findall(text))
    if thai and thai >= bad:  # Thai read as UTF-8 is evidence: Windows-874 gives almost none
        return text, "utf-8", bad
    legacy = line.decode("cp874", "replace")
    legacy_bad = legacy.count(_REPLACEMENT)
    if legacy_bad <= bad:
        return legacy, "cp874", legacy_bad
    return text, "utf-8", bad


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


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
        decoded = decode_text_checked(data, name)
        return ExtractedDocument.plain(decoded.text, notes=decoded.notes, repaired=decoded.repaired)
