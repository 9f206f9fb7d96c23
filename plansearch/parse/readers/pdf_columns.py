"""Columns of a page and the wide gaps inside a printed line.

:func:`reading_order` finds a page's columns (a vertical gutter that no line crosses,
with text filling both sides: many lines as wide as their column, or words that start
at its left edge, not a column of page numbers or amounts) and puts each column's lines
after the previous column's; lines across the columns (a title) stay where they stand.

:func:`settle_gaps` decides what a wide gap inside a printed line is: a tab stop or a
table cell (kept apart, tab-joined, as the parser reads table rows), a space stretched by
justification, a wide space (two spaces in a monospaced font), or the tab after a list
number (``1.<tab>text``: one line, its ``text_left`` the hanging indent).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from statistics import median

from .pdf_text import PrintedLine, bare_marker, merge_lines, quartile

#: a list number and its text after a tab are at most this many font sizes apart
MARKER_GAP = 6.0
#: a gap between pieces of a line up to this many font sizes, in line with no tab stop
#: or cell of another line, is a (wide) space
WIDE_SPACE = 1.6
_PAGE_REF = re.compile(r"[\d๐-๙]{1,4}(?:\s*[-–,]\s*[\d๐-๙]{1,4})*")


# ---------------------------------------------------------------------------
# columns
# ---------------------------------------------------------------------------


def _gutter(lines: list[PrintedLine]) -> tuple[float, float] | None:
    """A vertical gap no line crosses, in the middle of the text, with text on both
    sides that fills its column: ``(left, right)`` of the gap, or ``None``."""
    pieces = [p for ln in lines for p in ln.pieces]
    if len(pieces) < 6:
        return None
    left = min(p.left for p in pieces)
    right = max(p.right for p in pieces)
    width = right - left
    size = median(p.font for p in pieces)
    if width < 12 * size:
        return None
    lo, hi = int(left + 0.3 * width), int(right - 0.3 * width)
    if hi <= lo:
        return None
    cover = [0] * (hi - lo + 1)
    for ln in lines:
        for p in ln.pieces:
            a, b = max(int(p.left), lo), min(int(p.right), hi)
            for x in range(a, b + 1):
                cover[x - lo] += 1
    limit = max(1, len(lines) // 20)
    best: tuple[int, int] | None = None
    start = None
    for k, c in enumerate([*cover, limit + 1]):
        if c <= limit and start is None:
            start = k
        elif c > limit and start is not None:
            if best is None or k - start > best[1] - best[0]:
                best = (start, k)
            start = None
    if best is None or best[1] - best[0] < 0.6 * size:
        return None
    g0, g1 = lo + best[0], lo + best[1]
    west = [p for p in pieces if p.right <= g0 + 1]
    east = [p for p in pieces if p.left >= g1 - 1]
    if len(west) < 3 or len(east) < 3:
        return None
    if not (_text_column(west, left, g0, size) and _text_column(east, g1, right, size)):
        return None
    return float(g0), float(g1)


def _text_column(pieces: list[PrintedLine], left: float, right: float, size: float) -> bool:
    """Do these pieces make a column of text (not one of page numbers or amounts)? Many
    of its lines fill it, or its lines start at its left edge and are words, not
    numbers (a list of short headings beside running text)."""
    if quartile((p.right - p.left for p in pieces), 3) >= 0.6 * (right - left):
        return True
    flush = sum(1 for p in pieces if p.left - left <= size)
    return flush >= 0.6 * len(pieces) and median(len(p.text) for p in pieces) >= 6


def _split(ln: PrintedLine, g0: float, g1: float) -> tuple[PrintedLine | None, PrintedLine | None]:
    """The pieces of ``ln`` west and east of the gutter (``None`` if it crosses it)."""
    pieces = ln.pieces
    mid = (g0 + g1) / 2
    west = [p for p in pieces if p.right <= mid]
    east = [p for p in pieces if p.left >= mid]
    if len(west) + len(east) != len(pieces):
        return None, None
    return _join_pieces(west, ln), _join_pieces(east, ln)


def _join_pieces(pieces: list[PrintedLine], line: PrintedLine) -> PrintedLine | None:
    """``pieces`` (of ``line``, left to right) tab-joined as one line, which is in
    ``line``'s column and a running header or footer where ``line`` is."""
    if not pieces:
        return None
    out = pieces[0]
    for p in pieces[1:]:
        out = merge_lines(out, p, "\t")
    out.col, out.furniture = line.col, line.furniture
    return out


def reading_order(lines: list[PrintedLine]) -> list[PrintedLine]:
    """One page's lines (top to bottom) in reading order: on a page in columns, each
    column top to bottom, the lines across the columns (a title, a running header)
    where they stand. Column lines get ``col`` 1, 2 …"""
    gutter = _gutter(lines)
    if gutter is None:
        return lines
    g0, g1 = gutter
    out: list[PrintedLine] = []
    west: list[PrintedLine] = []
    east: list[PrintedLine] = []

    def flush() -> None:
        for k, side in ((1, west), (2, east)):
            for ln in reading_order(side) if k == 2 else side:
                ln.col = k if ln.col == 0 else ln.col + k
                out.append(ln)
        west.clear()
        east.clear()

    for ln in lines:
        w, e = _split(ln, g0, g1)
        if w is None and e is None:
            flush()
            out.append(ln)
            continue
        if w is not None:
            west.append(w)
        if e is not None:
            east.append(e)
    flush()
    return out


# ---------------------------------------------------------------------------
# wide gaps inside a line
# ---------------------------------------------------------------------------


def settle_gaps(
    lines: list[PrintedLine], page: list[PrintedLine] | None = None
) -> list[PrintedLine]:
    """A line of several pieces (runs split at wide gaps) keeps them apart (tab-joined,
    as the parser reads table rows and tab stops), except where the gap is a space
    stretched by justification: the line runs to the right edge of the text, its gaps
    are about equal and its pieces hold no narrow spaces, and the piece after the gap
    does not start (nor end, short of the text's edge) at an x where pieces of other
    lines of the page do too (cells of a table, tab stops). A list number alone in the
    first piece is joined to the text after it, whose left is the line's
    ``text_left`` (a hanging indent). ``page``: all the lines of their page (default:
    ``lines``), whose edge and tab stops count."""
    context = page if page is not None else lines
    edge = max((ln.right for ln in context), default=0.0)
    # pieces that start at a tab stop (not those pushed against the text's edge by
    # justification: "ยุทธศาสตร์ที่<gap>๑" on every strategy's first line)
    lefts = Counter(
        round(p.left) for ln in context for p in ln.pieces[1:] if p.right < edge - 0.5 * p.font
    )
    # right-aligned tab stops (page numbers of a contents list), not the text's edge
    rights = Counter(
        round(p.right) for ln in context for p in ln.pieces[1:] if p.right < edge - p.font
    )

    def aligned(x: float, seen: Counter[int]) -> bool:
        return sum(seen.get(round(x) + d, 0) for d in (-2, -1, 0, 1, 2)) >= 2

    out: list[PrintedLine] = []
    for ln in lines:
        if not ln.parts:
            out.append(ln)
            continue
        words = ln.parts[1:] if bare_marker(ln.parts[0].text) else ln.parts
        gaps = [b.left - a.right for a, b in pairwise(words)] or [0.0]
        # justification stretches every space of a line evenly: no narrow ones are left
        even = max(gaps) - min(gaps) <= 0.25 * ln.font and not any(" " in p.text for p in words)
        kept: list[PrintedLine] = [ln.parts[0]]
        for p in ln.parts[1:]:
            prev = kept[-1]
            number = (
                len(kept) == 1
                and prev is ln.parts[0]
                and bare_marker(prev.text)
                and p.left - prev.right <= MARKER_GAP * p.font
                # a number and its text, not the first of a row of cells ("-", "๑ แห่ง")
                and not any(aligned(q.left, lefts) for q in ln.parts[2:])
            )
            stop = aligned(p.left, lefts) or aligned(p.right, rights)
            justified = even and ln.right >= edge - ln.font and not stop
            # a gap not much wider than a space that lines up with nothing (two spaces
            # in a monospaced font) is a space
            wide = (
                not stop
                and p.left - prev.right <= WIDE_SPACE * ln.font
                and not _PAGE_REF.fullmatch(p.text)  # a contents entry's page number
            )
            if not number and not justified and not wide:
                kept.append(p)
                continue
            # "1.<tab>text": a list number and its item's text (Word's list numbers, a
            # typed number and a tab before a hanging indent)
            kept[-1] = merge_lines(
                prev,
                p,
                " ",
                bold=p.bold if number else prev.bold,
                text_left=p.left if number else prev.text_left,
                numbered_from=(prev.text, p.text) if number else (),
            )
        line = _join_pieces(kept, ln)
        assert line is not None
        out.append(line)
    return out
