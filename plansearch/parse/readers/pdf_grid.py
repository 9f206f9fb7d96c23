"""Ruled tables read by their cell boxes.

Most plan tables are drawn with borders (Word's "Table Grid", LibreOffice's default
table, a ผ.01/ผ.02 form). The borders are path objects on the page: the vertical
rules crossing a line say which column each of its pieces sits in, the horizontal
rules above and below it say which row. So a cell's text is whatever lies inside its
box, however the cell is aligned (text centred vertically in a tall row sits between
lines of the cells beside it) and however its lines wrap.

A table is taken when the row of boxes holding a line (its *band*) has at least two
header cells that name a kind of section (``ยุทธศาสตร์ | แนวทางการพัฒนา | โครงการ``);
every following line that lies in a band of the same columns belongs to it, over page
breaks too (a header row repeated on a new page is dropped; the first row of a new
page goes on with the row cut by the break unless its first cell starts a new item).
Tables without borders are read by :mod:`.pdf_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .base import Block
from .pdf_layout import PageRules
from .pdf_text import PrintedLine, join_thai, new_cell_paragraph, split_label, starts_item


@dataclass(frozen=True)
class GridTable:
    """``lines[start:end]`` as the blocks of one ruled table."""

    start: int
    end: int
    blocks: tuple[Block, ...]


def _probe(ln: PrintedLine) -> float:
    """A height inside the line's glyphs (above the baseline)."""
    return ln.base + 0.3 * ln.font


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 3 for x, y in zip(a, b, strict=True))


def _column(piece: PrintedLine, xs: list[float]) -> int | None:
    middle = (piece.left + piece.right) / 2
    for c in range(len(xs) - 1):
        if xs[c] - 1 <= middle <= xs[c + 1] + 1:
            return c
    return None


def _band_of(
    ln: PrintedLine, rules: Mapping[int, PageRules], xs: list[float]
) -> tuple[float, float] | None:
    page = rules.get(ln.page)
    if page is None:
        return None
    here = page.columns_at(_probe(ln))
    if not _same(here, xs):
        return None
    return page.band(_probe(ln), xs[0], xs[-1])


def _cells_of(lines: list[PrintedLine], xs: list[float]) -> dict[int, list[PrintedLine]] | None:
    """The pieces of ``lines`` by column (top to bottom), or ``None`` if one lies outside."""
    out: dict[int, list[PrintedLine]] = {}
    for ln in lines:
        for p in ln.pieces:
            c = _column(p, xs)
            if c is None:
                return None
            out.setdefault(c, []).append(p)
    return out


def _text(pieces: list[PrintedLine]) -> str:
    text = ""
    for p in pieces:
        text = join_thai(text, p.text) if text else p.text
    return text


def grid_table_at(
    lines: list[PrintedLine],
    i: int,
    rules: Mapping[int, PageRules],
    names_kind: Callable[[str], bool],
    table: int = 0,
) -> GridTable | None:
    """The ruled table whose header band starts at line ``i``, if there is one
    (``names_kind`` says whether a header cell names a kind of section, ``table`` is
    the number its blocks get)."""
    first = lines[i]
    page = rules.get(first.page)
    if page is None or not page.vertical:
        return None
    xs = page.columns_at(_probe(first))
    if len(xs) < 3:
        return None
    band = page.band(_probe(first), xs[0], xs[-1])
    if band is None:
        return None
    top, bottom = band
    if i > 0 and lines[i - 1].page == first.page and bottom < _probe(lines[i - 1]) < top:
        return None  # the band started on an earlier line
    k = i
    while k < len(lines) and lines[k].page == first.page and bottom < _probe(lines[k]) < top:
        k += 1
    head = _cells_of(lines[i:k], xs)
    if head is None:
        return None
    titles = {c: _text(ps) for c, ps in head.items()}
    if sum(1 for t in titles.values() if names_kind(t)) < 2:
        return None
    # the body: bands of the same columns, page after page
    rows: list[tuple[int, float, list[PrintedLine]]] = []  # page, band top, lines
    while k < len(lines):
        ln = lines[k]
        b = _band_of(ln, rules, xs)
        if b is None or _cells_of([ln], xs) is None:
            break
        key = (ln.page, b[0])
        if rows and (rows[-1][0], rows[-1][1]) == key:
            rows[-1][2].append(ln)
        else:
            rows.append((ln.page, b[0], [ln]))
        k += 1
    blocks = [
        Block(titles[c].replace("\t", " "), page=first.page, table=table, row=0, col=c)
        for c in sorted(titles)
    ]
    body: list[dict[int, list[PrintedLine]]] = []
    last_page = first.page
    for row_page, _, row_lines in rows:
        cells = _cells_of(row_lines, xs)
        if cells is None:
            break
        if {c: _text(ps) for c, ps in cells.items()} == titles:
            last_page = row_page
            continue  # the header repeated on a new page
        col0 = cells.get(min(cells)) if cells else None
        starts = min(cells) == 0 and col0 is not None and starts_item(col0[0].text)
        if starts and body and 0 in body[-1] and col0 is not None:
            # "ประเด็น" / (page break) / "ยุทธศาสตร์ที่ 3 …": one label cut by the break
            starts = not split_label(_text(body[-1][0]), col0[0].text)
        goes_on = body and row_page != last_page and not starts
        if goes_on:
            for c, ps in cells.items():
                body[-1].setdefault(c, []).extend(ps)
        else:
            body.append(cells)
        last_page = row_page
    if not body:
        return None
    for r, cells in enumerate(body, start=1):
        for c in sorted(cells):
            right = xs[c + 1]
            paras: list[list[object]] = []
            for p in cells[c]:
                text = p.text.replace("\t", " ")
                if paras and not new_cell_paragraph(paras[-1][2], paras[-1][0], p, text, right):  # type: ignore[arg-type]
                    paras[-1][0] = join_thai(paras[-1][0], text)  # type: ignore[arg-type]
                    paras[-1][2] = p
                else:
                    paras.append([text, p.page, p])
            blocks.extend(
                Block(str(t), page=int(pg), table=table, row=r, col=c)  # type: ignore[call-overload]
                for t, pg, _ in paras
            )
    return GridTable(i, k, tuple(blocks))
