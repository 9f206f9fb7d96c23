"""Tables in a PDF text layer whose header row names plan parts become table blocks.

Line boxes (points) follow LibreOffice's export of a strategy | tactic | unit table:
columns start at x = 91, 235 and 378, lines are about 14 pt high."""

from __future__ import annotations

from plansearch.parse.readers.pdf_tables import find_tables
from plansearch.parse.readers.pdf_text import PrintedLine

LH = 14.0
HEAD = ("ยุทธศาสตร์", "แนวทางการพัฒนา", "หน่วยงานรับผิดชอบ")


def _line(page: int, col: int, y: float, text: str, width: float = 120.0) -> PrintedLine:
    left = (91.0, 235.0, 378.5)[col]
    return PrintedLine(page, text, left, left + width, y, y + LH)


def _header(page: int, y: float) -> PrintedLine:
    parts = tuple(_line(page, c, y, t, 60.0) for c, t in enumerate(HEAD))
    return PrintedLine(page, "\t".join(HEAD), 91.0, parts[-1].right, y, y + LH, 0.0, parts)


def _cells(lines: list[PrintedLine]) -> list[tuple[int | None, int | None, str]]:
    tables = find_tables(lines, LH)
    assert list(tables) == [0]
    return [(b.row, b.col, b.text) for b in tables[0].blocks]


def test_cells_of_one_row_are_filed_by_column() -> None:
    lines = [
        _header(1, 600),
        _line(1, 0, 580, ". ยุทธศาสตร์ด้านพัฒนาสังคม"),
        _line(1, 1, 580, ". ส่งเสริมความรู้ความเข้าใจ"),
        _line(1, 1, 560, "เกี่ยวกับกิจการงานของ อบต."),
        _line(1, 1, 540, ". ส่งเสริมสุขภาพอนามัย"),
        _line(1, 2, 580, "องค์การบริหารส่วนตำบล"),
        _line(1, 0, 520, ". ยุทธศาสตร์ด้านพัฒนาเศรษฐกิจ"),
        _line(1, 1, 520, ". ส่งเสริมอาชีพ"),
    ]
    assert _cells(lines)[3:] == [
        (1, 0, ". ยุทธศาสตร์ด้านพัฒนาสังคม"),
        (1, 1, ". ส่งเสริมความรู้ความเข้าใจเกี่ยวกับกิจการงานของ อบต."),
        (1, 1, ". ส่งเสริมสุขภาพอนามัย"),
        (1, 2, "องค์การบริหารส่วนตำบล"),
        (2, 0, ". ยุทธศาสตร์ด้านพัฒนาเศรษฐกิจ"),
        (2, 1, ". ส่งเสริมอาชีพ"),
    ]


def test_a_row_cut_by_a_page_break_goes_on_and_the_unit_cell_does_not_cut_it() -> None:
    lines = [
        _header(5, 600),
        _line(5, 0, 100, "ประเด็นยุทธศาสตร์ที่ 4 ด้าน"),
        _line(5, 1, 100, "1. การส่งเสริมอาชีพเพื่อสร้าง"),
        _line(5, 2, 100, "องค์การบริหารส่วนตำบล"),
        _line(6, 0, 700, "การพัฒนาเศรษฐกิจ"),
        _line(6, 1, 700, "รายได้ให้แก่ประชาชน"),
        _line(6, 1, 680, "2. การส่งเสริมการใช้สินค้าท้องถิ่น"),
        _line(7, 0, 700, "ประเด็นยุทธศาสตร์ที่ 5 ด้านการบริหาร"),
        _line(7, 1, 700, "1. การพัฒนาบุคลากรท้องถิ่น"),
    ]
    assert _cells(lines)[3:] == [
        (1, 0, "ประเด็นยุทธศาสตร์ที่ 4 ด้านการพัฒนาเศรษฐกิจ"),
        (1, 1, "1. การส่งเสริมอาชีพเพื่อสร้างรายได้ให้แก่ประชาชน"),
        (1, 1, "2. การส่งเสริมการใช้สินค้าท้องถิ่น"),
        (1, 2, "องค์การบริหารส่วนตำบล"),
        (2, 0, "ประเด็นยุทธศาสตร์ที่ 5 ด้านการบริหาร"),
        (2, 1, "1. การพัฒนาบุคลากรท้องถิ่น"),
    ]


def test_cells_merged_across_gaps_are_split_back() -> None:
    # PDFium gave one row's first lines as one line: "ยุทธศาสตร์ที่ 4<gap>ด้าน<gap>1. …<gap>อบต."
    pieces = (
        _line(5, 0, 100, "ประเด็นยุทธศาสตร์ที่ 4", 80.0),
        PrintedLine(5, "ด้าน", 190.0, 219.0, 100, 100 + LH),
        _line(5, 1, 100, "1. การส่งเสริมอาชีพ"),
        _line(5, 2, 100, "องค์การบริหารส่วนตำบล"),
    )
    row = PrintedLine(5, "\t".join(p.text for p in pieces), 91.0, 498.5, 100, 100 + LH, 0, pieces)
    assert _cells([_header(5, 600), row])[3:] == [
        (1, 0, "ประเด็นยุทธศาสตร์ที่ 4 ด้าน"),
        (1, 1, "1. การส่งเสริมอาชีพ"),
        (1, 2, "องค์การบริหารส่วนตำบล"),
    ]


def test_the_table_ends_at_text_outside_its_columns() -> None:
    after = [
        _line(2, 0, 420, "วิสัยทัศน์", 50.0),  # short lines: could be first-column cells
        _line(2, 0, 400, "(Vision)", 50.0),
        _line(2, 0, 380, "ชุมชนน่าอยู่ เศรษฐกิจพอเพียง ประชาชนมีคุณภาพชีวิตที่ดี", 400.0),
    ]
    lines = [
        _header(2, 600),
        _line(2, 0, 580, "1. ด้านเศรษฐกิจ"),
        _line(2, 1, 580, "1.1 ส่งเสริมอาชีพ"),
        *after,
    ]
    table = find_tables(lines, LH)[0]
    assert table.end == 3  # the heading and the paragraph after it are not cells
    assert [b.text for b in table.blocks if b.row == 1] == ["1. ด้านเศรษฐกิจ", "1.1 ส่งเสริมอาชีพ"]


def test_a_row_of_words_that_name_no_plan_parts_is_not_a_table() -> None:
    head = ("ลำดับ", "รายการ", "งบประมาณ")
    parts = tuple(_line(1, c, 600, t, 60.0) for c, t in enumerate(head))
    lines = [
        PrintedLine(1, "\t".join(head), 91.0, parts[-1].right, 600, 600 + LH, 0.0, parts),
        _line(1, 0, 580, "1"),
        _line(1, 1, 580, "ถนนคอนกรีต"),
    ]
    assert find_tables(lines, LH) == {}
