"""PDF → blocks, read from the page's layout the way a Thai reader sees the page.

Characters, their boxes, baselines and fonts come from PDFium (``pypdfium2``), which
keeps Thai marks in their places where ``pypdf`` decomposes sara am (``ตำาบล``) and swaps
marks (``สาธารณ่ปโภค``); see ``benchmarks/bench_pdf.py`` for the counts. Then:

1. :mod:`.pdf_layout` – each page's printed lines, built from the glyphs on one
   baseline (a Thai mark stays with its letter), with font size, boldness and the
   hanging indent of a list number; the page's ruled lines (table borders);
2. running page headers/footers (a line in the top or bottom band that repeats on at
   least half of the pages, digits ignored) are kept once and dropped elsewhere, and
   page numbers (at one height on several pages, counting with the pages) are dropped;
   :func:`~plansearch.parse.thai_repair.repair_thai` fixes the remaining Thai faults;
3. ruled tables whose header names plan parts are read by their cell boxes
   (:mod:`.pdf_grid`); each page's columns are put one after the other
   (:func:`.pdf_columns.reading_order`); tables without borders are read by their
   header's columns (:mod:`.pdf_tables`);
4. :mod:`.pdf_paragraphs` – printed lines become paragraphs, one block each, by
   indents, gaps, fonts and whether the line above was full; a paragraph gap becomes a
   blank block.

A PDF without a text layer (a scan) raises :class:`~plansearch.errors.ScannedDocumentError`
saying how to OCR it (:mod:`.ocr`, also for the scanned pages of a PDF with text on
others); a password-protected one :class:`~plansearch.errors.EncryptedDocumentError`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from statistics import median

from ...errors import (
    DamagedDocumentError,
    EncryptedDocumentError,
    ScannedDocumentError,
    UnsupportedFormatError,
)
from ...thai import thai_digits_to_arabic
from ..thai_repair import repair_thai
from .base import Block, ExtractedDocument
from .pdf_columns import reading_order, settle_gaps
from .pdf_layout import PageRules, page_lines, page_rules
from .pdf_paragraphs import assemble
from .pdf_tables import find_tables
from .pdf_text import PrintedLine

#: top/bottom share of the page height where running headers and footers live
BAND = 0.12
_PAGE_NUMBER = re.compile(
    r"[-–—(\[]?\s*(?:หน้า|page)?\s*[\d๐-๙]{1,4}(?:\s*(?:/|จาก|of)\s*[\d๐-๙]{1,4})?\s*[-–—)\]]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"[\d๐-๙]+")
_LETTERS = re.compile(r"[^\W\d_]")
_OCR_HINT = (
    "ไฟล์ PDF นี้ไม่มีข้อความ (เป็นภาพสแกน) ต้องทำ OCR ก่อน ใช้ตัวเลือก --ocr / "
    "{name} has no text layer (a scanned PDF): add --ocr on the command line, or "
    "parse_plan(..., ocr=True) in Python, to read it with Tesseract (Debian: apt-get install "
    "tesseract-ocr tesseract-ocr-tha), or OCR it first with "
    "`ocrmypdf -l tha {name} plan-ocr.pdf`"
)


def scanned_note(pages: Sequence[int]) -> str:
    """The note that names the pages a PDF has no text on (a scan among text pages)."""
    return f"pages without text (scanned?): {', '.join(map(str, pages))}"


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


def _furniture(pages: list[list[PrintedLine]], heights: list[float]) -> tuple[set[int], int, int]:
    """ids of running header/footer lines to drop (first copy kept), counts."""
    keyed: list[tuple[PrintedLine, str]] = []
    for lines, h in zip(pages, heights, strict=True):
        for ln in lines:
            if ln.top >= h * (1 - BAND) or ln.bottom <= h * BAND:
                keyed.append((ln, re.sub(r"\s+", "", _DIGITS.sub("#", ln.text))))
    drop: set[int] = set()
    # a page number sits at the same height on every page and counts with the pages; a
    # list number alone at the foot or head of a page ("(๔)", its text on the next
    # line) does neither
    numbers: list[tuple[PrintedLine, int]] = []
    for ln, _ in keyed:
        text = re.sub(r"\s+", "", ln.text)
        if _PAGE_NUMBER.fullmatch(text):
            digits = _DIGITS.search(text)
            if digits is not None:
                numbers.append((ln, int(thai_digits_to_arabic(digits.group()))))
    for ln, value in numbers:
        level = (ln.top + ln.bottom) / 2
        offset = ln.page - value
        pages_there = {
            o.page
            for o, v in numbers
            if o.page - v == offset and abs((o.top + o.bottom) / 2 - level) <= ln.height
        }
        if len(pages_there) >= 2 or (len(pages) < 2 and offset == 0):
            drop.add(id(ln))
    page_numbers = len(drop)
    if len(pages) < 2:
        return drop, 0, page_numbers
    on_pages: dict[str, set[int]] = {}
    for ln, key in keyed:
        if len(_LETTERS.findall(key)) >= 3:  # a running title, not a lone number
            on_pages.setdefault(key, set()).add(ln.page)
    running = {k for k, p in on_pages.items() if len(p) >= 2 and len(p) >= 0.5 * len(pages)}
    seen: set[str] = set()
    headers = 0
    for ln, key in keyed:
        if key in running and id(ln) not in drop:
            if key in seen:
                drop.add(id(ln))
                headers += 1
            else:
                ln.furniture = True  # kept once, as a paragraph of its own
            seen.add(key)
    return drop, headers, page_numbers


def _repair(ln: PrintedLine) -> bool:
    """Repair the Thai of a line and of its pieces; whether anything changed."""
    fixed = repair_thai(ln.text).strip()
    changed = fixed != ln.text
    ln.text = fixed
    for p in ln.parts:
        p.text = repair_thai(p.text).strip()
    return changed


def _items(
    lines: list[PrintedLine], rules: dict[int, PageRules]
) -> list[PrintedLine | list[Block]]:
    """Tables (their blocks) and the other lines, page by page in reading order: ruled
    tables first (by their cell boxes), then each page's columns, then tables without
    borders inside the columns."""
    lh = median(ln.height for ln in lines)
    grids = find_tables(lines, lh, rules=rules, borderless=False)
    items: list[PrintedLine | list[Block]] = []
    chunk: list[PrintedLine] = []
    count = len(grids)

    def flush() -> None:
        nonlocal count
        by_page: dict[int, list[PrintedLine]] = {}
        for ln in chunk:
            by_page.setdefault(ln.page, []).append(ln)
        flow = [ln for on_page in by_page.values() for ln in reading_order(on_page)]
        tables = find_tables(flow, lh, count, rules, ruled=False)
        count += len(tables)
        i = 0
        run: list[PrintedLine] = []

        def settle() -> None:
            for page in dict.fromkeys(ln.page for ln in run):
                items.extend(settle_gaps([ln for ln in run if ln.page == page], by_page[page]))
            run.clear()

        while i < len(flow):
            table = tables.get(i)
            if table is None:
                run.append(flow[i])
                i += 1
                continue
            settle()
            items.append(list(table.blocks))
            i = table.end
        settle()
        chunk.clear()

    i = 0
    while i < len(lines):
        grid = grids.get(i)
        if grid is not None:
            flush()
            items.append(list(grid.blocks))
            i = grid.end
            continue
        chunk.append(lines[i])
        i += 1
    flush()
    return items


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
            widths: dict[int, float] = {}
            rules: dict[int, PageRules] = {}
            for i in range(len(pdf)):
                page = pdf[i]
                try:
                    w, h = page.get_size()
                    heights.append(float(h))
                    widths[i + 1] = float(w)
                    rules[i + 1] = page_rules(page)
                    textpage = page.get_textpage()
                    try:
                        pages.append(page_lines(textpage.raw, i + 1))
                    finally:
                        textpage.close()
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
                repaired += _repair(ln)
                if ln.text:
                    kept.append(ln)
        blocks, joined = assemble(_items(kept, rules), widths) if kept else ([], 0)
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
            notes.append(scanned_note(empty))
        return ExtractedDocument.from_blocks(blocks, format="pdf", notes=notes, empty_pages=empty)
