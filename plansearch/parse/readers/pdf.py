"""PDF text layer → blocks, read the way a Thai reader sees the page.

Text comes from PDFium (``pypdfium2``), which keeps Thai marks in their places where
``pypdf`` decomposes sara am (``ตำาบล``) and swaps marks (``สาธารณ่ปโภค``); see
``benchmarks/bench_pdf.py`` for the counts. On top of the raw text layer:

* :func:`~plansearch.parse.thai_repair.repair_thai` fixes the remaining faults
  (spaces before marks, Private Use Area glyph codes, decomposed sara am);
* running page headers/footers (a line in the top or bottom band that repeats on at
  least half of the pages, digits ignored) are kept once and dropped elsewhere, and
  bare page numbers are dropped;
* printed lines broken by the layout are re-joined into one block when the line
  before fills its column and the next does not start a numbered item or a heading;
  Thai is joined without a space (Thai does not put spaces between words);
* a vertical gap larger than a line becomes a blank line (a paragraph break).

A PDF without a text layer (a scan) raises :class:`~plansearch.errors.ScannedDocumentError`
saying how to OCR it; a password-protected one :class:`~plansearch.errors.EncryptedDocumentError`.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from statistics import median

from ...errors import (
    DamagedDocumentError,
    EncryptedDocumentError,
    ScannedDocumentError,
    UnsupportedFormatError,
)
from ..thai_repair import repair_thai
from .base import Block, ExtractedDocument
from .pdf_tables import find_tables
from .pdf_text import Box, PrintedLine, bare_marker, join_thai, place_marks, starts_item

#: top/bottom share of the page height where running headers and footers live
BAND = 0.12
_PAGE_NUMBER = re.compile(
    r"[-–—(\[]?\s*(?:หน้า|page)?\s*[\d๐-๙]{1,4}(?:\s*(?:/|จาก|of)\s*[\d๐-๙]{1,4})?\s*[-–—)\]]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"[\d๐-๙]+")
_OCR_HINT = (
    "ไฟล์ PDF นี้ไม่มีข้อความ (เป็นภาพสแกน) ต้องทำ OCR ก่อน ใช้ตัวเลือก --ocr / "
    "{name} has no text layer (a scanned PDF): add --ocr on the command line, or "
    "parse_plan(..., ocr=True) in Python, to read it with Tesseract (Debian: apt-get install "
    "tesseract-ocr tesseract-ocr-tha), or OCR it first with "
    "`ocrmypdf -l tha {name} plan-ocr.pdf`"
)


def _open(data: bytes, name: str):
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a dependency
        raise UnsupportedFormatError(
            f"{name}: การอ่าน PDF ต้องติดตั้ง pypdfium2 / reading PDF needs `pip install pypdfium2`"
        ) from exc
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise EncryptedDocumentError(
                f"{name}: PDF นี้ใส่รหัสผ่านไว้ ให้ปลดรหัสผ่านก่อน / is an encrypted PDF; "
                "remove the password (e.g. `qpdf --decrypt`) or print it to a new PDF"
            ) from exc
        raise DamagedDocumentError(
            f"{name}: ไฟล์ PDF เสียหาย อ่านไม่ได้ / cannot read this PDF ({msg}); "
            "re-export it from the original document"
        ) from exc


def _page_lines(page, number: int) -> list[PrintedLine]:
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        n = tp.count_chars()
        candidates: list[list[PrintedLine]] = []
        pos = 0
        for raw in re.split(r"\r\n|\r|\n", text):
            a, b = pos, min(pos + len(raw), n)
            pos += (
                len(raw) + 2
                if text[pos + len(raw) : pos + len(raw) + 2] == "\r\n"
                else len(raw) + 1
            )
            stripped = raw.strip()
            if not stripped:
                continue
            boxes: list[Box] = []
            for i in range(a, b):
                x0, y0, x1, y1 = tp.get_charbox(i)
                if x1 <= x0 and y1 <= y0:
                    continue  # generated characters have no box
                # U+FFFE: PDFium's code for a hyphen it took for a line-end hyphenation
                boxes.append(("-" if text[i] == "\ufffe" else text[i], x0, y0, x1, y1))
            parts = _split_at_gaps(place_marks(boxes), number)
            if parts:
                candidates.append(parts)
        return _confirm_cells(candidates)
    finally:
        tp.close()


def _confirm_cells(candidates: list[list[PrintedLine]]) -> list[PrintedLine]:
    """Keep a split only where the right part starts at a column where other lines of
    the page start too (two cells side by side); a wide space inside a sentence, and a
    row of three or more cells, become one line with tabs (the parser reads a line with
    two or more tabs as a table row, as in text files)."""
    starts = Counter(round(part.left) for parts in candidates for part in parts)
    columns = [x for x, n in starts.items() if n >= 2]
    out: list[PrintedLine] = []
    for parts in candidates:
        line = parts[0]
        row = len(parts) >= 3  # a table row of three or more cells stays one tabbed line
        for part in parts[1:]:
            if not row and any(abs(part.left - x) <= 3 for x in columns):
                out.append(line)
                line = part
            else:
                line = PrintedLine(
                    line.page,
                    f"{line.text}\t{part.text}",  # a tab stop, as typed
                    min(line.left, part.left),
                    max(line.right, part.right),
                    min(line.bottom, part.bottom),
                    max(line.top, part.top),
                    line.first_word,
                    (*(line.parts or (line,)), part),
                )
        out.append(line)
    return out


def _split_at_gaps(boxes: list[Box], page: int) -> list[PrintedLine]:
    """One printed line, split where a wide horizontal gap separates table cells."""
    if not boxes:
        return []
    height = median(max(y1 - y0, 1.0) for _, _, y0, _, y1 in boxes)
    groups: list[list[Box]] = [[boxes[0]]]
    right = boxes[0][3]
    for box in boxes[1:]:
        if box[0].strip() and box[1] - right > 1.5 * height:
            groups.append([box])
        else:
            groups[-1].append(box)
        if box[0].strip():
            right = max(right, box[3])
    out: list[PrintedLine] = []
    for g in groups:
        text = "".join(c for c, *_ in g).strip()
        ink = [b for b in g if b[0].strip()] or g
        word: list[float] = []
        for c, _x0, _y0, x1, _y1 in g:
            if not c.strip() and word:
                break
            if c.strip():
                word.append(x1)
        if text:
            out.append(
                PrintedLine(
                    page,
                    text,
                    min(b[1] for b in ink),
                    max(b[3] for b in ink),
                    min(b[2] for b in ink),
                    max(b[4] for b in ink),
                    max(word) - min(b[1] for b in ink) if word else 0.0,
                )
            )
    return out


def _furniture(pages: list[list[PrintedLine]], heights: list[float]) -> tuple[set[int], int, int]:
    """ids of running header/footer lines to drop (first copy kept), counts."""
    keyed: list[tuple[PrintedLine, str]] = []
    for lines, h in zip(pages, heights, strict=True):
        for ln in lines:
            if ln.top >= h * (1 - BAND) or ln.bottom <= h * BAND:
                keyed.append((ln, re.sub(r"\s+", "", _DIGITS.sub("#", ln.text))))
    drop: set[int] = set()
    # a page number sits at the same height on every page; a list number left alone at
    # the foot of one page ("(๔)", its text on the next page) does not
    numbers = [ln for ln, _ in keyed if _PAGE_NUMBER.fullmatch(re.sub(r"\s+", "", ln.text))]
    for ln in numbers:
        level = (ln.top + ln.bottom) / 2
        pages_there = {o.page for o in numbers if abs((o.top + o.bottom) / 2 - level) <= ln.height}
        if len(pages) < 2 or len(pages_there) >= 2:
            drop.add(id(ln))
    page_numbers = len(drop)
    if len(pages) < 2:
        return drop, 0, page_numbers
    on_pages: dict[str, set[int]] = {}
    for ln, key in keyed:
        on_pages.setdefault(key, set()).add(ln.page)
    running = {k for k, p in on_pages.items() if len(p) >= 2 and len(p) >= 0.5 * len(pages)}
    seen: set[str] = set()
    headers = 0
    for ln, key in keyed:
        if key in running and id(ln) not in drop:
            if key in seen:
                drop.add(id(ln))
                headers += 1
            seen.add(key)
    return drop, headers, page_numbers


def _cell_bounds(lines: list[PrintedLine], lh: float) -> dict[int, float]:
    """For lines with another line beside them (table cells on one row): the left edge
    of the nearest line to their right."""
    out: dict[int, float] = {}
    by_page: dict[int, list[PrintedLine]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    for page_lines in by_page.values():
        ordered = sorted(page_lines, key=_center)
        centers = [_center(ln) for ln in ordered]
        for i, ln in enumerate(ordered):
            c = centers[i]
            j = i
            while j > 0 and c - centers[j - 1] < 0.7 * lh:
                j -= 1
            while j < len(ordered) and centers[j] - c < 0.7 * lh:
                other = ordered[j]
                if other is not ln and other.left > ln.right:
                    out[id(ln)] = min(out.get(id(ln), other.left), other.left)
                j += 1
    return out


def _center(ln: PrintedLine) -> float:
    return (ln.top + ln.bottom) / 2


def _assemble(lines: list[PrintedLine]) -> tuple[list[Block], int]:
    """Printed lines → blocks (wrapped lines joined, gaps as blank lines)."""
    if not lines:
        return [], 0
    lh = median(ln.height for ln in lines)
    # the right edge of each text column: lines starting near the same x
    # the right edge of each text column: lines starting near the same x (lines merged
    # across a tab stop or a table gap do not count)
    col_right: dict[int, float] = {}
    col_left: dict[int, float] = {}
    merged_right: dict[int, float] = {}
    for ln in lines:
        k = round(ln.left / (2 * lh))
        col_left[k] = min(col_left.get(k, ln.left), ln.left)
        target = merged_right if "\t" in ln.text else col_right
        target[k] = max(target.get(k, 0.0), ln.right)
    for k, r in merged_right.items():
        col_right.setdefault(k, r)
    page_right = max(col_right.values())
    steps = [
        _center(a) - _center(b)
        for a, b in pairwise(lines)
        if a.page == b.page and 0.5 * lh < _center(a) - _center(b) < 3 * lh
    ]
    pitch = median(steps) if steps else 1.3 * lh

    bounds = _cell_bounds(lines, lh)

    def full(ln: PrintedLine, nxt: PrintedLine) -> bool:
        """Did ``ln`` end because the next word did not fit on it?"""
        k = round(ln.left / (2 * lh))
        right = max(col_right[k], page_right if col_right[k] > 0.8 * page_right else 0.0)
        if id(ln) in bounds:  # a table cell: its right edge is where the next cell starts
            right = min(right, bounds[id(ln)] - 0.5 * lh)
        width = max(right - col_left[k], lh)
        if ln.right >= right - max(4 * lh, 0.12 * width):
            return True
        if ln.right + nxt.first_word <= right - lh:
            return False  # the next word would have fitted: the line ended on purpose
        # a line at least half full, or one followed by a run wider than half a line
        # (a layout that breaks only at spaces leaves a short word before a long run)
        return ln.right > col_left[k] + 0.5 * width or nxt.first_word > 0.5 * width

    tables = find_tables(lines, lh)
    blocks: list[Block] = []
    joined = 0
    start_page = lines[0].page
    cur: PrintedLine | None = None
    text = ""
    i = 0
    while i < len(lines):
        table = tables.get(i)
        if table is not None:  # a table whose header names plan parts: cells as blocks
            if cur is not None:
                blocks.append(Block(text, page=start_page))
            blocks.extend(table.blocks)
            cur = None
            i = table.end
            continue
        ln = lines[i]
        i += 1
        if cur is not None:
            same_page = ln.page == cur.page
            step = _center(cur) - _center(ln) if same_page else 0.0
            paragraph_gap = step > 1.5 * pitch
            side_by_side = same_page and ln.top > cur.bottom + 0.5 * lh
            if not paragraph_gap and not side_by_side and bare_marker(text):
                text = f"{text} {ln.text}"  # "1." alone: the item's text did not fit after it
                cur = ln
                joined += 1
                continue
            if (
                not side_by_side
                and not paragraph_gap
                and full(cur, ln)
                and not text.endswith((":", "：", "ดังนี้"))
                and ln.left <= cur.left + 2 * lh
                and ln.left >= col_left.get(round(cur.left / (2 * lh)), cur.left) - lh
                and not starts_item(ln.text)
            ):
                text = join_thai(text, ln.text)
                cur = ln
                joined += 1
                continue
            blocks.append(Block(text, page=start_page))
            if paragraph_gap:
                blocks.append(Block("", page=start_page))
        cur = ln
        text = ln.text
        start_page = ln.page
    if cur is not None:
        blocks.append(Block(text, page=start_page))
    return blocks, joined


class PdfReader:
    """PDF via PDFium (``pypdfium2``)."""

    format = "pdf"
    magic: tuple[bytes, ...] = (b"%PDF-",)
    suffixes: tuple[str, ...] = (".pdf",)

    def accepts(self, data: bytes) -> bool:
        return True

    def read(self, data: bytes, name: str) -> ExtractedDocument:
        pdf = _open(data, name)
        try:
            pages: list[list[PrintedLine]] = []
            heights: list[float] = []
            for i in range(len(pdf)):
                page = pdf[i]
                try:
                    heights.append(float(page.get_size()[1]))
                    pages.append(_page_lines(page, i + 1))
                finally:
                    page.close()
        except (EncryptedDocumentError, DamagedDocumentError):
            raise
        except Exception as exc:  # PDFium raises its own error types on broken pages
            raise DamagedDocumentError(
                f"{name}: ไฟล์ PDF เสียหาย อ่านไม่ได้ / cannot read this PDF "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        finally:
            pdf.close()
        if not any(ln.text for lines in pages for ln in lines):
            raise ScannedDocumentError(_OCR_HINT.format(name=name))
        drop, headers, numbers = _furniture(pages, heights)
        repaired = 0
        kept: list[PrintedLine] = []
        for lines in pages:
            for ln in lines:
                if id(ln) in drop:
                    continue
                fixed = repair_thai(ln.text).strip()
                if fixed != ln.text:
                    repaired += 1
                if fixed:
                    ln.text = fixed
                    kept.append(ln)
        blocks, joined = _assemble(kept)
        notes = [f"pdf: {len(pages)} pages"]
        if headers:
            notes.append(f"dropped {headers} repeated page header/footer lines")
        if numbers:
            notes.append(f"dropped {numbers} page numbers")
        if joined:
            notes.append(f"re-joined {joined} lines broken by the layout")
        if repaired:
            notes.append(f"repaired Thai extraction faults on {repaired} lines")
        counts = Counter(b.page for b in blocks if b.text)
        empty = [p for p in range(1, len(pages) + 1) if not counts.get(p)]
        if empty:
            notes.append(f"pages without text (scanned?): {', '.join(map(str, empty[:10]))}")
        return ExtractedDocument.from_blocks(blocks, format="pdf", notes=notes)
