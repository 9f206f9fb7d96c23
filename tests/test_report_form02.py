"""The ผ.02 linkage sheet: the official block layout, printable, Thai, no live formulas."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import plansearch
from plansearch.frameworks import block_of, kinds_for
from plansearch.report.form02 import (
    FORM_SHEET,
    STATUS_TH,
    Decision,
    blocks,
    build_form02,
    form_cell,
    thai_date,
)

RAW = Path(__file__).parent.parent / "corpus" / "raw"


@pytest.fixture(scope="module", params=["001_f258f97c1c2e16fd.txt", "000_7c6bce5cff1fe495.txt"])
def alignment(request, hashing):
    return plansearch.align(plansearch.parse_plan(RAW / request.param), embedder=hashing)


def _rows(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def test_one_block_per_strategy_with_its_linkage_then_its_items(alignment, tmp_path) -> None:
    path = tmp_path / "f.xlsx"
    build_form02(alignment).save(path)
    ws = load_workbook(path)[FORM_SHEET]
    rows = _rows(ws)
    heads = [it for it in alignment.items if it.item.kind in kinds_for("strategy")]
    assert heads, "the plan has strategies or policy areas"
    letters = [block_of(f)[1] for f in sorted(alignment.frameworks, key=lambda f: block_of(f)[0])]
    # every block: its heading, then one linkage row per framework in ก.–ช. order
    for head, members in blocks(alignment):
        if head is None:
            continue
        at = next(i for i, r in enumerate(rows) if r[0] and head.item.title in str(r[0]))
        assert [r[0] for r in rows[at + 1 : at + 1 + len(letters)]] == letters
        if members:
            header = rows[at + 1 + len(letters)]
            assert header[:2] == ["ที่", "แนวทางการพัฒนา / โครงการ"]
            body = rows[at + 2 + len(letters) : at + 2 + len(letters) + len(members)]
            assert [str(r[1]).split(" ", 1)[1] for r in body] == [m.item.title for m in members]
    # the heading rows are merged across the table, the form's heading repeats on each page
    assert any(rng.min_row == 1 and rng.min_col == 1 for rng in ws.merged_cells.ranges)
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_decisions_replace_suggestions_with_who_and_when(alignment, tmp_path) -> None:
    head = next(it for it in alignment.items if it.item.kind in kinds_for("strategy"))
    fw = alignment.frameworks[0]
    other = next(t for t in fw.target_ids if t != head.best(fw.name).target_id)
    decided = {
        (head.item.id, fw.name): Decision("change", other, "สมศรี", "2026-12-01T10:00:00+00:00")
    }
    path = tmp_path / "d.xlsx"
    build_form02(alignment, decisions=decided).save(path)
    text = "\n".join(str(v) for r in _rows(load_workbook(path)[FORM_SHEET]) for v in r if v)
    assert f"{other} " in text and STATUS_TH["change"] in text and "สมศรี" in text
    assert thai_date("2026-12-01T10:00:00+00:00") in text and "2569" in text
    cell = form_cell(head, fw, None)
    assert cell.status == "suggested" and cell.share == head.best(fw.name).share


def test_no_cell_is_a_live_formula(hashing, tmp_path) -> None:
    plan = plansearch.parse_plan(
        'ยุทธศาสตร์ที่ 1 =HYPERLINK("http://x","ถนน")\n'
        "แนวทางการพัฒนา\n1.1 +ก่อสร้างถนนคอนกรีต\n1.2 @SUM(A1:A2) ขุดลอกคลอง\n"
    )
    al = plansearch.align(plan, embedder=hashing)
    path = tmp_path / "x.xlsx"
    build_form02(al).save(path)
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert cells and not [c for c in cells if c.data_type == "f"]
    assert any(
        str(c.value).startswith(("=", "+", "@")) or "HYPERLINK" in str(c.value) for c in cells
    )
