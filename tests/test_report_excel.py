"""Excel report: sheets, Thai headers, frozen rows, widths, numeric scores."""

from __future__ import annotations

from alignment_factory import make_alignment
from openpyxl import load_workbook

from plansearch.report.excel import sheet_title, write_excel


def test_workbook_structure(tmp_path):
    al = make_alignment()
    wb = load_workbook(write_excel(al, tmp_path / "r.xlsx"))
    names = wb.sheetnames
    assert names[:2] == ["สรุป", "ตารางความเชื่อมโยง"] and names[-1] == "ความครอบคลุม"
    assert set(al.framework_names) <= set(names)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width and ws.column_dimensions["A"].width > 10
        assert ws.cell(1, 1).font.bold
    link = wb["ตารางความเชื่อมโยง"]
    heads = [c.value for c in link[1]]
    assert heads[0] == "ยุทธศาสตร์ท้องถิ่น" and "ยุทธศาสตร์ชาติ" in heads
    assert link.max_row == len(al.linkage) + 1
    nat = wb["national"]
    assert [c.value for c in nat[1]][6] == "คะแนน"
    scores = [nat.cell(r, 7).value for r in range(2, nat.max_row + 1)]
    assert scores and all(isinstance(s, float) and 0 <= s <= 1 for s in scores)
    assert nat.cell(2, 7).number_format == "0.00"
    assert nat.auto_filter.ref


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
