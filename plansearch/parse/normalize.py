"""Normalisation of decoded plan text, with a map back to the original characters.

The parser works on a *working copy* of the document in which

* zero-width characters, soft hyphens and the ``\\r`` of ``\\r\\n`` are removed,
* lone ``\\r``, form feeds and vertical tabs become ``\\n``,
* exotic spaces (no-break, thin, ideographic…) become ``" "``,
* Thai digits become Arabic digits (``"๒.๑"`` → ``"2.1"``), so numbering can be read
  with one set of patterns.

Only deletions change positions, so :class:`NormalizedText` keeps a compact table of
them and maps any working-copy offset back to the original text in ``O(log n)``:
every :class:`~plansearch.Section` span therefore indexes the text the user gave.

Web and PDF debris (menus, "Print this page", copyright lines, ``*****`` rules, page
numbers, table-of-contents lines) is found by :func:`debris_lines`; the parser skips
those lines instead of deleting them, so offsets stay valid.

>>> n = NormalizedText.from_text("๑.\\u200bพันธกิจ\\r\\n")
>>> n.text
'1.พันธกิจ\\n'
>>> n.span(2, 9)
(3, 10)
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..thai import ZERO_WIDTH_CHARS
from .vocabulary import match_term, parse_marker

_DELETE = re.compile(r"\r(?=\n)|[" + ZERO_WIDTH_CHARS + "]+")
_TRANSLATE = str.maketrans(
    {
        **{chr(0x0E50 + i): str(i) for i in range(10)},
        "\r": "\n",
        "\f": "\n",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u0085": "\n",
        **{c: " " for c in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"},
        **{c: " " for c in "\u2008\u2009\u200a\u202f\u205f\u3000"},
    }
)
_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)
_WS = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Line:
    """One line of the working copy: ``text`` is stripped; ``start``/``end`` are the
    working-copy offsets of the stripped text."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NormalizedText:
    """The working copy of a document plus the offset map back to ``original``."""

    original: str
    text: str
    _breaks: tuple[int, ...] = field(default=(), repr=False)
    _shifts: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def from_text(cls, original: str) -> NormalizedText:
        pieces: list[str] = []
        breaks: list[int] = []
        shifts: list[int] = []
        last = 0
        removed = 0
        for m in _DELETE.finditer(original):
            pieces.append(original[last : m.start()])
            breaks.append(m.start() - removed)
            removed += m.end() - m.start()
            shifts.append(removed)
            last = m.end()
        pieces.append(original[last:])
        work = "".join(pieces).translate(_TRANSLATE)
        return cls(original, work, tuple(breaks), tuple(shifts))

    def to_original(self, pos: int) -> int:
        """Original offset of working-copy offset ``pos``."""
        i = bisect_right(self._breaks, pos) - 1
        return pos + (self._shifts[i] if i >= 0 else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the working-copy range ``[start, end)``."""
        if end <= start:
            o = self.to_original(start)
            return (o, o)
        return (self.to_original(start), self.to_original(end - 1) + 1)

    def lines(self) -> Iterator[Line]:
        """Stripped lines of the working copy with their offsets."""
        pos = 0
        text = self.text
        for i, raw in enumerate(text.split("\n")):
            stripped = raw.strip()
            if stripped:
                lead = len(raw) - len(raw.lstrip())
                start = pos + lead
                yield Line(i, start, start + len(stripped), stripped)
            else:
                yield Line(i, pos, pos, "")
            pos += len(raw) + 1


def clean_fragment(text: str) -> str:
    """Readable one-line text for titles and bodies: NFC, no zero-width characters,
    whitespace folded. Thai spelling slips that PyThaiNLP knows how to fix (``เเ`` for
    ``แ``, doubled or misordered tone marks) are fixed with ``pythainlp.util.normalize``.

    >>> clean_fragment("  ส่งเสริม\\u200bการ  เเปรรูป ")
    'ส่งเสริมการ แปรรูป'
    """
    text = _SURROGATE.sub("\ufffd", text)  # unpaired surrogates cannot be stored as UTF-8
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = _WS.sub(" ", text).strip()
    if _NEEDS_PYTHAINLP.search(text):
        from pythainlp.util import normalize as thai_normalize

        text = thai_normalize(text)
    return text


# "เเ" (two sara e), a doubled combining mark, or a tone mark typed before its vowel
_NEEDS_PYTHAINLP = re.compile(
    r"เเ|([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\1|[\u0e48-\u0e4b][\u0e31\u0e34-\u0e39]"
)


# ---------------------------------------------------------------------------
# debris
# ---------------------------------------------------------------------------

_DEBRIS_EXACT = re.compile(
    r"print this page|printer[- ]friendly(?: version)?|back to top|พิมพ์หน้านี้|กลับสู่ด้านบน"
    r"|[*=_~#•·.\-–—]{3,}"  # ******* / ------ rules
    r"|-?\s*\d{1,4}\s*-?"  # page numbers: "12", "- 12 -"
    r"|หน้า(?:\s*\d{1,4}(?:\s*/\s*\d{1,4})?)?",  # "หน้า 3", or the "page" header of a TOC
    re.IGNORECASE,
)
#: a table-of-contents entry ends with a tab or dot leaders and a page number (range)
_TOC_TAIL = re.compile(r"\S\s*(?:\t|\.{4,}|…{2,})\s*\d{1,4}(?:\s*[-–,]\s*\d{1,4})*$")
_COPYRIGHT = ("copyright", "©", "all rights reserved", "สงวนลิขสิทธิ์")


_MENU_WORDS = (
    "หน้าหลัก",
    "หน้าแรก",
    "ข้อมูลทั่วไป",
    "กระดานสนทนา",
    "เว็บบอร์ด",
    "ติดต่อเรา",
    "ติดต่อสอบถาม",
    "แผนที่",
    "ทำเนียบบุคลากร",
    "โครงสร้างองค์กร",
    "ผู้บริหาร",
    "สำนักปลัด",
    "กองคลัง",
    "กองช่าง",
    "ส่วนการคลัง",
    "ส่วนโยธา",
    "ข่าวสาร",
    "ข่าวประชาสัมพันธ์",
    "ดาวน์โหลด",
    "home",
    "login",
    "contact",
    "sitemap",
)


def is_debris_line(text: str) -> bool:
    """A single line that is page furniture, not content (``text`` stripped)."""
    if not text:
        return False
    if len(text) <= 60 and _DEBRIS_EXACT.fullmatch(text):
        return True
    if len(text) <= 200 and any(w in text.lower() for w in _COPYRIGHT):
        return True
    return _TOC_TAIL.search(text) is not None


def debris_lines(lines: list[Line]) -> set[int]:
    """Indices of lines to skip: single debris lines and web-menu blocks.

    A menu block is a run of at least six consecutive short (≤ 40 characters),
    unnumbered lines with no blank line between them that either contains a typical
    menu entry or is at least ten lines long; such runs are navigation, not plan text.
    """
    out = {ln.index for ln in lines if is_debris_line(ln.text)}
    run: list[Line] = []

    def close_run() -> None:
        if len(run) >= 6:
            lowered = [r.text.lower() for r in run]
            has_menu_word = any(any(w in t for w in _MENU_WORDS) for t in lowered)
            vocab = sum(1 for r in run if match_term(r.text) is not None)
            if (has_menu_word or len(run) >= 10) and vocab * 3 <= len(run):
                out.update(r.index for r in run)
        run.clear()

    for ln in lines:
        t = ln.text
        if t and ln.index not in out and len(t) <= 40 and "\t" not in t and parse_marker(t) is None:
            run.append(ln)
        elif t and ln.index in out:
            continue  # a debris line inside a menu does not break it
        else:
            close_run()
    close_run()
    return out
