"""Page furniture and wrapped list numbers in a PDF text layer (boxes in points, an A4
page 842 pt high, lines about 20 pt apart as fpdf2 writes them)."""

from __future__ import annotations

from plansearch.parse.readers.pdf import _furniture
from plansearch.parse.readers.pdf_paragraphs import assemble
from plansearch.parse.readers.pdf_text import PrintedLine

H = 842.0


def _ln(page: int, text: str, left: float, y: float, width: float = 500.0) -> PrintedLine:
    return PrintedLine(page, text, left, left + width, y, y + 18.0)


def test_a_list_number_alone_at_a_page_foot_is_not_a_page_number() -> None:
    pages = [
        [
            _ln(p, f"ข้อความหน้า {p}", 32, 700),
            *([_ln(p, "(๔)", 32, 61, 17)] if p == 2 else []),
            _ln(p, f"-\t1\t{p}\t-", 285, 28, 25),  # "- 1p -" spaced out by the PDF writer
        ]
        for p in (1, 2, 3)
    ]
    drop, _, numbers = _furniture(pages, [H, H, H])
    dropped = [ln.text for lines in pages for ln in lines if id(ln) in drop]
    assert dropped == ["-\t1\t1\t-", "-\t1\t2\t-", "-\t1\t3\t-"] and numbers == 3


def test_a_wrapped_list_number_that_lost_its_first_digit_joins_its_text() -> None:
    lines = [
        _ln(1, ".๓ ยุทธศาสตร์การปรับโครงสร้างเศรษฐกิจให้สมดุลและยั่งยืน", 32, 700, 300),
        _ln(1, ".๔", 32, 680, 12),  # the long unbroken Thai title did not fit after it
        _ln(1, "ยุทธศาสตร์การพัฒนาบนฐานความหลากหลายทางชีวภาพ", 32, 660, 520),
        _ln(1, ".๕ ยุทธศาสตร์การเสริมสร้างธรรมาภิบาล", 32, 640, 200),
    ]
    blocks, _ = assemble(list(lines), {1: 595.0})
    assert [b.text for b in blocks] == [
        ".๓ ยุทธศาสตร์การปรับโครงสร้างเศรษฐกิจให้สมดุลและยั่งยืน",
        ".๔ ยุทธศาสตร์การพัฒนาบนฐานความหลากหลายทางชีวภาพ",
        ".๕ ยุทธศาสตร์การเสริมสร้างธรรมาภิบาล",
    ]
