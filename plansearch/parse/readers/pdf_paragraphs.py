"""Printed lines → paragraphs, decided by the layout: flows, indents, gaps, fonts.

A PDF has no paragraphs, only printed lines (in reading order, columns already apart:
:mod:`.pdf_columns`). A line goes on the paragraph above it only when the page says so:

* **the same flow** – the same column of the same page, or the top of the next column
  or page after the bottom of the last one; a page that ends two lines early, or a
  column that starts lower than the page's usual top, ends the paragraph (a blank line
  fell there);
* **no paragraph gap** – the step from the line above is less than the document's line
  pitch (for the tallest glyphs of the two lines) plus half a line; a larger step is a
  blank line, kept as a blank block;
* **the same font** – bold and size (compared between Thai lines: Word sets Latin runs
  in their own size) do not change;
* **the line above was full** – the next line's first word would not have fitted at its
  end: a Thai word by dictionary segmentation (no break next to brackets), or the text
  up to the first space where the document breaks lines only at spaces (a typesetter;
  told apart by how many lines end with room for a Thai word);
* **the indent of a wrapped line** – the paragraph's own continuation indent once it
  has one; for its second line the first line's indent, the indent of the text after a
  hanging list number or anything between the two, or the margin where the document's
  paragraphs start with a first-line indent; in another column, indents count from its
  margin;
* **no new item** – a list number or ``ยุทธศาสตร์ที่ N`` starts one, unless the line sits
  at the hanging indent of the item above; a heading term alone (``แนวทางการพัฒนา``)
  starts a paragraph, unless the line above ends with a number that it counts.

A plain line right under a numbered item at its indent, after a mostly full line, is
that item's text (as the parser reads it), whatever room the line above left; a row of
tab-separated cells that wraps goes on at a tab stop of the next line.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from ...thai import thai_digits_to_arabic
from ..vocabulary import STRATEGY_NUMBERED, match_term
from .base import Block
from .pdf_columns import MARKER_GAP
from .pdf_text import PrintedLine, bare_marker, join_thai, marker_end, quartile, split_label

_CHAPTER = re.compile(r"(?:บทที่|ส่วนที่|ภาคที่)\s*\d+")
_THAI_LETTER = re.compile("[\u0e01-\u0e4e]")
_WORDS = re.compile(r"[\u0e01-\u0e4e\w]")
#: a text ending like this announces what follows: the next line is a new paragraph
#: (not a colon: "Goals :" / "SDGs)" wraps where a full line ends with one)
_ANNOUNCES = ("ดังนี้", "ดังต่อไปนี้")


# ---------------------------------------------------------------------------
# paragraphs
# ---------------------------------------------------------------------------


@dataclass
class _Geometry:
    """What the whole document says about its layout."""

    pitch: dict[int, float]  # font size (rounded) → baseline step between wrapped lines
    ratio: float  # the usual step / font size (for sizes seen once)
    left: dict[tuple[int, int], float]  # (page width class, column) → text margin
    right: dict[tuple[int, int], float]  # (page width class, column) → right edge
    width: dict[int, int]  # page → width class
    first: set[int] = field(default_factory=set)  # ids of the first line of a flow
    last: set[int] = field(default_factory=set)  # ids of the last line of a flow
    #: (page width class, 0) → the usual baseline of a page's (or column's) first line
    top: dict[tuple[int, int], float] = field(default_factory=dict)
    #: (page width class, column) → the usual baseline of a page's last line
    bottom: dict[tuple[int, int], float] = field(default_factory=dict)
    #: lines break inside runs of Thai (a dictionary line breaker), not only at spaces
    thai_breaks: bool = True
    #: paragraphs start indented and wrap back to the margin (a first-line indent)
    first_line_indents: bool = False

    def step(self, size: float) -> float:
        return self.pitch.get(round(size), self.ratio * size)

    def key(self, ln: PrintedLine) -> tuple[int, int]:
        return self.width.get(ln.page, 0), ln.col


def _geometry(lines: list[PrintedLine], widths: dict[int, float]) -> _Geometry:
    width_class = {p: round(w / 20) for p, w in widths.items()}
    steps: dict[int, list[float]] = defaultdict(list)
    ratios: list[float] = []
    flows: dict[tuple[int, int], list[PrintedLine]] = defaultdict(list)
    for ln in lines:
        flows[(ln.page, ln.col)].append(ln)
    first: set[int] = set()
    last: set[int] = set()
    tops: dict[tuple[int, int], list[float]] = defaultdict(list)
    bottoms: dict[tuple[int, int], list[float]] = defaultdict(list)
    left: dict[tuple[int, int], list[float]] = defaultdict(list)
    right: dict[tuple[int, int], list[float]] = defaultdict(list)
    for (page, col), flow in flows.items():
        first.add(id(flow[0]))
        last.add(id(flow[-1]))
        key = (width_class.get(page, 0), col)
        body = [ln for ln in flow if not ln.furniture] or flow
        # the columns of a page share its top margin
        tops[(key[0], 0)].append(round(body[0].base / 2) * 2)
        bottoms[key].append(round(flow[-1].base / 2) * 2)
        for ln in flow:
            if not ln.parts:
                left[key].append(ln.left)
                right[key].append(ln.right)
        for a, b in pairwise(flow):
            size = max(a.tallest, b.tallest)  # the largest glyphs set the line height
            step = a.base - b.base
            if abs(a.tallest - b.tallest) <= 0.5 and 0.9 * size < step < 3.5 * size:
                steps[round(size)].append(step)
                ratios.append(step / size)
    # the usual small step (between the lines of a paragraph; steps across blank lines
    # are the larger ones): the lower quartile
    pitch = {s: quartile(v, 1) for s, v in steps.items() if len(v) >= 3}
    right_of = {k: max(v) for k, v in right.items()}
    left_of = {k: min(v) for k, v in left.items()}
    return _Geometry(
        pitch=pitch,
        ratio=quartile(ratios, 1, 1.4),
        left=left_of,
        right=right_of,
        width=width_class,
        first=first,
        last=last,
        top={k: float(Counter(v).most_common(1)[0][0]) for k, v in tops.items()},
        bottom={k: float(min(v)) for k, v in bottoms.items()},
        thai_breaks=_breaks_thai(flows, right_of, width_class),
        first_line_indents=_first_line_indents(flows, left_of, right_of, width_class),
    )


def _first_line_indents(
    flows: dict[tuple[int, int], list[PrintedLine]],
    left: dict[tuple[int, int], float],
    right: dict[tuple[int, int], float],
    width_class: dict[int, int],
) -> bool:
    """Do the document's paragraphs start with a first-line indent? Evidence: nearly
    full, indented lines (no list number) followed by a line at the margin, against
    nearly full indented lines followed by another at the same indent."""
    to_margin = same = 0
    for (page, col), flow in flows.items():
        key = (width_class.get(page, 0), col)
        if key not in left or key not in right:
            continue
        margin, edge = left[key], right[key]
        for a, b in pairwise(flow):
            tol = 0.45 * a.font
            if a.parts or b.parts or a.left <= margin + tol or _numbered(a.text):
                continue
            if a.right < edge - 3 * a.font or not 0 < a.base - b.base < 2.5 * a.font:
                continue
            if abs(b.left - margin) <= tol:
                to_margin += 1
            elif abs(b.left - a.left) <= tol:
                same += 1
    return to_margin >= 3 and to_margin > 2 * same


def _breaks_thai(
    flows: dict[tuple[int, int], list[PrintedLine]],
    right: dict[tuple[int, int], float],
    width_class: dict[int, int],
) -> bool:
    """Does the document break lines inside runs of Thai letters (a word processor's
    dictionary line breaking), or only at spaces (a simple typesetter)? Of the lines
    that end in a Thai letter before a line that starts with one, a dictionary breaker
    leaves almost none with room for the next line's first Thai word (the generated
    layout corpus: at most 3 % in LibreOffice's exports, 20–65 % in fpdf2's)."""
    space_only = pairs = 0
    for (page, col), flow in flows.items():
        edge = right.get((width_class.get(page, 0), col))
        if edge is None:
            continue
        for a, b in pairwise(flow):
            if a.parts or b.parts:
                continue
            if not (_THAI_LETTER.match(a.text[-1:]) and _THAI_LETTER.match(b.text[:1])):
                continue
            if not 0 < a.base - b.base < 2.5 * a.font:
                continue
            room = edge - a.right - 0.5 * a.font
            pairs += 1
            if b.next_word(True) <= room < b.next_word(False):
                space_only += 1
        if pairs >= 300:
            break
    return not (space_only >= 3 and space_only >= 0.15 * pairs)


@dataclass
class _Paragraph:
    first: PrintedLine
    last: PrintedLine
    text: str
    indent: float  # where its text starts after a list number (its left without one)
    cont: float | None = None  # the indent of its wrapped lines, once seen
    lines: int = 1


def _numbered(text: str) -> bool:
    """Does the line start with a list number (``1.``, ``(๒)``, ``๓.`` alone) or a
    numbered strategy label (``ยุทธศาสตร์ที่ 2``)?"""
    t = thai_digits_to_arabic(text)
    return marker_end(t) > 0 or bare_marker(t) or STRATEGY_NUMBERED.match(t) is not None


def _at_tab(ln: PrintedLine, above: PrintedLine, geo: _Geometry) -> bool:
    """Does ``ln`` start at a tab stop of the row above it (right of the margin, where
    one of that row's cells starts or ends), not at a paragraph's indent?"""
    margin = geo.left.get(geo.key(ln), ln.left)
    if ln.left <= margin + ln.font:
        return False
    return (
        any(
            abs(ln.left - p.left) <= 2 or p.right < ln.left <= p.right + MARKER_GAP * ln.font
            for p in above.parts[1:]
        )
        or ln.left > margin + 2 * ln.font
    )


def _counts(text: str) -> bool:
    """Does the text end with a number, so that a noun on the next line is what it
    counts (``…ทั้ง 5`` / ``ยุทธศาสตร์``), not a heading?"""
    return thai_digits_to_arabic(text.rstrip()[-1:]).isdigit()


def _heading_like(text: str) -> bool:
    """A heading term alone on its line (``แนวทางการพัฒนา``, ``พันธกิจ :``,
    ``วิสัยทัศน์ (Vision)``), not the end of a bracket or quote opened on the line above
    (``…ตาม`` / ``วิสัยทัศน์)``) nor a sentence that starts with the word (``โอกาส`` /
    ``ทางการศึกษา``)."""
    tm = match_term(text)
    if tm is None or _WORDS.search(tm.remainder):
        return False
    return not any(text.count(b) > text.count(a) for a, b in ("()", "“”", "[]"))


class _Assembler:
    def __init__(self, geo: _Geometry) -> None:
        self.geo = geo
        self.joined = 0

    def full(self, ln: PrintedLine, nxt: PrintedLine) -> bool:
        """Did ``ln`` end because the first word of ``nxt`` did not fit after it? (A Thai
        word where the document breaks lines inside Thai runs, as word processors do;
        else the text up to the first space.)"""
        room = self.geo.right.get(self.geo.key(ln), ln.right) - ln.right
        size = ln.font
        if room <= 0.6 * size:
            return True
        if (
            self.geo.thai_breaks
            and room <= 2.0 * size
            and _THAI_LETTER.match(ln.text[-1:])
            and _THAI_LETTER.match(nxt.text[:1])
        ):
            return True  # a word the dictionary does not know, broken at a syllable
        return nxt.next_word(self.geo.thai_breaks) > room - 0.5 * size

    def indent_of(self, ln: PrintedLine, first: PrintedLine) -> float:
        """Where ``ln`` starts, in the column of ``first`` (in another column, indents
        count from that column's margin)."""
        here = self.geo.left.get(self.geo.key(ln), ln.left)
        there = self.geo.left.get(self.geo.key(first), first.left)
        return ln.left - here + there

    def decide(self, para: _Paragraph, ln: PrintedLine) -> str:
        """``"join"``, ``"break"``, ``"gap"`` (a new paragraph after a blank line) or
        ``"row"`` (the rest of a wrapped row of tab-separated cells)."""
        last, first = para.last, para.first
        size = max(last.font, ln.font)
        pitch = self.geo.step(max(last.tallest, ln.tallest))
        if last.furniture or ln.furniture:
            return "gap"  # a running header kept once stands alone
        if (ln.page, ln.col) == (last.page, last.col):
            step = last.base - ln.base
            if step < 0.5 * size:
                return "break"  # not below the line before (another column, a cell)
            if step > pitch + 0.5 * size:
                return "gap"
        elif id(last) not in self.geo.last or id(ln) not in self.geo.first:
            return "break"
        elif ln.base < self.geo.top.get((self.geo.key(ln)[0], 0), ln.base) - 0.6 * pitch:
            return "gap"  # the new page or column starts lower: a blank line at its top
        elif last.base > self.geo.bottom.get(self.geo.key(last), last.base) + 1.6 * pitch:
            return "gap"  # the page ended two lines early: its paragraph ended there
        if bare_marker(para.text) and para.lines == 1:
            return "join"  # "1." alone: the item's text did not fit after it
        if para.lines == 1 and split_label(para.text, ln.text):
            return "join"  # "ประเด็น" / "ยุทธศาสตร์ที่ 1 …"
        if last.parts and self.full(last, ln) and _at_tab(ln, last, self.geo):
            return "row"  # a row of tab-separated cells wrapped: its rest starts at a stop
        if last.parts or ln.parts:
            return "break"  # table rows and tab stops stay lines of their own
        if para.text.rstrip().endswith(_ANNOUNCES):
            return "break"
        if ln.bold != first.bold:
            return "break"
        # sizes compare between Thai lines (Word sets Latin runs in a size of their own)
        thai = _THAI_LETTER.search(ln.text) and _THAI_LETTER.search(first.text)
        if thai and abs(ln.font - first.font) > 0.75:
            return "break"
        full = self.full(last, ln)
        tol = 0.45 * size
        hanging = para.indent - first.left > tol
        margin = self.geo.left.get(self.geo.key(first), first.left)
        if para.cont is not None:
            expected = [para.cont]
        elif (
            self.geo.first_line_indents
            and first.left > margin + tol
            and not _numbered(first.text)
            and not hanging
        ):
            expected = [margin]  # the document's paragraphs wrap back to the margin
        else:
            expected = [first.left, para.indent]
            if first.left > margin + tol:
                expected.append(margin)  # a first-line indent
        x = self.indent_of(ln, first)
        at_indent = any(abs(x - e) <= tol for e in expected)
        if para.cont is None and hanging and first.left - tol <= x <= para.indent + tol:
            # a list number wider than its hanging indent pushes the first line's text to
            # the next tab stop: the wrapped lines start at the paragraph's indent, between
            at_indent = True
        if _numbered(ln.text):
            # a number at the hanging indent of the item above is inside its text
            if full and hanging and at_indent and x > first.left + tol:
                return "join"
            return "break"
        text = thai_digits_to_arabic(ln.text)
        if _heading_like(text) and not _counts(para.text):
            return "break"  # "แนวทางการพัฒนา" alone: a heading, unless it is counted
        if not at_indent:
            return "break"
        if full:
            return "join"
        # a plain line right under a numbered item, at its indent, is that item's text
        # (as the parser reads it) even where a word processor's line breaking left room
        # at the end of a line that is still mostly full
        right = self.geo.right.get(self.geo.key(last), last.right)
        mostly = last.right >= margin + 0.6 * (right - margin)
        same_flow = (ln.page, ln.col) == (last.page, last.col)  # a page break hides gaps
        if same_flow and mostly and _numbered(first.text) and match_term(text) is None:
            if not _CHAPTER.match(text):
                return "join"
        return "break"

    def run(self, items: list[PrintedLine | list[Block]]) -> list[Block]:
        blocks: list[Block] = []
        para: _Paragraph | None = None
        for item in items:
            if isinstance(item, list):  # a table's blocks
                if para is not None:
                    blocks.append(Block(para.text, page=para.first.page))
                    para = None
                blocks.extend(item)
                continue
            ln = item
            if para is not None:
                how = self.decide(para, ln)
                if how == "row":
                    cells = "\t".join(ln.numbered_from) if ln.numbered_from else ln.text
                    para.text = f"{para.text}\t{cells}"
                    para.last = ln
                    para.lines += 1
                    self.joined += 1
                    continue
                if how == "join":
                    if bare_marker(para.text) and para.lines == 1:
                        para.text = f"{para.text} {ln.text}"
                        para.indent = ln.left
                    else:
                        para.text = join_thai(para.text, ln.text)
                        if para.cont is None:
                            para.cont = self.indent_of(ln, para.first)
                    para.last = ln
                    para.lines += 1
                    self.joined += 1
                    continue
                blocks.append(Block(para.text, page=para.first.page))
                if how == "gap":
                    blocks.append(Block("", page=para.first.page))
            para = _Paragraph(ln, ln, ln.text, ln.indent)
        if para is not None:
            blocks.append(Block(para.text, page=para.first.page))
        return blocks


def assemble(
    items: list[PrintedLine | list[Block]], widths: dict[int, float]
) -> tuple[list[Block], int]:
    """Lines (in reading order) and tables (their blocks, where they stand) → blocks,
    and how many lines were joined to the line before."""
    lines = [x for x in items if isinstance(x, PrintedLine)]
    if not lines:
        return [b for x in items if isinstance(x, list) for b in x], 0
    asm = _Assembler(_geometry(lines, widths))
    blocks = asm.run(items)
    return blocks, asm.joined
