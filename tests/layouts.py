"""The generated layout corpus: every plan text laid out the ways Thai offices lay plans out.

Shared by ``tests/test_parse_pdf_layout_corpus.py`` and ``benchmarks/bench_layouts.py``.
Nothing here is tuned to one document: every plan (the seeds in ``corpus/raw`` and the
two test plans with projects in ``tests/data``) goes through every :class:`Layout`:

* a LibreOffice layout is a DOCX written with python-docx (fonts from Debian's
  ``fonts-thai-tlwg``, sizes, margins, typed numbers / a number and a tab with a hanging
  indent / Word's own list numbering in ``numbering.xml``, Arabic or Thai digits, left /
  justified / Thai-distributed lines, bold headings, page breaks between a heading and
  its items, a running header and a page-number footer, two columns, tables) and
  exported to PDF by ``soffice --headless --convert-to pdf``;
* an fpdf2 layout is a PDF typeset directly (hanging indents, justified lines, two
  columns, a table drawn by fpdf2's own table code).

:func:`sample` gives the text the document holds (the plan text after the layout's
digit and table changes) and its parse (``parse_plan`` of that text): what a PDF of the
layout must give back. :func:`build` writes the files once and keeps them under
``~/.cache/plansearch/layouts/<hash>`` (the hash covers this file, the plan text, the
layout, and the LibreOffice and fpdf2 versions), so only a changed input is rebuilt.
:func:`compare` scores a parse of the PDF against the text's parse.

``HELD_OUT`` layouts were written together with the others but are run only at the end,
to measure the reader on layouts its tuning never saw (``bench_layouts.py --held-out``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from doc_fixtures import Numbering, set_numbering, soffice

from plansearch import Plan, Section, parse_plan
from plansearch.parse import damage_count
from plansearch.parse.vocabulary import STRATEGY_NUMBERED, match_term, parse_marker
from plansearch.thai import thai_digits_to_arabic

ROOT = Path(__file__).resolve().parent.parent
#: plan key → text file: the seeds, and the two test plans that list projects
PLANS: dict[str, Path] = {
    **{p.name[:3]: p for p in sorted((ROOT / "corpus" / "raw").glob("*.txt"))},
    "tp": ROOT / "tests" / "data" / "parse_tactic_projects.txt",
    "sp": ROOT / "tests" / "data" / "parse_small_plan.txt",
}
FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
CACHE = Path(os.environ.get("PLANSEARCH_LAYOUT_CACHE", "~/.cache/plansearch/layouts")).expanduser()
HEADERS = (
    "แผนพัฒนาท้องถิ่น (พ.ศ. 2566 – 2570)",
    "แผนพัฒนาท้องถิ่น (พ.ศ. ๒๕๖๖ – ๒๕๗๐) องค์การบริหารส่วนตำบล",
)
_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@dataclass(frozen=True)
class Layout:
    """One way of laying a plan out on the page."""

    name: str
    description: str
    maker: str = "libreoffice"  # or "fpdf2"
    font: str = "Laksaman"  # a TLWG family (Laksaman is the TH Sarabun design)
    size: float = 16.0
    #: margins in cm: left, right, top, bottom
    margins: tuple[float, float, float, float] = (2.54, 2.54, 2.54, 2.54)
    digits: str = "arabic"  # "thai": every digit of the text written in Thai digits
    #: typed ("1. text"), tab ("1.<tab>text", hanging indent), word (numbering.xml)
    numbering: str = "typed"
    indent: str = "flat"  # flat | outline (left indent by list depth) | first_line
    align: str = "left"  # left | both | thaiDistribute
    bold_headings: bool = False
    #: "" | "strategy" (ยุทธศาสตร์ | แนวทางการพัฒนา | หน่วยงาน, one row per strategy)
    #: | "rows" (the same columns, a row per tactic, the strategy in its first row)
    #: | "grid" (ยุทธศาสตร์ | แนวทางการพัฒนา | โครงการ | งบประมาณ | หน่วยงาน, a row per tactic)
    table: str = ""
    header: str = HEADERS[0]
    footer: str = "page"  # "" | "page" ("- 3 -") | "of" ("หน้า 3")
    break_before_items: bool = False  # a page break between a list heading and its items
    columns: int = 1
    blank: str = "keep"  # keep (empty paragraphs) | spacing (space before instead)
    line_spacing: float = 1.0
    held_out: bool = False


LAYOUTS: tuple[Layout, ...] = (
    Layout("lo-plain", "typed numbers, Laksaman 16, 2.54 cm margins"),
    Layout(
        "lo-hanging",
        "number, tab and hanging indent, Thai-distributed lines, bold headings, Garuda 14",
        font="Garuda",
        size=14,
        numbering="tab",
        align="thaiDistribute",
        bold_headings=True,
    ),
    Layout(
        "lo-thai-digits",
        "every digit in Thai, outline indents, Norasi 16, header with page number 'หน้า N'",
        font="Norasi",
        digits="thai",
        indent="outline",
        header=HEADERS[1],
        footer="of",
    ),
    Layout(
        "lo-word-numbers",
        "Word list numbering (numbering.xml), justified, Loma 15",
        font="Loma",
        size=15,
        numbering="word",
        align="both",
    ),
    Layout(
        "lo-word-thai",
        "Word list numbering in Thai digits, Kinnari 16, narrow margins",
        font="Kinnari",
        digits="thai",
        numbering="word",
        margins=(1.27, 1.27, 1.27, 1.27),
    ),
    Layout(
        "lo-page-breaks",
        "a page break between each list heading and its items, header and footer",
        break_before_items=True,
        bold_headings=True,
    ),
    Layout(
        "lo-wide-margins",
        "4 cm side margins, TlwgTypo 16 (long items wrap over many lines), 1.5 spacing, "
        "paragraph spacing instead of blank lines, first-line indents",
        font="Tlwg Typo",
        margins=(4.0, 4.0, 3.0, 3.0),
        line_spacing=1.5,
        blank="spacing",
        indent="first_line",
    ),
    Layout(
        "lo-two-columns",
        "two columns, Laksaman 14, typed numbers",
        size=14,
        columns=2,
        margins=(1.9, 1.9, 2.0, 2.0),
    ),
    Layout("lo-table", "strategy | tactic | unit table (one row per strategy)", table="strategy"),
    Layout(
        "lo-grid",
        "ผ.02-like grid: strategy | tactic | projects | budget | unit, a row per tactic",
        table="grid",
        size=14,
        margins=(1.5, 1.5, 2.0, 2.0),
    ),
    Layout("fpdf-plain", "typeset by fpdf2, Laksaman 14", maker="fpdf2", size=14),
    Layout(
        "fpdf-hanging",
        "typeset by fpdf2: hanging indents, justified, bold headings, Garuda 13",
        maker="fpdf2",
        font="Garuda",
        size=13,
        numbering="tab",
        align="both",
        bold_headings=True,
    ),
    Layout(
        "fpdf-two-columns",
        "typeset by fpdf2 in two columns, Loma 12",
        maker="fpdf2",
        font="Loma",
        size=12,
        columns=2,
    ),
    Layout(
        "fpdf-table",
        "typeset by fpdf2: strategy | tactic | unit table drawn by fpdf2, a row per tactic",
        maker="fpdf2",
        table="rows",
        size=13,
    ),
    # -- held out: run only at the end (bench_layouts.py --held-out) --------------------
    Layout(
        "held-umpush-grid-thai",
        "held out: Umpush 15, Thai digits, ผ.02-like grid, wide margins",
        font="Umpush",
        size=15,
        digits="thai",
        table="grid",
        margins=(3.5, 3.0, 2.5, 2.5),
        held_out=True,
    ),
    Layout(
        "held-sawasdee-word-breaks",
        "held out: Sawasdee 14, Word numbering, page breaks after headings, justified, "
        "narrow margins, double spacing",
        font="Sawasdee",
        size=14,
        numbering="word",
        break_before_items=True,
        align="both",
        margins=(1.5, 1.5, 1.5, 1.5),
        line_spacing=2.0,
        held_out=True,
    ),
    Layout(
        "held-waree-fpdf-columns-tab",
        "held out: fpdf2, Waree 12, two columns, hanging indents, Thai digits",
        maker="fpdf2",
        font="Waree",
        size=12,
        columns=2,
        numbering="tab",
        digits="thai",
        held_out=True,
    ),
)

#: the layouts the default (fast) test run checks, with two plans each
FAST = ("lo-hanging", "lo-word-thai", "lo-page-breaks", "lo-table", "fpdf-two-columns")


def layout(name: str) -> Layout:
    for lay in LAYOUTS:
        if lay.name == name:
            return lay
    raise KeyError(name)


def tuning() -> list[Layout]:
    return [lay for lay in LAYOUTS if not lay.held_out]


def held_out() -> list[Layout]:
    return [lay for lay in LAYOUTS if lay.held_out]


# ---------------------------------------------------------------------------
# content model: what goes on the page
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Para:
    """One paragraph: its text, its list marker (typed or automatic), how it looks."""

    text: str
    marker: str = ""  # "1.", "(๒)", "1.1" …
    parts: tuple[int, ...] = ()  # marker numbers (1, 2) for "1.2"
    style: str = ""  # marker style: dot | paren | rparen | other
    heading: bool = False
    depth: int = 0  # list depth (0 = not in a list)
    break_before: bool = False
    space_before: bool = False  # a blank line was here (layouts without empty paragraphs)

    @property
    def line(self) -> str:
        return f"{self.marker} {self.text}" if self.marker else self.text


@dataclass(frozen=True)
class Table:
    """A table: header cells, then rows of cells, each cell a list of paragraphs."""

    head: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], ...], ...]


Content = list[Para | Table]


@dataclass(frozen=True)
class Sample:
    """One plan in one layout: the text it holds and that text's parse."""

    plan: str
    layout: Layout
    text: str
    content: tuple[Para | Table, ...] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.plan}-{self.layout.name}"

    def digest(self) -> str:
        h = hashlib.sha256()
        h.update(_source_digest().encode())
        h.update(repr(self.layout).encode())
        h.update(self.text.encode())
        h.update(_tool_versions().encode())
        return h.hexdigest()[:16]


@cache
def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("layouts.py", "doc_fixtures.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


@cache
def _tool_versions() -> str:
    import fpdf

    lo = ""
    exe = soffice()
    if exe is not None:
        lo = Path(exe).resolve().as_posix()
        try:
            lo += subprocess.run(
                [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return f"{lo}|fpdf2 {fpdf.__version__}"


@cache
def reference(plan: str) -> Plan:
    """The parse of the plan's own text file."""
    return parse_plan(PLANS[plan])


def _is_heading(line: str) -> bool:
    """A short line that names a part of the plan (ยุทธศาสตร์ที่ 1 …, กลยุทธ์, พันธกิจ)."""
    t = thai_digits_to_arabic(line)
    m = parse_marker(t)
    rest = t[m.end :].strip() if m is not None else t
    if STRATEGY_NUMBERED.match(rest):
        return True
    return m is None and len(rest) <= 80 and match_term(rest) is not None


def _paragraphs(lines: Iterable[str], lay: Layout) -> Content:
    out: Content = []
    blank = False
    after_heading = False
    for raw in lines:
        line = raw.strip()
        if not line:
            if lay.blank == "keep":
                out.append(Para(""))
            blank = True
            continue
        t = thai_digits_to_arabic(line)
        m = parse_marker(t)
        heading = _is_heading(line)
        para = Para(line, heading=heading, space_before=blank)
        if m is not None and m.number is not None and line[m.end :].strip():
            style = m.style[0] if m.style[0] in ("dot", "paren", "rparen") else "other"
            parts = (
                tuple(int(x) for x in m.number.split("."))
                if style == "dot"
                else ((int(m.number),) if m.number.isdigit() else ())
            )
            para = Para(
                line[m.end :].strip(),
                marker=line[: m.end].strip(),
                parts=parts,
                style=style,
                heading=heading,
                depth=len(parts) if style == "dot" else 2,
                break_before=lay.break_before_items and after_heading,
                space_before=blank,
            )
        out.append(para)
        blank = False
        after_heading = heading and not para.marker
    return out


def _line_index(text: str) -> tuple[list[str], list[int]]:
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)
    return lines, starts


def _lines_of(lines: list[str], starts: list[int], section: Section) -> tuple[int, list[str]]:
    from bisect import bisect_right

    a = bisect_right(starts, section.span[0]) - 1
    b = bisect_right(starts, section.span[1] - 1) - 1
    return b, [x.strip() for x in lines[a : b + 1] if x.strip()]


#: one table row: the strategy's heading line, and per tactic its lines and its projects'
Row = tuple[str, list[tuple[list[str], list[str]]]]


def _table_rows(text: str, ref: Plan) -> tuple[int, int, list[Row]] | None:
    """(first line, last line, rows) of the plan's local strategies that have tactics."""
    lines, starts = _line_index(text)
    rows: list[Row] = []
    first: int | None = None
    last = 0
    for s in ref.of("strategy", "local"):
        tactics = [c for c in ref.children(s) if c.kind == "tactic"]
        if not tactics:
            continue
        end, head = _lines_of(lines, starts, s)
        first = end - len(head) + 1 if first is None else first
        cells: list[tuple[list[str], list[str]]] = []
        for t in tactics:
            end, tactic = _lines_of(lines, starts, t)
            last = max(last, end)
            projects: list[str] = []
            for p in ref.children(t):
                if p.kind == "project":
                    end, more = _lines_of(lines, starts, p)
                    projects.extend(more)
                    last = max(last, end)
            cells.append((tactic, projects))
        rows.append((" ".join(head), cells))
    if first is None:
        return None
    return first, last, rows


TABLE_HEADS = {
    "strategy": ("ยุทธศาสตร์", "แนวทางการพัฒนา", "หน่วยงานรับผิดชอบ"),
    "rows": ("ยุทธศาสตร์", "แนวทางการพัฒนา", "หน่วยงานรับผิดชอบ"),
    "grid": ("ยุทธศาสตร์", "แนวทางการพัฒนา", "โครงการ", "งบประมาณ (บาท)", "หน่วยงานรับผิดชอบ"),
}
UNIT = "องค์การบริหารส่วนตำบล"


def _digits(text: str, lay: Layout) -> str:
    return text.translate(_TO_THAI) if lay.digits == "thai" else text


def sample(plan: str, lay: Layout) -> Sample | None:
    """The plan in the layout, or ``None`` when the layout does not apply (a table layout
    of a plan without tactics under strategies)."""
    text = PLANS[plan].read_text(encoding="utf-8")
    if not lay.table:
        text = _digits(text, lay)
        return Sample(plan, lay, text, tuple(_paragraphs(text.split("\n"), lay)))
    found = _table_rows(text, reference(plan))
    if found is None:
        return None
    first, last, rows = found
    lines = text.split("\n")
    before, after = lines[:first], lines[last + 1 :]
    # the text the document holds, in reading order (what the table says as lines)
    body: list[str] = []
    table_rows: list[tuple[str, ...]] = []
    for strategy, tactics in rows:
        body += [strategy, "แนวทางการพัฒนา"]
        if lay.table == "strategy":
            body += [x for tactic, _ in tactics for x in tactic]
            cells = "\n".join(x for tactic, _ in tactics for x in tactic)
            table_rows.append((strategy, cells, UNIT))
            continue
        if lay.table == "rows":
            body += [x for tactic, _ in tactics for x in tactic]
            for k, (tactic, _) in enumerate(tactics):
                table_rows.append((strategy if k == 0 else "", "\n".join(tactic), UNIT))
            continue
        for k, (tactic, projects) in enumerate(tactics):
            body += tactic
            if projects:
                body += ["โครงการ", *projects]
            budget = "\n".join(f"{(n + 1) * 150:,},000" for n in range(len(projects))) or "-"
            table_rows.append(
                (strategy if k == 0 else "", "\n".join(tactic), "\n".join(projects), budget, UNIT)
            )
    text = _digits("\n".join([*before, *body, *after]), lay)
    table = Table(
        tuple(TABLE_HEADS[lay.table]),
        tuple(tuple(tuple(_digits(c, lay).split("\n")) for c in row) for row in table_rows),
    )
    content: Content = [
        *_paragraphs((_digits(x, lay) for x in before), lay),
        table,
        *_paragraphs((_digits(x, lay) for x in after), lay),
    ]
    return Sample(plan, lay, text, tuple(content))


def samples(layouts: Iterable[Layout], plans: Iterable[str] = PLANS) -> list[Sample]:
    out = []
    for lay in layouts:
        for plan in plans:
            s = sample(plan, lay)
            if s is not None:
                out.append(s)
    return out


@cache
def expected(s: Sample) -> Plan:
    """What the document must give back: the parse of the text it holds."""
    return parse_plan(s.text)


# ---------------------------------------------------------------------------
# DOCX (LibreOffice layouts)
# ---------------------------------------------------------------------------


def _font_xml(rpr, lay: Layout, size: float, bold: bool) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), lay.font)
    for tag in ("w:b", "w:bCs"):
        el = rpr.find(qn(tag))
        if bold and el is None:
            rpr.append(OxmlElement(tag))
        elif not bold and el is not None:
            rpr.remove(el)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(round(size * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:bidi"), "th-TH")


def _page_field(paragraph, before: str = "", after: str = "") -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if before:
        paragraph.add_run(before)
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.text = text
        run._r.append(el)
    if after:
        paragraph.add_run(after)


def _docx_document(lay: Layout):  # type: ignore[no-untyped-def]
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(lay.margins[0]), Cm(lay.margins[1])
    sec.top_margin, sec.bottom_margin = Cm(lay.margins[2]), Cm(lay.margins[3])
    sec.header_distance = sec.footer_distance = Cm(min(1.25, lay.margins[2] / 2))
    normal = d.styles["Normal"]
    _font_xml(normal.element.get_or_add_rPr(), lay, lay.size, False)
    pf = normal.paragraph_format
    pf.space_after = pf.space_before = Pt(0)
    pf.line_spacing = lay.line_spacing
    if lay.columns > 1:
        cols = sec._sectPr.find(qn("w:cols"))
        if cols is None:
            cols = OxmlElement("w:cols")
            sec._sectPr.append(cols)
        cols.set(qn("w:num"), str(lay.columns))
        cols.set(qn("w:space"), "567")
    if lay.header:
        sec.header.paragraphs[0].text = _digits(lay.header, lay)
    if lay.footer:
        p = sec.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if lay.footer == "of":
            _page_field(p, "หน้า ")
        else:
            _page_field(p, "- ", " -")
    return d


def _docx_paragraph(d, para: Para, lay: Layout, numbering: Numbering | None) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    auto = (
        numbering is not None
        and para.marker
        and para.style in ("dot", "paren", "rparen")
        and para.parts
        and (para.style == "dot" or len(para.parts) == 1)
    )
    if auto:
        text = para.text
    elif para.marker and lay.numbering == "tab":
        text = f"{para.marker}\t{para.text}"
    else:
        text = para.line
    p = d.add_paragraph()
    run = p.add_run(text)
    if para.heading and lay.bold_headings:
        _font_xml(run._r.get_or_add_rPr(), lay, lay.size + 1, True)
    f = p.paragraph_format
    if lay.align != "left" and text:
        ppr = p._p.get_or_add_pPr()
        jc = ppr.find(qn("w:jc"))
        if jc is None:
            jc = ppr.makeelement(qn("w:jc"), {})
            ppr.append(jc)
        jc.set(qn("w:val"), lay.align)
    depth = max(para.depth - 1, 0) if para.marker else 0
    if auto:
        assert numbering is not None
        fmt = "thaiNumbers" if any("๐" <= c <= "๙" for c in para.marker) else "decimal"
        set_numbering(p, numbering.num_for(para.style, fmt, para.parts), len(para.parts) - 1)
    elif para.marker and lay.numbering == "tab":
        f.left_indent = Cm(0.75 * depth + 1.0)
        f.first_line_indent = Cm(-1.0)
    elif lay.indent == "outline" and para.marker:
        f.left_indent = Cm(0.75 * (depth + 1))
    elif lay.indent == "first_line" and text:
        f.first_line_indent = Cm(1.25)
    if para.break_before:
        f.page_break_before = True
    if para.space_before and lay.blank == "spacing":
        f.space_before = Pt(lay.size)


#: relative column widths of the tables (the tactic and project columns are wide)
WIDTHS = {3: (3, 5, 2), 5: (22, 30, 26, 10, 12)}


def _docx_table(d, table: Table, lay: Layout) -> None:  # type: ignore[no-untyped-def]
    from docx.shared import Cm

    t = d.add_table(rows=1, cols=len(table.head))
    t.style = "Table Grid"
    t.autofit = False
    share = WIDTHS[len(table.head)]
    usable = 21.0 - lay.margins[0] - lay.margins[1]
    widths = [Cm(usable * w / sum(share)) for w in share]
    for cell, title in zip(t.rows[0].cells, table.head, strict=True):
        cell.text = title
        for run in cell.paragraphs[0].runs:
            _font_xml(run._r.get_or_add_rPr(), lay, lay.size, True)
    for _ in table.rows:
        t.add_row()
    for column, width in zip(t.columns, widths, strict=True):
        column.width = width  # the table grid LibreOffice lays out by
    for row_cells in t.rows:
        for cell, width in zip(row_cells.cells, widths, strict=True):
            cell.width = width
    for r, row in enumerate(table.rows, start=1):
        cells = t.rows[r].cells
        for cell, paras in zip(cells, row, strict=True):
            cell.text = paras[0] if paras else ""
            for more in paras[1:]:
                cell.add_paragraph(more)


def write_docx(s: Sample, out: Path) -> Path:
    lay = s.layout
    d = _docx_document(lay)
    numbering = Numbering(d) if lay.numbering == "word" else None
    for item in s.content:
        if isinstance(item, Table):
            _docx_table(d, item, lay)
        else:
            _docx_paragraph(d, item, lay, numbering)
    d.save(str(out))
    return out


# ---------------------------------------------------------------------------
# fpdf2 (typeset layouts)
# ---------------------------------------------------------------------------


def _font_file(family: str, bold: bool) -> Path:
    stem = family.replace(" ", "")
    for name in (f"{stem}-Bold.ttf" if bold else f"{stem}.ttf", f"{stem}.ttf"):
        p = FONT_DIR / name
        if p.exists():
            return p
    raise FileNotFoundError(f"no TLWG font {family} in {FONT_DIR}")


def write_fpdf(s: Sample, out: Path) -> Path:
    from fpdf import FPDF

    lay = s.layout
    header = _digits(lay.header, lay)
    footer = lay.footer

    class _Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("thai", size=max(lay.size - 3, 9))
                self.set_y(8)
                self.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")
                self.set_y(lay.margins[2] * 10)

        def footer(self) -> None:
            if footer:
                self.set_y(-12)
                self.set_font("thai", size=max(lay.size - 3, 9))
                n = _digits(str(self.page_no()), lay)
                self.cell(0, 6, f"หน้า {n}" if footer == "of" else f"- {n} -", align="C")

    pdf = _Pdf(format="A4")
    pdf.add_font("thai", "", str(_font_file(lay.font, False)))
    pdf.add_font("thai", "B", str(_font_file(lay.font, True)))
    pdf.set_margins(lay.margins[0] * 10, lay.margins[2] * 10, lay.margins[1] * 10)
    pdf.set_auto_page_break(True, margin=lay.margins[3] * 10)
    pdf.add_page()
    h = lay.size * 0.3528 * 1.45 * lay.line_spacing  # line height in mm
    align = "J" if lay.align != "left" else "L"
    hang = lay.size * 0.3528 * 2.6

    def body(para: Para) -> str:
        return para.line if lay.numbering != "tab" else para.text

    def tabbed(text: str) -> bool:
        """A line with tabs laid out at 1.27 cm tab stops, as a word processor prints it
        (the TLWG fonts have no tab glyph); ``False`` if it does not fit on one line."""
        parts = text.split("\t")
        x = pdf.l_margin
        stops: list[float] = []
        for part in parts:
            stops.append(x)
            x += pdf.get_string_width(part)
            x = (int((x - pdf.l_margin) / 12.7) + 1) * 12.7 + pdf.l_margin
        if stops[-1] + pdf.get_string_width(parts[-1]) > pdf.w - pdf.r_margin:
            return False
        for part, at in zip(parts, stops, strict=True):
            pdf.set_x(at)
            pdf.cell(pdf.get_string_width(part), h, part)
        pdf.ln(h)
        return True

    if lay.columns > 1:
        pdf.set_font("thai", size=lay.size)
        with pdf.text_columns(ncols=lay.columns, gutter=8, text_align=align) as cols:
            for item in s.content:
                if isinstance(item, Table):
                    raise ValueError("tables are not laid out in columns")
                if not item.text and not item.marker:
                    cols.ln()
                    continue
                pdf.set_font(
                    "thai", "B" if item.heading and lay.bold_headings else "", size=lay.size
                )
                if item.marker and lay.numbering == "tab":
                    with cols.paragraph(indent=hang, bullet_string=item.marker) as par:
                        par.write(item.text)
                else:
                    with cols.paragraph() as par:
                        par.write(item.line.expandtabs(8))
        pdf.output(str(out))
        return out
    for item in s.content:
        if isinstance(item, Table):
            pdf.set_font("thai", size=lay.size)
            with pdf.table(
                col_widths=WIDTHS[len(item.head)], line_height=h, text_align="LEFT"
            ) as t:
                row = t.row()
                for title in item.head:
                    row.cell(title)
                for cells in item.rows:
                    row = t.row()
                    for paras in cells:
                        row.cell("\n".join(paras))
            continue
        if item.break_before:
            pdf.add_page()
        if not item.text and not item.marker:
            pdf.ln(h)
            continue
        pdf.set_font("thai", "B" if item.heading and lay.bold_headings else "", size=lay.size)
        x = pdf.l_margin
        if item.marker and lay.numbering == "tab":
            x += max(item.depth - 1, 0) * hang
            pdf.set_x(x)
            pdf.cell(hang, h, item.marker)
            pdf.multi_cell(
                0, h, body(item).expandtabs(8), align=align, new_x="LMARGIN", new_y="NEXT"
            )
        elif "\t" not in item.line or not tabbed(item.line):
            text = body(item).expandtabs(8)
            pdf.multi_cell(0, h, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


# ---------------------------------------------------------------------------
# building (cached by content hash)
# ---------------------------------------------------------------------------


def cached(s: Sample, suffix: str = ".pdf", cache_dir: Path = CACHE) -> Path:
    return cache_dir / f"{s.key}-{s.digest()}{suffix}"


def build(items: Sequence[Sample], cache_dir: Path = CACHE) -> dict[str, Path]:
    """sample key → PDF, writing only what the cache does not hold (one LibreOffice run
    for all missing DOCX exports)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    todo: list[tuple[Sample, Path]] = []
    with tempfile.TemporaryDirectory(prefix="plansearch-layouts-") as tmp:
        work = Path(tmp)
        for s in items:
            pdf = cached(s, ".pdf", cache_dir)
            out[s.key] = pdf
            if s.layout.maker == "libreoffice":
                docx = cached(s, ".docx", cache_dir)
                if not docx.exists():
                    write_docx(s, work / docx.name)
                    os.replace(work / docx.name, docx)
                if not pdf.exists():
                    todo.append((s, docx))
            elif not pdf.exists():
                write_fpdf(s, work / pdf.name)
                os.replace(work / pdf.name, pdf)
        if todo:
            exe = soffice()
            if exe is None:
                raise RuntimeError("LibreOffice (soffice) is not installed")
            for k in range(0, len(todo), 40):
                batch = todo[k : k + 40]
                subprocess.run(
                    [
                        exe,
                        f"-env:UserInstallation={(work / 'profile').as_uri()}",
                        "--headless",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(work),
                        *(str(docx) for _, docx in batch),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=900,
                    env={**os.environ, "HOME": str(work)},
                )
                for s, docx in batch:
                    made = work / (docx.stem + ".pdf")
                    if not made.exists():
                        raise RuntimeError(f"LibreOffice made no PDF of {docx.name}")
                    shutil.move(str(made), str(out[s.key]))
    return out


def docx_of(s: Sample, cache_dir: Path = CACHE) -> Path | None:
    p = cached(s, ".docx", cache_dir)
    return p if p.exists() else None


# ---------------------------------------------------------------------------
# scoring a parse against the text's parse
# ---------------------------------------------------------------------------

COUNTED = ("strategy", "tactic", "project")
_WS = re.compile(r"\s+")
#: Thai marks written over or under a letter, and the letters they may follow in spelling
_MARKS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e\u0e33"
)
_CONSONANTS = frozenset(chr(c) for c in range(0x0E01, 0x0E2F))
_UPPER_LOWER = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39")


def squash(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFC", thai_digits_to_arabic(text)))


def orphan_marks(text: str) -> list[int]:
    """Positions of Thai marks that break spelling: a vowel mark (ั ิ ี ึ ื ุ ู ฺ ็ ำ) not
    after a consonant, a tone mark or thanthakhat (่ ้ ๊ ๋ ์ ํ ๎) not after a consonant or
    an upper/lower vowel."""
    out = []
    for i, c in enumerate(text):
        if c not in _MARKS:
            continue
        prev = text[i - 1] if i else ""
        if c in "\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e":
            ok = prev in _CONSONANTS or prev in _UPPER_LOWER
        elif c == "\u0e33":
            ok = prev in _CONSONANTS or prev in "\u0e48\u0e49\u0e4a\u0e4b"
        else:
            ok = prev in _CONSONANTS
        if not ok:
            out.append(i)
    return out


@dataclass(frozen=True)
class Score:
    """A parse of a document against the parse of the text it holds."""

    counts: tuple[tuple[str, int, int], ...]  # kind, found, in the text
    glued: tuple[str, ...] = ()  # items whose text ended up inside another item
    lost: tuple[str, ...] = ()  # items not found at all
    extra: tuple[str, ...] = ()  # items the text does not have (split or invented)
    parents: tuple[str, ...] = ()  # items found under another parent
    damaged: tuple[str, ...] = ()  # damaged Thai sequences (see :func:`damaged_thai`)
    titles: tuple[str, ...] = ()  # items whose title was cut short or runs into another

    @property
    def ok(self) -> bool:
        return all(g == w for _, g, w in self.counts) and not (
            self.glued or self.lost or self.extra or self.parents or self.damaged or self.titles
        )

    def count(self, kind: str) -> tuple[int, int]:
        for k, g, w in self.counts:
            if k == kind:
                return g, w
        return 0, 0

    def misses(self) -> list[str]:
        return [
            *(f"glued: {x}" for x in self.glued),
            *(f"lost: {x}" for x in self.lost),
            *(f"extra: {x}" for x in self.extra),
            *(f"parent: {x}" for x in self.parents),
            *(f"damaged: {x}" for x in self.damaged),
            *(f"title: {x}" for x in self.titles),
        ]


def _label(s: Section) -> str:
    t = s.title if len(s.title) <= 40 else s.title[:39] + "…"
    return f"{s.kind} {s.number or '-'} “{t}”"


def _key(s: Section) -> str:
    return squash(s.title).rstrip("…")


def _same(a: str, b: str) -> bool:
    n = min(24, len(a), len(b))
    return n >= min(4, len(a)) and a[:n] == b[:n]


def _align(want: list[Section], got: list[Section]) -> dict[int, int]:
    """want index → got index, in document order (same kind, same title start)."""
    pairs: dict[int, int] = {}
    j = 0
    for i, w in enumerate(want):
        kw = _key(w)
        for k in range(j, min(len(got), j + 40)):
            g = got[k]
            if g.kind == w.kind and _same(kw, _key(g)):
                pairs[i] = k
                j = k + 1
                break
    return pairs


def damaged_thai(want: Section, got: Section) -> list[str]:
    """Damaged Thai sequences in ``got`` (the document's section) against ``want`` (the
    text's): what :func:`~plansearch.parse.damage_count` counts (decomposed sara am, a
    mark after a space, Private Use Area and control characters), marks that break
    Thai spelling order (:func:`orphan_marks`), and every run of characters that
    differs inside the shared text (a mark moved, a letter lost or added; the text's
    own ends are not counted, where a document joins lines the text broke by hand)."""
    out = []
    n = damage_count(got.text)
    if n:
        out.append(f"{n} faults in “{got.title[:30]}”")
    for i in orphan_marks(got.text):
        out.append(f"mark out of order “{got.text[max(0, i - 6) : i + 4]}”")
    a, b = squash(want.text).rstrip("…"), squash(got.text).rstrip("…")
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        at_end = k in (0, len(ops) - 1) and tag in ("insert", "delete")
        if tag == "equal" or at_end:
            continue
        out.append(f"“{a[max(0, i1 - 5) : i2 + 5]}” → “{b[max(0, j1 - 5) : j2 + 5]}”")
    return out


def compare(want: Plan, got: Plan) -> Score:
    """Score ``got`` (a document's parse) against ``want`` (its text's parse)."""
    ws, gs = list(want), list(got)
    pairs = _align(ws, gs)
    matched_got = set(pairs.values())
    glued, lost = [], []
    for i, w in enumerate(ws):
        if i in pairs:
            continue
        key = _key(w)[:24]
        host = next(
            (g for g in gs if key and key in squash(g.text) and not squash(g.text).startswith(key)),
            None,
        )
        if host is not None:
            glued.append(f"{_label(w)} inside {_label(host)}")
        else:
            lost.append(_label(w))
    extra = [_label(g) for k, g in enumerate(gs) if k not in matched_got]
    wid = {s.id: i for i, s in enumerate(ws)}
    gid = {s.id: k for k, s in enumerate(gs)}
    parents: list[str] = []
    damaged: list[str] = []
    titles: list[str] = []
    for i, k in pairs.items():
        w, g = ws[i], gs[k]
        wp = wid.get(w.parent_id) if w.parent_id else None
        gp = gid.get(g.parent_id) if g.parent_id else None
        if (wp is None) != (gp is None) or (wp is not None and pairs.get(wp) != gp):
            parents.append(f"{_label(w)} under {_label(gs[gp]) if gp is not None else 'nothing'}")
        damaged.extend(damaged_thai(w, g))
        if not same_title(w, g):
            titles.append(f"{_label(w)} read as “{g.title[:50]}”")
    kinds = [*COUNTED, "other"]

    def kind_of(s: Section) -> str:
        return s.kind if s.kind in COUNTED else "other"

    counts = tuple(
        (k, sum(kind_of(s) == k for s in gs), sum(kind_of(s) == k for s in ws)) for k in kinds
    )
    return Score(
        counts,
        tuple(glued),
        tuple(lost),
        tuple(extra),
        tuple(parents),
        tuple(damaged),
        tuple(titles),
    )


def same_title(want: Section, got: Section) -> bool:
    """The document's title starts with the text's and stays inside the text's section
    (the text file may break a paragraph the document prints whole), compared without
    spaces; a title cut short (the item's paragraph split by the reader) is not."""
    a, b = squash(want.title).rstrip("…"), squash(got.title).rstrip("…")
    whole = squash(want.text)
    return b.startswith(a) and (whole.startswith(b) or a.startswith(b))
