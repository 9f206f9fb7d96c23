"""The layout reader on printed lines built by hand: page furniture, wrapped list
numbers, hanging and first-line indents, gaps, headings, page breaks, justified lines,
tab stops and columns (boxes in points on an A4 page, 842 pt high); and fuzzing of the
whole PDF path with random and damaged files."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plansearch import parse_plan
from plansearch.errors import InputError
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


# -- paragraphs from the layout: printed lines of a 16 pt text, 24 pt apart, text
#    between x = 72 and 523 (an A4 page with 2.54 cm margins) --------------------------


def _line(
    text: str,
    left: float,
    base: float,
    right: float = 523.0,
    page: int = 1,
    *,
    indent: float | None = None,
    bold: bool = False,
) -> PrintedLine:
    return PrintedLine(
        page,
        text,
        left,
        right,
        base - 4,
        base + 12,
        size=16.0,
        bold=bold,
        baseline=base,
        text_left=indent,
    )


def _paragraphs(lines: list[PrintedLine]) -> list[str]:
    # a page of short lines: the document's line pitch
    filler = [_line("ข้อความ", 72, 748 - 24 * k, 400, page=9) for k in range(4)]
    blocks, _ = assemble([*lines, *filler], {p: 595.0 for p in range(1, 10)})
    return [b.text for b in blocks if b.text and b.page != 9]


def test_a_number_at_the_hanging_indent_of_a_wrapped_item_is_inside_its_text() -> None:
    lines = [
        _line("1. พัฒนาถนนและทางระบายน้ำในหมู่บ้านตามแผนพัฒนาท้องถิ่น ปี", 72, 700, indent=90),
        _line("2566 ให้ได้มาตรฐาน", 90, 676, 250),  # at the text's indent: inside it
        _line("2. ส่งเสริมอาชีพ", 72, 652, 200, indent=90),  # at the number's x: an item
    ]
    assert _paragraphs(lines) == [
        "1. พัฒนาถนนและทางระบายน้ำในหมู่บ้านตามแผนพัฒนาท้องถิ่น ปี 2566 ให้ได้มาตรฐาน",
        "2. ส่งเสริมอาชีพ",
    ]


def test_a_line_that_ends_short_ends_its_paragraph() -> None:
    lines = [
        _line("ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ", 72, 700, 300),
        _line("แนวทางการพัฒนา", 72, 676, 180),
        _line("ส่งเสริมอาชีพและรายได้ของประชาชน", 72, 652, 330),
    ]
    assert len(_paragraphs(lines)) == 3


def test_first_line_indents_and_a_blank_line() -> None:
    lines = [
        _line("วิสัยทัศน์การพัฒนาท้องถิ่นคือการพัฒนาคุณภาพชีวิตของประชาชนในตำบลให้", 108, 700),
        _line("มีความเป็นอยู่ที่ดี", 72, 676, 200),  # wraps back to the margin
        _line("พันธกิจของท้องถิ่นคือการส่งเสริมอาชีพและรายได้ของประชาชนในชุมชน", 108, 628),
        _line("อย่างยั่งยืน", 72, 604, 160),
    ]
    blocks, _ = assemble(list(lines), {1: 595.0})
    assert [b.text for b in blocks] == [
        "วิสัยทัศน์การพัฒนาท้องถิ่นคือการพัฒนาคุณภาพชีวิตของประชาชนในตำบลให้มีความเป็นอยู่ที่ดี",
        "",  # the gap of a blank line
        "พันธกิจของท้องถิ่นคือการส่งเสริมอาชีพและรายได้ของประชาชนในชุมชนอย่างยั่งยืน",
    ]


def test_a_heading_stays_apart_from_its_items_on_the_next_page() -> None:
    """A bold strategy heading ends page 1; its numbered tactics start page 2 (the running
    header and page number between them are dropped before)."""
    lines = [
        _line("ประเด็นยุทธศาสตร์ที่ 1 ด้านการพัฒนาโครงสร้างพื้นฐานและระบบสาธารณูปโภค", 72, 80, bold=True),
        _line("1. การก่อสร้างถนน สะพาน และทางระบายน้ำ", 72, 748, 400, page=2, indent=90),
        _line("2. การไฟฟ้าสาธารณะ", 72, 724, 250, page=2, indent=90),
    ]
    assert _paragraphs(lines) == [
        "ประเด็นยุทธศาสตร์ที่ 1 ด้านการพัฒนาโครงสร้างพื้นฐานและระบบสาธารณูปโภค",
        "1. การก่อสร้างถนน สะพาน และทางระบายน้ำ",
        "2. การไฟฟ้าสาธารณะ",
    ]


def test_an_item_wrapped_over_a_page_break_is_joined() -> None:
    """Page 1 is full to its foot (lines 748 … 76); the item's last line tops page 2."""
    body = [_line(f"{k}. ข้อความ", 72, 748 - 24 * k, 300, indent=100) for k in range(1, 28)]
    lines = [
        *body,
        _line("28. การพัฒนาระบบประปาหมู่บ้านให้มีมาตรฐานและทั่วถึงการพัฒนาระบบส่งน้ำ", 72, 76,
              indent=100),
        _line("เข้าสู่พื้นที่การเกษตร", 100, 748, 250, page=2),
        _line("29. ข้อความ", 72, 724, 250, page=2, indent=100),
    ]  # fmt: skip
    assert _paragraphs(lines)[-2:] == [
        "28. การพัฒนาระบบประปาหมู่บ้านให้มีมาตรฐานและทั่วถึงการพัฒนาระบบส่งน้ำเข้าสู่พื้นที่การเกษตร",
        "29. ข้อความ",
    ]


def test_a_justified_wide_space_is_a_space_and_a_tab_stop_stays() -> None:
    from plansearch.parse.readers.pdf_columns import settle_gaps

    def row(base: float, *cells: tuple[str, float, float]) -> PrintedLine:
        parts = tuple(_line(t, a, base, b) for t, a, b in cells)
        return PrintedLine(
            1, "\t".join(t for t, *_ in cells), parts[0].left, parts[-1].right,
            base - 4, base + 12, 0.0, parts, size=16.0, baseline=base,
        )  # fmt: skip

    lines = [
        row(700, ("ยุทธศาสตร์ที่", 72, 150), ("๑", 515, 523)),  # justified to the edge
        row(676, ("บทนำ", 72, 110), ("๑", 300, 308)),  # contents: page numbers at a stop
        row(652, ("สารบัญ", 72, 120), ("๓", 300, 308)),
        row(628, ("1.", 72, 84), ("ส่งเสริมอาชีพ", 108, 200)),  # a number and its text
    ]
    assert [ln.text for ln in settle_gaps(lines)] == [
        "ยุทธศาสตร์ที่ ๑",
        "บทนำ\t๑",
        "สารบัญ\t๓",
        "1. ส่งเสริมอาชีพ",
    ]


def test_two_columns_are_read_column_by_column() -> None:
    from plansearch.parse.readers.pdf_columns import reading_order

    def row(base: float, west: str, east: str) -> PrintedLine:
        a, b = _line(west, 72, base, 280), _line(east, 315, base, 523)
        return PrintedLine(1, f"{west}\t{east}", 72, 523, base - 4, base + 12, 0.0, (a, b))

    lines = [row(700 - 24 * k, f"ซ้าย {k}", f"ขวา {k}") for k in range(8)]
    ordered = reading_order(lines)
    assert [ln.text for ln in ordered] == [f"ซ้าย {k}" for k in range(8)] + [
        f"ขวา {k}" for k in range(8)
    ]
    assert {ln.col for ln in ordered[:8]} == {1} and {ln.col for ln in ordered[8:]} == {2}


def _piece(text: str, left: float, right: float, base: float = 700.0) -> PrintedLine:
    edges = tuple(left + (right - left) * (k + 1) / len(text) for k in range(len(text)))
    return PrintedLine(
        1, text, left, right, base - 4, base + 12, size=16.0, bold=True, baseline=base,
        edges=edges, tallest=18.0,
    )  # fmt: skip


def test_a_merge_keeps_the_fields_of_its_pieces_and_the_line() -> None:
    from plansearch.parse.readers.pdf_text import merge_lines

    a, b = _piece("ส่งเสริม", 235, 300), _piece("อาชีพ", 310, 350, base=699.0)
    a.col, a.furniture = 2, True
    for sep in ("\t", " "):
        m = merge_lines(a, b, sep)
        assert m.text == f"ส่งเสริม{sep}อาชีพ" and (m.left, m.right) == (235, 350)
        assert (m.baseline, m.size, m.tallest, m.bold) == (700.0, 16.0, 18.0, True)
        assert m.edges == a.edges + b.edges and (m.col, m.furniture) == (2, True)
        assert m.parts == ((a, b) if sep == "\t" else ())


def test_a_wide_space_inside_a_table_cell_keeps_the_cell_line_fields() -> None:
    from plansearch.parse.readers.pdf_tables import _cells

    a, b = _piece("ส่งเสริม", 235, 300), _piece("อาชีพ", 310, 350)
    ln = PrintedLine(1, "ส่งเสริม\tอาชีพ", 235, 350, 696, 712, 0.0, (a, b), size=16.0)
    [(cell, col)] = _cells(ln, [90.0, 235.0], 8.0)
    assert col == 1 and cell.text == "ส่งเสริม อาชีพ"
    assert (cell.baseline, cell.size, cell.tallest, cell.bold) == (700.0, 16.0, 18.0, True)
    assert cell.edges == a.edges + b.edges


def test_a_kept_running_header_in_pieces_stays_furniture() -> None:
    from plansearch.parse.readers.pdf_columns import reading_order, settle_gaps

    a, b = _piece("แผนพัฒนาท้องถิ่น", 72, 200, 800), _piece("๒๕๖๖", 440, 470, 800)
    header = PrintedLine(1, "แผนพัฒนาท้องถิ่น\t๒๕๖๖", 72, 470, 796, 812, 0.0, (a, b))
    header.furniture = True
    [settled] = settle_gaps([header])
    assert settled.furniture and not settled.parts  # one piece: a justified gap

    # split by a page's columns, both halves are still the running header
    def row(k: int) -> PrintedLine:
        base = 700 - 24 * k
        w, e = _line(f"ซ้าย {k}", 72, base, 200), _line(f"ขวา {k}", 440, base)
        return PrintedLine(1, f"{w.text}\t{e.text}", 72, 523, base - 4, base + 12, 0.0, (w, e))

    rows = [row(k) for k in range(8)]
    ordered = reading_order([header, *rows])
    assert [ln.furniture for ln in ordered if ln.text in ("แผนพัฒนาท้องถิ่น", "๒๕๖๖")] == [
        True,
        True,
    ]


# -- fuzz: no traceback from deep inside, only plansearch's errors ----------------------

_SQUASH = str.maketrans("", "", " \t\n")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1.", "(๒)", "ก.", "-", "ยุทธศาสตร์ที่ 3", "แนวทางการพัฒนา", ""]),
            st.text(alphabet="กขคงจฉ ัิีุู่้าเ0123456789.()", min_size=1, max_size=30),
            st.floats(min_value=40, max_value=400),
            st.floats(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=3),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_fuzz_assembly_keeps_every_character(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    lines = []
    base = {1: 780.0, 2: 780.0, 3: 780.0}
    for marker, body, left, gap, page, bold in sorted(rows, key=lambda r: r[4]):
        text = f"{marker} {body}".strip()
        base[page] -= 20 * (1 + gap)
        if base[page] < 40:
            continue
        lines.append(
            PrintedLine(
                page,
                text,
                left,
                left + 7 * len(text),
                base[page] - 4,
                base[page] + 12,
                size=14.0,
                bold=bold,
                baseline=base[page],
            )
        )
    if not lines:
        return
    blocks, _ = assemble(list(lines), {1: 595.0, 2: 595.0, 3: 595.0})
    assert "".join(b.text for b in blocks).translate(_SQUASH) == "".join(
        ln.text for ln in lines
    ).translate(_SQUASH)


def _small_pdf() -> bytes:
    from doc_fixtures import thai_font
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    font = thai_font()
    if font is not None:
        pdf.add_font("thai", "", str(font))
        pdf.set_font("thai", size=14)
        pdf.multi_cell(0, 8, "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\nแนวทางการพัฒนา\n1. ส่งเสริมอาชีพ")
    else:
        pdf.set_font("helvetica", size=12)
        pdf.cell(0, 10, "plan")
    return bytes(pdf.output())


_PDF = _small_pdf()


@given(st.binary(max_size=2000))
def test_fuzz_garbage_after_a_pdf_header_gives_a_clear_error(tail: bytes) -> None:
    try:
        parse_plan(b"%PDF-1.7\n" + tail)
    except InputError:
        pass


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(_PDF) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=20, max_value=len(_PDF)),
)
def test_fuzz_damaged_pdfs_give_a_plan_or_a_clear_error(
    flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(_PDF)
    for at, value in flips:
        data[at] = value
    try:
        plan = parse_plan(bytes(data[:cut]))
    except InputError:
        return
    assert all(s.title for s in plan)
