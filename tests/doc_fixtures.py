"""Build DOCX and PDF versions of a plan text the way Thai offices make them.

Used by ``tests/test_parse_documents.py`` and ``benchmarks/bench_pdf.py``:

* :func:`docx_typed` – one paragraph per line, numbers typed by hand;
* :func:`docx_auto` – numbered lines become real automatic numbering (``numbering.xml``
  with ``decimal``/``thaiNumbers`` formats, ``%1.%2`` templates and start overrides);
* :func:`docx_table` – strategies and their tactics laid out as a two-column table;
* :func:`pdf_libreoffice` – a DOCX exported to PDF by LibreOffice (headless);
* :func:`pdf_fpdf` – a PDF written by fpdf2 with a Thai TLWG font and text shaping.

Every document gets a running page header (and the PDFs a page number footer), like
real plans.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from plansearch import Plan
from plansearch.parse.vocabulary import parse_marker
from plansearch.thai import thai_digits_to_arabic

HEADER = "แผนพัฒนาท้องถิ่น (พ.ศ. ๒๕๖๖ – ๒๕๗๐)"
FONT_DIRS = ("/usr/share/fonts/truetype/tlwg", "/usr/share/fonts/opentype/tlwg")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def thai_font() -> Path | None:
    """A TLWG Thai TrueType font from Debian's fonts-thai-tlwg (Laksaman = Sarabun)."""
    for d in FONT_DIRS:
        for name in ("Laksaman.ttf", "Garuda.ttf", "Loma.ttf"):
            p = Path(d) / name
            if p.exists():
                return p
    return None


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]


def _new_document():  # type: ignore[no-untyped-def]
    import docx
    from docx.shared import Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "TH Sarabun New"
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(f"{{{W_NS}}}rFonts")
    if fonts is not None:
        fonts.set(f"{{{W_NS}}}cs", "TH Sarabun New")
    header = d.sections[0].header.paragraphs[0]
    header.text = HEADER
    return d


def _add_page_field(d) -> None:  # type: ignore[no-untyped-def]
    """A footer with the page number field (LibreOffice prints it on every page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = d.sections[0].footer.paragraphs[0]
    run = p.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.text = text
        run._r.append(el)


def docx_typed(text: str, out: Path) -> Path:
    d = _new_document()
    _add_page_field(d)
    for line in _lines(text):
        d.add_paragraph(line)
    d.save(str(out))
    return out


# -- automatic numbering -------------------------------------------------------------


class Numbering:
    """Writes abstractNum/num definitions into the document's numbering part."""

    def __init__(self, d) -> None:  # type: ignore[no-untyped-def]
        from docx.oxml import parse_xml

        self.parse_xml = parse_xml
        self.root = d.part.numbering_part.element
        self.abstract: dict[tuple[str, str], int] = {}
        self.next_abstract = 900
        self.next_num = 900
        self.last: dict[tuple[str, str], tuple[int, tuple[int, ...]]] = {}

    def _abstract(self, kind: str, fmt: str) -> int:
        key = (kind, fmt)
        if key in self.abstract:
            return self.abstract[key]
        aid = self.next_abstract
        self.next_abstract += 1
        levels = []
        for ilvl in range(4):
            if kind == "dot":
                tmpl = "%1." if ilvl == 0 else ".".join(f"%{k + 1}" for k in range(ilvl + 1))
            elif kind == "paren":
                tmpl = f"(%{ilvl + 1})"
            else:
                tmpl = f"%{ilvl + 1})"
            levels.append(
                f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{tmpl}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{360 * (ilvl + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
            )
        xml = (
            f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{aid}">'
            f'<w:multiLevelType w:val="multilevel"/>{"".join(levels)}</w:abstractNum>'
        )
        first_num = self.root.find(f"{{{W_NS}}}num")
        el = self.parse_xml(xml)
        if first_num is not None:
            first_num.addprevious(el)
        else:
            self.root.append(el)
        self.abstract[key] = aid
        return aid

    def num_for(self, kind: str, fmt: str, parts: tuple[int, ...]) -> int:
        """The numId that makes the word processor print ``parts`` next."""
        key = (kind, fmt)
        aid = self._abstract(kind, fmt)
        last = self.last.get(key)
        if last is not None:
            nid, prev = last
            depth = len(parts)
            expected = []
            if depth == len(prev):
                expected.append((*prev[:-1], prev[-1] + 1))
            if depth == len(prev) + 1:
                expected.append((*prev, 1))
            if depth < len(prev):
                expected.append((*prev[: depth - 1], prev[depth - 1] + 1))
            if parts in expected:
                self.last[key] = (nid, parts)
                return nid
        nid = self.next_num
        self.next_num += 1
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{k}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
            for k, v in enumerate(parts)
        )
        self.root.append(
            self.parse_xml(
                f'<w:num xmlns:w="{W_NS}" w:numId="{nid}">'
                f'<w:abstractNumId w:val="{aid}"/>{overrides}</w:num>'
            )
        )
        self.last[key] = (nid, parts)
        return nid


def set_numbering(paragraph, num_id: int, ilvl: int) -> None:  # type: ignore[no-untyped-def]
    ppr = paragraph._p.get_or_add_pPr()
    ppr.get_or_add_numPr().get_or_add_numId().val = num_id
    ppr.get_or_add_numPr().get_or_add_ilvl().val = ilvl


def docx_auto(text: str, out: Path) -> tuple[Path, int]:
    """Numbered lines (``1.``, ``๑.๒``, ``(3)``, ``4)``) use automatic numbering.
    Returns the path and how many paragraphs were auto-numbered."""
    d = _new_document()
    _add_page_field(d)
    numbering = Numbering(d)
    auto = 0
    for line in _lines(text):
        m = parse_marker(thai_digits_to_arabic(line))
        marker = line[: m.end].strip() if m is not None else ""
        rest = line[m.end :].strip() if m is not None else ""
        if (
            m is None
            or m.number is None
            or not rest
            or m.style[0] not in ("dot", "paren", "rparen")
        ):
            d.add_paragraph(line)
            continue
        fmt = "thaiNumbers" if any("๐" <= c <= "๙" for c in marker) else "decimal"
        parts = tuple(int(x) for x in m.number.split("."))
        if m.style[0] != "dot" and len(parts) != 1:
            d.add_paragraph(line)
            continue
        ilvl = len(parts) - 1
        nid = numbering.num_for(m.style[0], fmt, parts)
        p = d.add_paragraph(rest)
        set_numbering(p, nid, ilvl)
        auto += 1
    d.save(str(out))
    return out, auto


# -- table layout ----------------------------------------------------------------------


def table_rows(text: str, plan: Plan) -> tuple[int, int, list[tuple[str, list[str]]]] | None:
    """(first line, last line, rows) of the local strategies that have tactics: each row
    is the strategy's printed heading and the printed lines of its tactics."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)

    def line_of(offset: int) -> int:
        lo = 0
        while lo + 1 < len(starts) and starts[lo + 1] <= offset:
            lo += 1
        return lo

    rows: list[tuple[str, list[str]]] = []
    first = last = None
    for s in plan.of("strategy", "local"):
        kids = [c for c in plan.children(s) if c.kind == "tactic"]
        if not kids:
            continue
        i = line_of(s.span[0])
        first = i if first is None else first
        cells = []
        for k in kids:
            a, b = line_of(k.span[0]), line_of(k.span[1] - 1)
            cells.extend(x.strip() for x in lines[a : b + 1] if x.strip())
            last = b
        rows.append((lines[i].strip(), cells))
    if not rows or first is None or last is None:
        return None
    return first, last, rows


def docx_table(text: str, plan: Plan, out: Path) -> Path | None:
    """The strategy → tactic part of the plan as a table (ยุทธศาสตร์ | แนวทางการพัฒนา |
    หน่วยงานรับผิดชอบ); the rest as paragraphs. ``None`` if the plan has no tactics under
    strategies."""
    found = table_rows(text, plan)
    if found is None:
        return None
    first, last, rows = found
    lines = _lines(text)
    d = _new_document()
    _add_page_field(d)
    for line in lines[:first]:
        d.add_paragraph(line)
    table = d.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    heads = ("ยุทธศาสตร์", "แนวทางการพัฒนา", "หน่วยงานรับผิดชอบ")
    for cell, title in zip(table.rows[0].cells, heads, strict=True):
        cell.text = title
    for strategy, tactics in rows:
        r = table.add_row().cells
        r[0].text = strategy
        r[1].text = tactics[0]
        for t in tactics[1:]:
            r[1].add_paragraph(t)
        r[2].text = "องค์การบริหารส่วนตำบล"
    for line in lines[last + 1 :]:
        d.add_paragraph(line)
    d.save(str(out))
    return out


# -- PDF -----------------------------------------------------------------------------------


def pdf_libreoffice(docx_paths: list[Path], outdir: Path) -> list[Path]:
    """Export DOCX files to PDF with one LibreOffice run (headless, private profile)."""
    exe = soffice()
    assert exe is not None
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, docx_paths),
        ],
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "HOME": str(outdir)},
    )
    return [outdir / (p.stem + ".pdf") for p in docx_paths]


def pdf_fpdf(text: str, out: Path, *, repeat: int = 1, shaping: bool = False) -> Path:
    """A PDF from fpdf2 with a TLWG Thai font. fpdf2's HarfBuzz ``shaping`` places the
    marks better on paper but writes a damaged text layer (marks moved to the end of the
    line, glyphs mapped to ``3``/``C``): ``benchmarks/bench_pdf.py`` counts it."""
    from fpdf import FPDF

    font = thai_font()
    assert font is not None

    class _Pdf(FPDF):
        def header(self) -> None:
            self.set_font("thai", size=11)
            self.cell(0, 8, HEADER, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("thai", size=11)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = _Pdf(format="A4")
    pdf.add_font("thai", "", str(font))
    pdf.set_text_shaping(shaping)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("thai", size=14)

    def next_stop(x: float) -> float:
        return (int((x - pdf.l_margin) / 12.7) + 1) * 12.7 + pdf.l_margin

    def tab_stops(line: str) -> None:
        """A line with tabs printed at 1.27 cm tab stops, as a word processor prints it
        (the TLWG fonts have no tab glyph): a cell that does not fit goes on the next
        line at the first tab stop, as the tab before it does in Word."""
        right = pdf.w - pdf.r_margin
        first, *rest = line.split("\t")
        if pdf.l_margin + pdf.get_string_width(first) > right:
            pdf.multi_cell(0, 7, first, align="L", new_x="LMARGIN", new_y="NEXT")
            x = pdf.l_margin
        else:
            pdf.cell(pdf.get_string_width(first), 7, first)
            x = pdf.l_margin + pdf.get_string_width(first)
        for part in rest:
            x = next_stop(x)
            width = pdf.get_string_width(part)
            if x + width > right:
                pdf.ln(7)
                x = next_stop(pdf.l_margin)
            pdf.set_x(x)
            pdf.cell(width, 7, part)
            x += width
        pdf.ln(7)

    for _ in range(repeat):
        for line in _lines(text):
            if not line:
                pdf.ln(7)
            elif "\t" in line:
                tab_stops(line)
            else:
                pdf.multi_cell(0, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


__all__ = [
    "HEADER",
    "W_NS",
    "Numbering",
    "docx_auto",
    "docx_table",
    "docx_typed",
    "pdf_fpdf",
    "pdf_libreoffice",
    "set_numbering",
    "soffice",
    "table_rows",
    "thai_font",
]
