"""Tables in a PDF whose header row names parts of a plan.

A plan often lays its strategies out as a table: ``ยุทธศาสตร์ | แนวทางการพัฒนา |
หน่วยงานรับผิดชอบ``. The text layer has no cells, only printed lines; read in order,
the cells of a row run together (a tactic cell is read as more strategies when both
lost their numbers, and a row cut by a page break puts the next cell between two lines
of a tactic). Here a header row is found by its words (at least two of its cells name
a kind of section: ยุทธศาสตร์, กลยุทธ์/แนวทางการพัฒนา, ตัวชี้วัด, โครงการ…); its cells'
left edges are the columns. Every following line that lies inside one column is a cell
line of the table (a row starts where the first column starts again; a row cut by a
page break goes on at the top of the next page unless its first cell there starts a
numbered item); the table ends at the first line that does not fit a column. The
result is blocks with ``table``/``row``/``col``, as the DOCX reader gives them, so the
parser files each column's paragraphs under the cell to their left.

>>> from plansearch.parse.readers.pdf_text import PrintedLine as L
>>> lines = [L(1, "ยุทธศาสตร์", 90, 140, 600, 612), L(1, "แนวทางการพัฒนา", 235, 300, 600, 612),
...          L(1, "1. ด้านเศรษฐกิจ", 91, 200, 580, 592), L(1, ". ส่งเสริมอาชีพ", 235, 350, 580, 592)]
>>> [(b.row, b.col, b.text) for b in find_tables(lines, 12.0)[0].blocks]
[(0, 0, 'ยุทธศาสตร์'), (0, 1, 'แนวทางการพัฒนา'), (1, 0, '1. ด้านเศรษฐกิจ'), (1, 1, '. ส่งเสริมอาชีพ')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from ..vocabulary import is_heading_remainder, match_term
from .base import Block
from .pdf_grid import grid_table_at
from .pdf_layout import PageRules
from .pdf_text import (
    PrintedLine,
    join_thai,
    marker_end,
    merge_lines,
    new_cell_paragraph,
    quartile,
    starts_item,
)

#: a header cell is short (a column title, not a sentence)
MAX_HEAD = 80


@dataclass(frozen=True)
class PdfTable:
    """A table found in the printed lines: ``lines[start:end]`` become ``blocks``."""

    start: int
    end: int
    blocks: tuple[Block, ...]


def _center(ln: PrintedLine) -> float:
    return (ln.top + ln.bottom) / 2


def _names_kind(text: str) -> bool:
    """A column title naming a kind of section (``แนวทางการพัฒนา``, ``ยุทธศาสตร์ :``),
    not a line of running text that starts with such a word nor a numbered heading
    (``ประเด็นยุทธศาสตร์ที่ 4`` heading each of two columns)."""
    if any(c.isdigit() for c in text):
        return False
    tm = match_term(text)
    return tm is not None and tm.kind is not None and is_heading_remainder(tm.remainder)


def _header_at(lines: list[PrintedLine], i: int, lh: float) -> tuple[list[PrintedLine], int] | None:
    """The header cells starting at line ``i`` (side by side on one printed row), and
    the index after them; ``None`` unless two of them name a kind of section."""
    first = lines[i]
    j = i
    pieces: list[PrintedLine] = []
    while (
        j < len(lines)
        and lines[j].page == first.page
        and abs(_center(lines[j]) - _center(first)) < 0.5 * lh
    ):
        pieces.extend(lines[j].pieces)
        j += 1
    pieces.sort(key=lambda p: p.left)
    if len(pieces) < 2 or any(len(p.text) > MAX_HEAD for p in pieces):
        return None
    if any(b.left < a.right for a, b in pairwise(pieces)):
        return None  # overlapping pieces are not cells of one row
    pieces, j = _wrapped_header(lines, pieces, j)
    if sum(_names_kind(p.text) for p in pieces) < 2:
        return None
    if len({p.text for p in pieces}) < len(pieces):
        return None  # "กลยุทธ์" heading each of two columns: not column titles
    return pieces, j


def _wrapped_header(
    lines: list[PrintedLine], pieces: list[PrintedLine], j: int
) -> tuple[list[PrintedLine], int]:
    """Header cells whose titles wrap in a narrow column (``แนวทางการ`` / ``พัฒนา``):
    the next printed rows, set like the header (bold, or not) and at most a line and a
    half below it, whose pieces all lie inside the header's columns, add to the titles."""
    lefts = [p.left for p in pieces]
    above = lines[j - 1]
    out = list(pieces)
    for _ in range(3):
        if j >= len(lines):
            break
        ln = lines[j]
        size = max(ln.font, above.font)
        if ln.page != above.page or ln.bold != pieces[0].bold:
            break
        if not 0 < above.base - ln.base <= (2.2 if ln.bold else 1.8) * size:
            break
        cols = [_column(p, lefts, 0.5 * size) for p in ln.pieces]
        if any(c is None for c in cols) or (not ln.bold and len(cols) == len(pieces)):
            break
        if any(marker_end(p.text) or starts_item(p.text) for p in ln.pieces):
            break  # the first row of the body
        for p, c in zip(ln.pieces, cols, strict=True):
            assert c is not None
            head = out[c]
            out[c] = PrintedLine(
                head.page,
                join_thai(head.text, p.text),
                head.left,
                max(head.right, p.right),
                min(head.bottom, p.bottom),
                head.top,
                size=head.size,
                bold=head.bold,
                baseline=head.baseline,
            )
        above = ln
        j += 1
    return out, j


def _column(piece: PrintedLine, lefts: list[float], tol: float) -> int | None:
    """The column ``piece`` lies in: it starts at or right of the column's left edge and
    ends before the next column starts."""
    for c in range(len(lefts) - 1, -1, -1):
        if piece.left >= lefts[c] - tol:
            if c + 1 < len(lefts) and piece.right > lefts[c + 1]:
                return None
            return c
    return None


def _cells(ln: PrintedLine, lefts: list[float], tol: float) -> list[tuple[PrintedLine, int]]:
    """The cell lines of one printed line (a line merged across gaps may hold several
    cells, and a cell may hold a wide space), or an empty list when it is not inside
    the table's columns."""
    pieces = ln.pieces
    cols = [_column(p, lefts, tol) for p in pieces]
    if any(c is None for c in cols) or cols != sorted(cols):  # type: ignore[type-var]
        whole = _column(ln, lefts, tol)
        return [] if whole is None else [(ln, whole)]
    out: list[tuple[PrintedLine, int]] = []
    for p, c in zip(pieces, cols, strict=True):
        assert c is not None
        if out and out[-1][1] == c:  # a wide space inside one cell
            p = merge_lines(out[-1][0], p, " ")
            out[-1] = (p, c)
        else:
            out.append((p, c))
    return out


_Cell = tuple[int, PrintedLine, int]  # line index, the cell's printed piece, column


def _table_at(
    lines: list[PrintedLine], i: int, lh: float
) -> tuple[int, list[float], list[_Cell]] | None:
    """(end, column lefts, cells) of the table whose header starts at ``i``."""
    found = _header_at(lines, i, lh)
    if found is None:
        return None
    head, k = found
    lefts = [p.left for p in head]
    titles = [p.text for p in head]
    tol = 0.5 * lh
    cells: list[_Cell] = [(i, p, c) for c, p in enumerate(head)]
    while k < len(lines):
        again = _header_at(lines, k, lh)
        if again is not None and [p.text for p in again[0]] == titles:
            k = again[1]  # the header row repeated on a new page
            continue
        row = _cells(lines[k], lefts, tol)
        if not row:
            break
        cells.extend((k, p, c) for p, c in row)
        k += 1
    body = cells[len(head) :]
    # a last "row" with only first-column lines is the text after the table
    n = len(body)
    while n > 0 and body[n - 1][2] == 0:
        n -= 1
    body = body[:n]
    if not any(c > 0 for _, _, c in body):
        return None
    end = body[-1][0] + 1
    return end, lefts, cells[: len(head)] + body


def _ruled(rules: PageRules, above: PrintedLine, below: PrintedLine) -> bool:
    """Is there a horizontal border between the printed rows ``above`` and ``below``?"""
    top = above.base - 0.1 * above.font
    bottom = below.base + 0.6 * below.font
    return any(
        bottom < y < top and min(x1, below.right) - max(x0, below.left) > 0
        for y, x0, x1 in rules.horizontal
    )


def _blocks(
    cells: list[_Cell],
    n_head: int,
    table: int,
    lefts: list[float],
    rules: Mapping[int, PageRules],
) -> list[Block]:
    """Header cells as row 0, then each row's cells; wrapped lines of a cell joined into
    paragraphs.

    A new row starts below a horizontal border (the cell boxes of a ruled table);
    without borders, where no column goes on at the line pitch from the line above it.
    A row cut by a page break goes on at the top of the next page unless its first cell
    there starts a new item (a number, ยุทธศาสตร์ที่ N…). In a cell, a line with a list
    number starts a new paragraph; so does one that starts another item
    (``ยุทธศาสตร์ที่ 2``) where the line above ended short of the cell's right edge."""
    out = [
        Block(p.text.replace("\t", " "), page=p.page, table=table, row=0, col=c)
        for _, p, c in cells[:n_head]
    ]
    body = sorted(cells[n_head:], key=lambda t: (t[1].page, -t[1].base, t[1].left))
    printed: list[list[tuple[PrintedLine, int]]] = []
    for _, p, c in body:
        if printed:
            top = printed[-1][0][0]
            if top.page == p.page and abs(top.base - p.base) <= 0.35 * max(p.font, top.font):
                printed[-1].append((p, c))
                continue
        printed.append([(p, c)])
    steps = []
    last: dict[int, PrintedLine] = {}
    for row_pieces in printed:
        for p, c in row_pieces:
            q = last.get(c)
            if q is not None and q.page == p.page and 0.8 * p.font < q.base - p.base < 2.5 * p.font:
                steps.append(q.base - p.base)
            last[c] = p
    pitch = quartile(steps, 1, 1.5 * (body[0][1].font if body else 12.0))
    rights = [*lefts[1:], max((p.right for _, p, _ in body), default=0.0) + 1.0]
    paragraphs: dict[tuple[int, int], list[list[object]]] = {}
    row = 0
    last = {}
    above: PrintedLine | None = None
    for row_pieces in printed:
        first = row_pieces[0][0]
        if above is None:
            new = True
        elif first.page != above.page:
            col0 = next((p for p, c in row_pieces if c == 0), None)
            new = col0 is not None and starts_item(col0.text)
        elif first.page in rules and rules[first.page].horizontal:
            new = _ruled(rules[first.page], above, first)
        else:
            # no column goes on at the line pitch, or the first column starts a new cell
            # (cells are top-aligned: a row's first cell starts at the row's top)
            goes_on = [
                c in last and last[c].page == p.page and last[c].base - p.base <= 1.15 * pitch
                for p, c in row_pieces
            ]
            new = not any(goes_on) or any(
                c == 0 and 0 in last and not on
                for (p, c), on in zip(row_pieces, goes_on, strict=True)
            )
        if new:
            row += 1
        for p, c in row_pieces:
            text = p.text.replace("\t", " ")
            cell = paragraphs.setdefault((row, c), [])
            if cell and not new_cell_paragraph(cell[-1][2], cell[-1][0], p, text, rights[c]):  # type: ignore[arg-type]
                cell[-1][0] = join_thai(cell[-1][0], text)  # type: ignore[arg-type]
                cell[-1][2] = p
            else:
                cell.append([text, p.page, p])
            last[c] = p
        above = max((p for p, _ in row_pieces), key=lambda p: -p.base)
    for (r, c), paras in sorted(paragraphs.items()):
        out.extend(
            Block(str(text), page=int(page), table=table, row=r, col=c)  # type: ignore[call-overload]
            for text, page, _ in paras
        )
    return out


def find_tables(
    lines: list[PrintedLine],
    lh: float,
    first_id: int = 0,
    rules: Mapping[int, PageRules] | None = None,
    *,
    ruled: bool = True,
    borderless: bool = True,
) -> dict[int, PdfTable]:
    """Tables among the printed ``lines``, by their first line index: ruled tables read
    by their cell boxes (``rules``: the rules of each page; :mod:`.pdf_grid`), and
    tables without borders read by their header's columns (lines in reading order: a
    page in two columns is split into them first). ``lh`` is the usual line height,
    ``first_id`` the number of the first table."""
    out: dict[int, PdfTable] = {}
    i = 0
    while i < len(lines):
        if ruled:
            grid = grid_table_at(lines, i, rules or {}, _names_kind, first_id + len(out))
            if grid is not None:
                out[i] = PdfTable(i, grid.end, grid.blocks)
                i = grid.end
                continue
        found = _table_at(lines, i, lh) if borderless else None
        if found is None:
            i += 1
            continue
        end, lefts, cells = found
        blocks = _blocks(cells, len(lefts), first_id + len(out), lefts, rules or {})
        out[i] = PdfTable(i, end, tuple(blocks))
        i = end
    return out
