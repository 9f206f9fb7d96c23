"""Excel report: sheets, Thai headers, frozen rows, widths, numeric scores."""

from __future__ import annotations

from alignment_factory import make_alignment
from openpyxl import load_workbook

from plansearch.report._common import strength_th
from plansearch.report.excel import sheet_title, write_excel


def test_workbook_structure(tmp_path):
    al = make_alignment()
    wb = load_workbook(write_excel(al, tmp_path / "r.xlsx"))
    names = wb.sheetnames
    assert names[:3] == ["สรุป", "ผ.02 ความเชื่อมโยง", "ตารางความเชื่อมโยง"]
    # a sheet per framework, named by its Thai column heading (at most 31 characters)
    assert {f.column[:31] for f in al.frameworks} <= {n[:31] for n in names}
    assert {"ความครอบคลุม", "รายการที่ไม่สอดคล้อง", "ข้อความซ้ำกับ อปท. อื่น"} <= set(names)
    for ws in wb.worksheets:
        if ws.title == "ผ.02 ความเชื่อมโยง":  # a printed form, not a list
            continue
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width and ws.column_dimensions["A"].width > 10
        assert ws.cell(1, 1).font.bold
    link = wb["ตารางความเชื่อมโยง"]
    heads = [c.value for c in link[1]]
    assert heads[0] == "ยุทธศาสตร์ท้องถิ่น" and "ยุทธศาสตร์ชาติ" in heads
    assert link.max_row == len(al.linkage) + 1
    nat = wb[next(n for n in names if n.startswith(al.framework("national").column[:31]))]
    assert [c.value for c in nat[1]][6] == "สัดส่วนหลักฐาน (share)"
    scores = [nat.cell(r, 7).value for r in range(2, nat.max_row + 1)]
    assert scores and all(isinstance(s, float) and 0 <= s <= 1 for s in scores)
    assert nat.cell(2, 7).number_format == "0.00"
    assert nat.auto_filter.ref
    # colour by strength: a "strong" row is green, a "none" row grey
    fills = {
        nat.cell(r, 8).value: nat.cell(r, 8).fill.fgColor.rgb for r in range(2, nat.max_row + 1)
    }
    assert fills["สอดคล้องมาก"].endswith("C6EFCE") and fills["ไม่สอดคล้อง"].endswith("EDEDED")
    # beside each label, the share it is cut from: a number, coloured by the strength
    first = al.linkage[0].cells[0]
    assert link.cell(2, 3).value == strength_th(first.strength)
    assert link.cell(2, 4).value == first.share and link.cell(2, 4).number_format == "0.00"
    assert link.cell(2, 4).fill.fgColor.rgb.endswith(
        {"strong": "C6EFCE", "partial": "FFEB9C"}[first.strength]
    )
    cov = wb["ความครอบคลุม"]
    gaps = [r for r in range(2, cov.max_row + 1) if str(cov.cell(r, 8).value).startswith("ช่องว่าง")]
    assert len(gaps) == len(al.gaps())
    orphans = wb["รายการที่ไม่สอดคล้อง"]
    assert orphans.max_row == len(al.orphans()) + 1


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    a = sheet_title("a/b:c*d?e[f]" + "x" * 40, taken)
    b = sheet_title("a/b:c*d?e[f]" + "x" * 40, taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert not set("[]:*?/\\") & set(a)


def test_hostile_and_control_characters_are_written_safely(tmp_path):
    al = make_alignment()
    path = write_excel(al, tmp_path / "x.xlsx")
    wb = load_workbook(path)
    texts = [
        str(c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert any("<script>" in t for t in texts)  # kept as plain text, not interpreted


def test_plan_text_never_becomes_a_formula(tmp_path):
    from dataclasses import replace

    al = make_alignment()
    first = al.items[0]
    evil = replace(first.item, title='=HYPERLINK("http://x.invalid","คลิก")', text="=1+1\x07")
    al = replace(al, items=(replace(first, item=evil), *al.items[1:]))
    wb = load_workbook(write_excel(al, tmp_path / "f.xlsx"))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    starts = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert starts and all(c.data_type == "s" for c in starts)
    assert any(c.value == "=1+1" for c in starts)  # control character dropped, text kept


def _formula_like(text: str) -> bool:  # what Excel/LibreOffice/Sheets would evaluate
    return text[:1] in ("\t", "\r") or text.lstrip()[:1] in tuple("=+-@\uff1d\uff0b\uff0d\uff20")


def test_no_live_formula_from_plan_or_framework_text(tmp_path):
    import zipfile

    from alignment_factory import hostile_formulas

    al = hostile_formulas(make_alignment())
    assert all(_formula_like(f.column) and _formula_like(f.title) for f in al.frameworks)
    path = write_excel(al, tmp_path / "formulas.xlsx")
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            xml = zf.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name
    wb = load_workbook(path)
    risky = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and _formula_like(c.value):
                    risky.append(c)
    # headers built from framework titles are among them, stored as quoted text
    heads = [c.value for c in wb["ตารางความเชื่อมโยง"][1]]
    assert any(_formula_like(h) for h in heads[1:])
    assert len(risky) > 50 and all(c.quotePrefix for c in risky)
