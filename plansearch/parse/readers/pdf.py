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
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from ...errors import (
    DamagedDocumentError,
    EncryptedDocumentError,
    ScannedDocumentError,
    UnsupportedFormatError,
)
from ..thai_repair import repair_thai
from ..vocabulary import STRATEGY_NUMBERED, match_term, parse_marker
from .base import Block, ExtractedDocument

#: top/bottom share of the page height where running headers and footers live
BAND = 0.12
_PAGE_NUMBER = re.compile(
    r"[-–—(\[]?\s*(?:หน้า|page)?\s*[\d๐-๙]{1,4}(?:\s*(?:/|จาก|of)\s*[\d๐-๙]{1,4})?\s*[-–—)\]]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"[\d๐-๙]+")
#: a list number alone on a line: "1.", "1.1", "(2)", "3)", "." (digit lost), "-"
#: (not "4.0" or "20": numbers that end a wrapped sentence)
_N = r"[1-9]\d{0,2}"
_BARE = re.compile(rf"\({_N}\)|{_N}(?:\.{_N})*[.)]|{_N}(?:\.{_N})+|\.|[-–•]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_OCR_HINT = (
    "ไฟล์ PDF นี้ไม่มีข้อความ (เป็นภาพสแกน) ต้องทำ OCR ก่อน ใช้ตัวเลือก --ocr / "
    "{name} has no text layer (a scanned PDF): add --ocr on the command line, or "
    "parse_plan(..., ocr=True) in Python, to read it with Tesseract (Debian: apt-get install "
    "tesseract-ocr tesseract-ocr-tha), or OCR it first with "
    "`ocrmypdf -l tha {name} plan-ocr.pdf`"
)


@dataclass
class _Line:
    page: int
    text: str
    left: float
    right: float
    bottom: float
    top: float
    first_word: float = 0.0  # width of the text before the first space

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


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


def _page_lines(page, number: int) -> list[_Line]:
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        n = tp.count_chars()
        candidates: list[list[_Line]] = []
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
            boxes: list[tuple[str, float, float, float, float]] = []
            for i in range(a, b):
                x0, y0, x1, y1 = tp.get_charbox(i)
                if x1 <= x0 and y1 <= y0:
                    continue  # generated characters have no box
                # U+FFFE: PDFium's code for a hyphen it took for a line-end hyphenation
                boxes.append(("-" if text[i] == "\ufffe" else text[i], x0, y0, x1, y1))
            parts = _split_at_gaps(_place_marks(boxes), number)
            if parts:
                candidates.append(parts)
        return _confirm_cells(candidates)
    finally:
        tp.close()


_Box = tuple[str, float, float, float, float]  # character, x0, y0, x1, y1
#: marks drawn above a letter's vowel or consonant: tone marks, thanthakhat
_TONE_MARKS = frozenset("\u0e48\u0e49\u0e4a\u0e4b\u0e4c")
#: vowels drawn above or below a consonant (ั ิ ี ึ ื ็ ุ ู), written right after it
_MARK_VOWELS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47\u0e38\u0e39")
_CONSONANTS = frozenset(chr(c) for c in range(0x0E01, 0x0E2F))


def _overlap(a: _Box, b: _Box) -> float:
    return min(a[3], b[3]) - max(a[1], b[1])


def _bases(mark: str) -> frozenset[str]:
    """What a mark may follow in Thai spelling: a vowel mark follows its consonant, a
    tone mark its consonant or the vowel mark written on it."""
    return _CONSONANTS if mark in _MARK_VOWELS else _CONSONANTS | _MARK_VOWELS


def _place_marks(boxes: list[_Box]) -> list[_Box]:
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


def _attached(boxes: list[_Box], k: int, mark: _Box) -> bool:
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


def _confirm_cells(candidates: list[list[_Line]]) -> list[_Line]:
    """Keep a split only where the right part starts at a column where other lines of
    the page start too (two cells side by side); a wide space inside a sentence, and a
    row of three or more cells, become one line with tabs (the parser reads a line with
    two or more tabs as a table row, as in text files)."""
    starts = Counter(round(part.left) for parts in candidates for part in parts)
    columns = [x for x, n in starts.items() if n >= 2]
    out: list[_Line] = []
    for parts in candidates:
        line = parts[0]
        row = len(parts) >= 3  # a table row of three or more cells stays one tabbed line
        for part in parts[1:]:
            if not row and any(abs(part.left - x) <= 3 for x in columns):
                out.append(line)
                line = part
            else:
                line = _Line(
                    line.page,
                    f"{line.text}\t{part.text}",  # a tab stop, as typed
                    min(line.left, part.left),
                    max(line.right, part.right),
                    min(line.bottom, part.bottom),
                    max(line.top, part.top),
                    line.first_word,
                )
        out.append(line)
    return out


def _split_at_gaps(boxes: list[tuple[str, float, float, float, float]], page: int) -> list[_Line]:
    """One printed line, split where a wide horizontal gap separates table cells."""
    if not boxes:
        return []
    height = median(max(y1 - y0, 1.0) for _, _, y0, _, y1 in boxes)
    groups: list[list[tuple[str, float, float, float, float]]] = [[boxes[0]]]
    right = boxes[0][3]
    for box in boxes[1:]:
        if box[0].strip() and box[1] - right > 1.5 * height:
            groups.append([box])
        else:
            groups[-1].append(box)
        if box[0].strip():
            right = max(right, box[3])
    out: list[_Line] = []
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
                _Line(
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


def _furniture(pages: list[list[_Line]], heights: list[float]) -> tuple[set[int], int, int]:
    """ids of running header/footer lines to drop (first copy kept), counts."""
    keyed: list[tuple[_Line, str]] = []
    for lines, h in zip(pages, heights, strict=True):
        for ln in lines:
            if ln.top >= h * (1 - BAND) or ln.bottom <= h * BAND:
                keyed.append((ln, re.sub(r"\s+", "", _DIGITS.sub("#", ln.text))))
    drop: set[int] = set()
    page_numbers = 0
    for ln, _key in keyed:
        if _PAGE_NUMBER.fullmatch(ln.text):
            drop.add(id(ln))
            page_numbers += 1
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


def _starts_item(text: str) -> bool:
    t = text.translate(_THAI_DIGITS)
    if parse_marker(t) is not None or STRATEGY_NUMBERED.match(t) or _bare_marker(t):
        return True
    return match_term(t) is not None and len(t) <= 80


def _bare_marker(text: str) -> bool:
    """``"1."`` / ``"(๒)"`` alone on a line."""
    return _BARE.fullmatch(text.translate(_THAI_DIGITS).strip()) is not None


def _join(a: str, b: str) -> str:
    if _THAI.match(a[-1]) and _THAI.match(b[0]):
        return a + b
    return f"{a} {b}"


def _cell_bounds(lines: list[_Line], lh: float) -> dict[int, float]:
    """For lines with another line beside them (table cells on one row): the left edge
    of the nearest line to their right."""
    out: dict[int, float] = {}
    by_page: dict[int, list[_Line]] = {}
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


def _center(ln: _Line) -> float:
    return (ln.top + ln.bottom) / 2


def _assemble(lines: list[_Line]) -> tuple[list[Block], int]:
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

    def full(ln: _Line, nxt: _Line) -> bool:
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

    blocks: list[Block] = []
    joined = 0
    start_page = lines[0].page
    cur: _Line | None = None
    text = ""
    for ln in lines:
        if cur is not None:
            same_page = ln.page == cur.page
            step = _center(cur) - _center(ln) if same_page else 0.0
            paragraph_gap = step > 1.5 * pitch
            side_by_side = same_page and ln.top > cur.bottom + 0.5 * lh
            if not paragraph_gap and not side_by_side and _bare_marker(text):
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
                and not _starts_item(ln.text)
            ):
                text = _join(text, ln.text)
                cur = ln
                joined += 1
                continue
            blocks.append(Block(text, page=start_page))
            if paragraph_gap:
                blocks.append(Block("", page=start_page))
        cur = ln
        text = ln.text
        start_page = ln.page
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
            pages: list[list[_Line]] = []
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
        kept: list[_Line] = []
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
