"""Printed lines of a PDF page and the character-level rules for their Thai text.

:class:`PrintedLine` is one line of a page as PDFium gives it, with its box;
:func:`merge_lines` joins two pieces of one printed line;
:func:`place_marks` puts Thai marks back on the letter they are drawn over;
:func:`starts_item` and :func:`join_thai` decide how wrapped lines join.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..vocabulary import STRATEGY_NUMBERED, match_term, parse_marker

#: a list number alone on a line: "1.", "1.1", "(2)", "3)", "." or ".4" (a digit lost), "-"
#: (not "4.0" or "20": numbers that end a wrapped sentence)
_N = r"[1-9]\d{0,2}"
_BARE = re.compile(rf"\({_N}\)|{_N}(?:\.{_N})*[.)]|{_N}(?:\.{_N})+|\.(?:{_N})?|[-–•]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_NO_BREAK_BEFORE = frozenset(")]}”’,.;:!?%/([{")
_NO_BREAK_AFTER = frozenset("([{“‘.,")
_THAI_LETTERS = re.compile(r"[\u0e01-\u0e4f]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@dataclass
class PrintedLine:
    """One printed line (or table cell) of a page: its text and its box in points.

    ``baseline`` is where its glyphs stand, ``size`` their font size, ``bold`` whether
    its first run is set in a bold font, ``text_left`` the x where the text after a
    leading list number starts (the indent of a hanging item's wrapped lines), and
    ``edges`` the right edge of each of its non-space characters (for the width of its
    first word)."""

    page: int
    text: str
    left: float
    right: float
    bottom: float
    top: float
    #: the width of its first Thai word, once :meth:`next_word` has measured it (0: not yet)
    first_word: float = 0.0
    #: the pieces a line was merged from across tab stops or table gaps (left to right)
    parts: tuple[PrintedLine, ...] = ()
    size: float = 0.0
    bold: bool = False
    baseline: float | None = None
    text_left: float | None = None
    edges: tuple[float, ...] = ()
    col: int = 0  # its column on the page (0 = the first or only one)
    furniture: bool = False  # the one copy kept of a running page header or footer
    tallest: float = 0.0  # the largest font size on the line (it sets the line height)
    #: a list number joined to the text after its tab: the two pieces' texts as printed
    numbered_from: tuple[str, ...] = ()

    @property
    def pieces(self) -> tuple[PrintedLine, ...]:
        """The pieces it was merged from (itself when it is one piece)."""
        return self.parts or (self,)

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)

    @property
    def font(self) -> float:
        """The font size (the box height where the PDF did not say)."""
        return self.size or self.height

    def __post_init__(self) -> None:
        self.tallest = max(self.tallest, self.font)

    @property
    def base(self) -> float:
        return self.baseline if self.baseline is not None else self.bottom

    @property
    def indent(self) -> float:
        """Where the text after a leading list number starts (``left`` without one)."""
        return self.text_left if self.text_left is not None else self.left

    def next_word(self, thai: bool = True) -> float:
        """Width of the first word: with ``thai``, a Thai word (PyThaiNLP's dictionary
        segmentation, as a word processor breaks Thai lines), else the text before the
        first space (as a typesetter that breaks only at spaces does)."""
        if not self.edges:
            return self.first_word
        if thai and self.first_word:
            return self.first_word
        head = self.text[:40] if thai else self.text
        word = head.split()[0] if head.split() else head
        if thai and _THAI.match(head):
            from pythainlp.tokenize import word_tokenize

            tokens = word_tokenize(head, engine="newmm")
            word = tokens[0] if tokens else head
            # no line break next to brackets and closing punctuation (Unicode line
            # breaking: "การเกษตร(เพื่อ" is one unit)
            for token in tokens[1:]:
                if not token.strip():
                    break
                if token[0] in _NO_BREAK_BEFORE or word[-1] in _NO_BREAK_AFTER:
                    word += token
                else:
                    break
        k = min(max(len("".join(word.split())), 1), len(self.edges))
        width = max(self.edges[k - 1] - self.left, 0.0) or 0.01
        if thai:
            self.first_word = width
        return width


def merge_lines(a: PrintedLine, b: PrintedLine, sep: str, **changes: Any) -> PrintedLine:
    """``b`` after ``a`` on one printed line, ``sep`` between them: a tab keeps them apart
    (``parts``: the pieces of both), a space makes one piece of them.

    The box holds both, ``size`` is the longer text's, ``tallest`` the larger one and
    ``edges`` those of both; the rest is ``a``'s (baseline, boldness, hanging indent, and
    what is said of the whole line: its column, whether it is a running header), except
    ``first_word`` (measured again) and ``numbered_from`` (it named ``a``'s pieces), and
    what ``changes`` sets.

    >>> a = PrintedLine(1, "ก", 10, 20, 100, 112, size=12, baseline=102, furniture=True)
    >>> m = merge_lines(a, PrintedLine(1, "ขค", 40, 60, 99, 111, size=14, baseline=102), "\\t")
    >>> m.text, m.right, m.size, m.baseline, m.furniture, [p.text for p in m.parts]
    ('ก\\tขค', 60, 14, 102, True, ['ก', 'ขค'])
    """
    fields: dict[str, Any] = {
        "text": f"{a.text}{sep}{b.text}",
        "left": min(a.left, b.left),
        "right": max(a.right, b.right),
        "bottom": min(a.bottom, b.bottom),
        "top": max(a.top, b.top),
        "first_word": 0.0,
        "parts": (*a.pieces, *b.pieces) if sep == "\t" else (),
        "size": (a if len(a.text) >= len(b.text) else b).size,
        "tallest": max(a.tallest, b.tallest),
        "edges": a.edges + b.edges,
        "numbered_from": (),
    }
    fields.update(changes)
    return replace(a, **fields)


def quartile(values: Iterable[float], k: int, default: float = 0.0) -> float:
    """The ``k``-th quartile of ``values`` (1: the lower, 3: the upper), the value at
    ``k·n // 4`` in sorted order; ``default`` when there are none.

    >>> quartile([4, 1, 3, 2], 1), quartile([4, 1, 3, 2], 3), quartile([], 1, 1.5)
    (2, 4, 1.5)
    """
    ordered = sorted(values)
    return ordered[k * len(ordered) // 4] if ordered else default


#: one character and its box: character, x0, y0, x1, y1
Box = tuple[str, float, float, float, float]
#: marks drawn above a letter's vowel or consonant: tone marks, thanthakhat
_TONE_MARKS = frozenset("\u0e48\u0e49\u0e4a\u0e4b\u0e4c")
#: vowels drawn above or below a consonant (ั ิ ี ึ ื ็ ุ ู), written right after it
_MARK_VOWELS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47\u0e38\u0e39")
_CONSONANTS = frozenset(chr(c) for c in range(0x0E01, 0x0E2F))


def _overlap(a: Box, b: Box) -> float:
    return min(a[3], b[3]) - max(a[1], b[1])


def _bases(mark: str) -> frozenset[str]:
    """What a mark may follow in Thai spelling: a vowel mark follows its consonant, a
    tone mark its consonant or the vowel mark written on it."""
    return _CONSONANTS if mark in _MARK_VOWELS else _CONSONANTS | _MARK_VOWELS


def place_marks(boxes: list[Box]) -> list[Box]:
    """Put each mark drawn above or below a letter back after that letter.

    Some PDF writers (LibreOffice with a Thai font: a tone mark raised over an upper
    vowel in ``ทั้ง``, ``นั้น``, ``ขึ้น``, the tone of ``รู้``) draw a mark as a separate
    glyph run, and PDFium gives it where the run was written: at the end of the line or
    after another word (``รวมทังส่งเสริม้``, ``การก้ำหนด``). In Thai spelling a vowel
    mark follows its consonant and a tone mark the consonant or the vowel mark on it, so
    a mark whose text predecessor is not such a letter, or is one its middle is not
    drawn over, is moved to the letter of the same printed line it overlaps most, unless that
    letter already has a mark of its kind. Marks in place are not touched.
    """
    if not any(b[0] in _TONE_MARKS or b[0] in _MARK_VOWELS for b in boxes):
        return boxes
    out = list(boxes)
    for mark in [b for b in boxes if b[0] in _TONE_MARKS or b[0] in _MARK_VOWELS]:
        i = next(k for k, b in enumerate(out) if b is mark)
        if i > 0 and _attached(out, i - 1, mark):
            continue
        bases = _bases(mark[0])
        best: int | None = None
        for k, b in enumerate(out):
            if k != i and b[0] in bases and _overlap(mark, b) > 0:
                if best is None or _overlap(mark, b) > _overlap(mark, out[best]):
                    best = k
        if best is None:
            continue
        j = best + 1
        if mark[0] in _TONE_MARKS:  # after the vowel marks written with the letter
            while j < len(out) and out[j][0] in _MARK_VOWELS:
                j += 1
            taken = j < len(out) and out[j][0] in _TONE_MARKS
        else:
            taken = out[best][0] in _MARK_VOWELS or (j < len(out) and out[j][0] in _MARK_VOWELS)
        if taken:
            continue
        del out[i]
        out.insert(j - 1 if j > i else j, mark)
    return out


def _attached(boxes: list[Box], k: int, mark: Box) -> bool:
    """Is ``mark`` a valid follower of the letter at ``k`` and drawn on it: its middle
    over that letter or the consonant under that letter's vowel mark?"""
    if boxes[k][0] not in _bases(mark[0]):
        return False
    middle = (mark[1] + mark[3]) / 2
    slack = 0.25 * (mark[3] - mark[1])
    while True:
        if boxes[k][1] - slack <= middle <= boxes[k][3] + slack:
            return True
        if boxes[k][0] not in _MARK_VOWELS or k == 0:
            return False
        k -= 1  # the consonant the vowel mark is written on


def starts_item(text: str) -> bool:
    t = text.translate(_THAI_DIGITS)
    if parse_marker(t) is not None or STRATEGY_NUMBERED.match(t) or bare_marker(t):
        return True
    return match_term(t) is not None and len(t) <= 80


def marker_end(text: str) -> int:
    """Where the text after a leading list number starts (0 without one).

    >>> marker_end("๑.๒ ส่งเสริมอาชีพ"), marker_end("ส่งเสริมอาชีพ")
    (4, 0)
    """
    m = parse_marker(text.translate(_THAI_DIGITS))
    return m.end if m is not None else 0


def bare_marker(text: str) -> bool:
    """``"1."`` / ``"(๒)"`` alone on a line."""
    return _BARE.fullmatch(text.translate(_THAI_DIGITS).strip()) is not None


def join_thai(a: str, b: str) -> str:
    """Two lines of one paragraph: Thai letters meet without a space (Thai does not put
    spaces between words), anything else (a number, Latin) with one.

    >>> join_thai("การพัฒนา", "ท้องถิ่น"), join_thai("ยุทธศาสตร์ที่ ๑", "การพัฒนา")
    ('การพัฒนาท้องถิ่น', 'ยุทธศาสตร์ที่ ๑ การพัฒนา')
    """
    if not a or not b:
        return a + b
    if _THAI_LETTERS.match(a[-1]) and _THAI_LETTERS.match(b[0]):
        return a + b
    if a[-1] in "-‐" and b[0].isalpha():
        return a + b  # "e-" / "Service": a hyphen at the end of a line joins
    return f"{a} {b}"


def new_cell_paragraph(
    prev: PrintedLine, before: str, line: PrintedLine, text: str, right: float
) -> bool:
    """Does the table cell line ``line`` (its text ``text``) start a new paragraph after
    the cell line ``prev`` (the paragraph so far: ``before``)? Not after a list number
    alone (``1.``, its text did not fit beside it) or a label cut in two (``ประเด็น`` /
    ``ยุทธศาสตร์ที่ 1``). A list number does; another item (``ยุทธศาสตร์ที่ 2``) does
    where ``prev`` ended short of the cell's right edge ``right`` (the item's first word
    would have fitted after it)."""
    if bare_marker(before) or split_label(before, text):
        return False
    if marker_end(text):
        return True
    if not starts_item(text):
        return False
    room = right - prev.right - 0.6 * line.font
    return line.next_word() <= room


def split_label(before: str, text: str) -> bool:
    """``ประเด็น`` / ``ยุทธศาสตร์ที่ 1 …``: a strategy label broken over two lines (the
    label runs across the break).

    >>> split_label("ประเด็น", "ยุทธศาสตร์ที่ 1 ด้านการพัฒนา"), split_label("ข้อ", "ยุทธศาสตร์ที่ 1")
    (True, False)
    """
    head = before.strip()
    if not head or len(head) > 24:
        return False
    joined = join_thai(head, text.strip()).translate(_THAI_DIGITS)
    m = STRATEGY_NUMBERED.match(joined)
    return m is not None and m.end("label") > len(head)
