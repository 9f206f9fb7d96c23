"""A PDF page as printed lines, built from PDFium's characters and their geometry.

PDFium's text layer breaks lines where a glyph's box leaves the line, and a Thai mark
drawn below or above its letter (``ู`` under ``ร`` in ``รู้``, a tone mark LibreOffice
raises over an upper vowel) often does: the text layer then reads ``ความร`` / ``ู้``
on two lines. Here a line is the run of characters on one *baseline* (the glyph
origin PDFium reports), and a Thai mark always stays with the letters before it:

1. characters in content-stream order become **runs**: a new run starts where the
   baseline moves by more than a third of the font size, where the pen goes back
   left, or where a gap wider than the font size opens (a tab stop, a table cell,
   another column); the PDF's spaces, and gaps wider than a fifth of the font size,
   are spaces (PDFium's generated spaces are not: it puts them inside Thai words);
2. runs on one baseline across the page form a **row**, read left to right (a table
   written cell by cell, or two columns written one after the other, come back
   side by side);
3. a row becomes a :class:`~plansearch.parse.readers.pdf_text.PrintedLine` with its
   box, baseline, font size, boldness, the x where the text after a list number
   starts (a hanging indent), and its runs as ``parts``.

Thai marks PDFium gives away from their letter are put back with
:func:`~plansearch.parse.readers.pdf_text.place_marks`.

>>> _is_bold("ABCDEE+Garuda-Bold", 400), _is_bold("Laksaman", 700), _is_bold("Loma", 400)
(True, True, False)
"""

from __future__ import annotations

import ctypes
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .pdf_text import Box, PrintedLine, marker_end, merge_lines, place_marks

#: Thai marks drawn over or under the letter before them (no advance of their own):
#: never the start of a run (sara am ``ำ`` has an advance: it is not one of them)
MARKS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
#: a run breaks at a horizontal gap wider than this many font sizes
GAP = 1.0
#: a gap between glyphs wider than this many font sizes is a space
WORD_GAP = 0.2
#: … and between a number and a Thai letter (digits and letters never touch in Thai)
DIGIT_GAP = 0.06
#: characters on baselines closer than this many font sizes are on one row
SAME_ROW = 0.35


@dataclass
class _Run:
    """Characters of one run: boxes ``(char, x0, y0, x1, y1)``, baseline, font size."""

    boxes: list[Box] = field(default_factory=list)
    baseline: float = 0.0
    size: float = 0.0  # the largest font size in the run (for telling rows apart)
    sizes: Counter[float] = field(default_factory=Counter)  # letters per font size
    first: int = 0  # text-page index of the first character (for its font)
    right: float = 0.0  # right edge of the ink so far
    pen: float = 0.0  # x of the last glyph origin
    advance: float = 0.0  # where the pen stood after the last glyph (its advance)

    @property
    def left(self) -> float:
        return min(b[1] for b in self.boxes if b[0].strip())


def _is_bold(font: str, weight: int) -> bool:
    return weight >= 600 or "bold" in font.lower() or "heavy" in font.lower()


class _TextPage:
    """Thin typed access to one PDFium text page (the raw calls, with reused buffers)."""

    def __init__(self, textpage: object) -> None:
        import pypdfium2.raw as raw

        self.raw = raw
        self.tp = textpage
        self.left, self.right = ctypes.c_double(), ctypes.c_double()
        self.bottom, self.top = ctypes.c_double(), ctypes.c_double()
        self.x, self.y = ctypes.c_double(), ctypes.c_double()
        self.name = ctypes.create_string_buffer(128)

    def font(self, i: int) -> tuple[str, int]:
        n = self.raw.FPDFText_GetFontInfo(self.tp, i, self.name, 128, None)
        name = self.name.raw[: max(n - 1, 0)].decode("latin-1", "replace") if n else ""
        return name, int(self.raw.FPDFText_GetFontWeight(self.tp, i))


def _runs(tp: _TextPage) -> list[_Run]:
    raw = tp.raw
    handle = tp.tp
    count = raw.FPDFText_CountChars(handle)
    get_unicode = raw.FPDFText_GetUnicode
    get_box = raw.FPDFText_GetCharBox
    get_origin = raw.FPDFText_GetCharOrigin
    get_size = raw.FPDFText_GetFontSize
    generated = raw.FPDFText_IsGenerated
    bl, br, bb, bt = (ctypes.byref(v) for v in (tp.left, tp.right, tp.bottom, tp.top))
    ox, oy = ctypes.byref(tp.x), ctypes.byref(tp.y)
    get_loose = raw.FPDFText_GetLooseCharBox
    rect = raw.FS_RECTF()
    loose = ctypes.byref(rect)
    runs: list[_Run] = []
    loose_marks: list[Box] = []
    cur: _Run | None = None
    space = False
    for i in range(max(count, 0)):
        code = get_unicode(handle, i)
        # PDFium reports a hyphen it took for a line-end hyphenation as 2 (U+FFFE in text)
        ch = "-" if code in (2, 0xFFFE) else chr(code) if 0 < code < 0x110000 else ""
        if not ch or ch in "\r\n":
            continue
        if ch.isspace() or (generated(handle, i) and ch != "-"):
            # PDFium's own (generated) spaces fall inside Thai words (before ``า`` after
            # a tone mark); a gap between glyphs is measured below instead
            space = space or (ch.isspace() and not generated(handle, i))
            continue
        get_box(handle, i, bl, br, bb, bt)
        get_origin(handle, i, ox, oy)
        get_loose(handle, i, loose)
        x0, x1, y0, y1 = tp.left.value, tp.right.value, tp.bottom.value, tp.top.value
        px, py = tp.x.value, tp.y.value
        size = get_size(handle, i) or max(y1 - y0, 1.0)
        if ch in MARKS:
            # a mark stays with the letters it is drawn on: the run being written, or
            # (written before its letter, at the start of a line) the run under it
            if cur is not None and _over(cur, x0, y0, x1, y1):
                cur.boxes.append((ch, x0, y0, x1, y1))
            else:
                loose_marks.append((ch, x0, y0, x1, y1))
            continue
        if (
            cur is None
            or abs(py - cur.baseline) > SAME_ROW * max(size, cur.size)
            or px < cur.pen - 0.3 * size
            or rect.left - cur.advance > GAP * max(size, cur.size)
        ):
            cur = _Run(baseline=py, size=size, first=i, right=x1, pen=px, advance=rect.left)
            runs.append(cur)
        elif space or rect.left - cur.advance > _word_gap(cur.boxes[-1][0], ch) * size:
            cur.boxes.append((" ", cur.right, y0, max(x0, cur.right), y0))
        space = False
        cur.boxes.append((ch, x0, y0, x1, y1))
        cur.right = max(cur.right, x1)
        cur.advance = max(cur.advance, rect.right)
        cur.pen = px
        cur.size = max(cur.size, size) if len(cur.boxes) > 1 else size
        cur.sizes[round(size, 1)] += 1
    for mark in loose_marks:
        home = min(runs, key=lambda r: _distance(r, mark), default=None)
        if home is not None:
            home.boxes.append(mark)
    return [r for r in runs if any(b[0].strip() for b in r.boxes)]


def _word_gap(before: str, after: str) -> float:
    """The gap (in font sizes) that separates two words: a fifth of the font size, and
    less between a number and a Thai letter (``- ๑๖`` and its text after a tab that
    the number nearly filled)."""
    if before.isdigit() != after.isdigit() and (
        "\u0e01" <= before <= "\u0e4e" or "\u0e01" <= after <= "\u0e4e"
    ):
        return DIGIT_GAP
    return WORD_GAP


def _over(run: _Run, x0: float, y0: float, x1: float, y1: float) -> bool:
    """Is a mark with this box drawn on the run (over its letters, near its baseline)?"""
    middle = (y0 + y1) / 2
    left = min((b[1] for b in run.boxes), default=run.right)
    return (
        left - 0.5 * run.size <= (x0 + x1) / 2 <= run.right + 0.5 * run.size
        and run.baseline - 0.8 * run.size <= middle <= run.baseline + 1.6 * run.size
    )


def _distance(run: _Run, mark: Box) -> float:
    """How far a mark is from a run: vertically from the run's middle, plus how far
    outside the run's letters it lies."""
    x = (mark[1] + mark[3]) / 2
    y = (mark[2] + mark[4]) / 2
    left = min((b[1] for b in run.boxes), default=run.right)
    outside = max(left - x, x - run.right, 0.0)
    return abs(y - (run.baseline + 0.4 * run.size)) + outside


def _rows(runs: list[_Run]) -> list[list[_Run]]:
    """Runs on one baseline, top to bottom, each row left to right."""
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: -r.baseline):
        if rows:
            last = rows[-1]
            base = last[0]
            if abs(run.baseline - base.baseline) <= SAME_ROW * max(run.size, base.size):
                last.append(run)
                continue
        rows.append([run])
    for row in rows:
        row.sort(key=lambda r: r.left)
    return rows


def _part(run: _Run, boxes: Sequence[Box], page: int, bold: bool) -> PrintedLine:
    ink = [b for b in boxes if b[0].strip()] or list(boxes)
    text = "".join(b[0] for b in boxes).strip()
    left = min(b[1] for b in ink)
    end = marker_end(text)
    text_left = left
    if end:  # the x where the item's text starts after its number ("1. การ…")
        k = len(boxes) - len("".join(b[0] for b in boxes).lstrip()) + end
        rest = [b for b in boxes[k:] if b[0].strip()]
        if rest:
            text_left = rest[0][1]
    words = [b[3] for b in boxes if b[0].strip()]
    return PrintedLine(
        page,
        text,
        left,
        max(b[3] for b in ink),
        min(b[2] for b in ink),
        max(b[4] for b in ink),
        0.0,
        # the size most of its letters have: Word sets Thai (complex script) and Latin
        # runs in their own sizes, and a line's digits must not make it a heading
        size=run.sizes.most_common(1)[0][0] if run.sizes else run.size,
        tallest=run.size,
        bold=bold,
        baseline=run.baseline,
        text_left=text_left,
        edges=tuple(words),
    )


def page_lines(textpage: object, number: int) -> list[PrintedLine]:
    """The printed rows of one page (``textpage``: a PDFium text page handle), top to
    bottom; a row of several runs keeps them in ``parts``."""
    tp = _TextPage(textpage)
    out: list[PrintedLine] = []
    for row in _rows(_runs(tp)):
        parts: list[PrintedLine] = []
        for run in row:
            boxes = place_marks(run.boxes)
            name, weight = tp.font(run.first)
            part = _part(run, boxes, number, _is_bold(name, weight))
            parts.append(part)
        if len(parts) == 1:
            out.append(parts[0])
        elif parts:
            line = parts[0]
            for p in parts[1:]:
                line = merge_lines(line, p, "\t")
            out.append(line)
    return out


@dataclass(frozen=True)
class PageRules:
    """The ruled lines of a page: ``horizontal`` as ``(y, x0, x1)``, ``vertical`` as
    ``(x, y0, y1)`` (points). Table borders: LibreOffice draws them as lines, fpdf2 and
    others draw each cell as a box (its four edges count)."""

    horizontal: tuple[tuple[float, float, float], ...] = ()
    vertical: tuple[tuple[float, float, float], ...] = ()

    def columns_at(self, y: float) -> list[float]:
        """The x of the vertical rules crossing height ``y``, left to right."""
        xs = sorted(x for x, y0, y1 in self.vertical if y0 - 1 <= y <= y1 + 1)
        out: list[float] = []
        for x in xs:
            if not out or x - out[-1] > 2.5:
                out.append(x)
        return out

    def band(self, y: float, x0: float, x1: float) -> tuple[float, float] | None:
        """The nearest horizontal rules above and below height ``y`` that reach over
        ``x0``…``x1`` (a row of a ruled table), as ``(top, bottom)``."""
        over = [r for r in self.horizontal if r[1] <= x1 and r[2] >= x0 and r[2] - r[1] > 4]
        above = [r[0] for r in over if r[0] > y]
        below = [r[0] for r in over if r[0] < y]
        if not above or not below:
            return None
        return min(above), max(below)


def page_rules(page: object) -> PageRules:
    """The horizontal and vertical rules of a page (thin paths, and rectangle edges)."""
    import pypdfium2.raw as raw

    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):  # type: ignore[attr-defined]
        try:
            x0, y0, x1, y1 = obj.get_bounds()
        except Exception:  # a path PDFium cannot measure is no border
            continue
        wide, tall = x1 - x0, y1 - y0
        if wide >= 4 and tall <= 3:
            horizontal.append(((y0 + y1) / 2, x0, x1))
        elif tall >= 4 and wide <= 3:
            vertical.append(((x0 + x1) / 2, y0, y1))
        elif wide >= 4 and tall >= 4:  # a box: its four edges
            horizontal += [(y0, x0, x1), (y1, x0, x1)]
            vertical += [(x0, y0, y1), (x1, y0, y1)]
    return PageRules(tuple(horizontal), tuple(vertical))
