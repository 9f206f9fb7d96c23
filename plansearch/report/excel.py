"""The Excel (.xlsx) alignment report: summary, the ผ.02 linkage form, the linkage
table, a sheet per framework, coverage, orphans and near-duplicates.

Thai headers and sheet names, frozen header rows, auto-filters, column widths, shares as
numbers (``0.00``) coloured by strength. Written atomically with openpyxl.

>>> write_excel(al, "reports/khamong.xlsx")  # doctest: +SKIP
PosixPath('reports/khamong.xlsx')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import (
    STRENGTH_FILL,
    atomic_write,
    criteria_th,
    item_label,
    kind_th,
    method_rows,
    strength_th,
)
from .form02 import FORM_SHEET, write_form02
from .tables import is_formula_like

if TYPE_CHECKING:
    from collections.abc import Mapping

    from openpyxl.worksheet.worksheet import Worksheet

    from ..alignment.results import Alignment
    from .form02 import DecisionLike

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: characters openpyxl refuses in cell values (XML-illegal control characters)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL = 32_000  # Excel's limit is 32,767 characters per cell


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of ``[]:*?/\\``)."""
    base = _FORBIDDEN.sub("_", name).strip("'") or "sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)[:MAX_CELL]
    return value


def _text_cells_stay_text(ws: Worksheet) -> None:
    """Store every text cell (headers included) as a string, never as a formula.

    openpyxl turns any string starting with ``=`` into a formula; plan and framework
    text is untrusted, so each string cell is typed ``s``, and formula-like text
    (``=``, ``+``, ``-``, ``@``, full-width forms, leading tab/CR) also gets Excel's
    quote prefix, so editing the cell in Excel keeps it text.
    """
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if is_formula_like(cell.value):
                    cell.quotePrefix = True


def _sheet(
    ws: Worksheet,
    headers: list[str],
    rows: list[list[Any]],
    widths: list[int],
    score_cols: tuple[int, ...] = (),
    strength_col: int | None = None,
) -> None:
    from openpyxl.styles import Alignment as XAlign
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([_clean(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = XAlign(vertical="top", wrap_text=True)
    for row in rows:
        ws.append([_clean(v) for v in row])
    _text_cells_stay_text(ws)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for r in range(2, ws.max_row + 1):
        for c in score_cols:
            ws.cell(row=r, column=c).number_format = "0.00"
        if strength_col is not None:
            key = ws.cell(row=r, column=strength_col).value
            fill = _FILL_BY_TH.get(str(key))
            if fill:
                ws.cell(row=r, column=strength_col).fill = PatternFill("solid", fgColor=fill)
        for c in range(1, len(headers) + 1):
            ws.cell(row=r, column=c).alignment = XAlign(vertical="top", wrap_text=True)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{ws.max_row}"


_FILL_BY_TH = {strength_th(k): v for k, v in STRENGTH_FILL.items()}


def build_workbook(
    al: Alignment,
    *,
    decisions: Mapping[tuple[str, str], DecisionLike] | None = None,
    plan_name: str = "",
) -> Any:
    """The openpyxl ``Workbook`` of the report (see :func:`write_excel`); ``decisions``
    and ``plan_name`` fill its ผ.02 sheet (:func:`~.form02.write_form02`)."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    wb = Workbook()
    taken: set[str] = set()
    ws = wb.active
    ws.title = sheet_title("สรุป", taken)
    summary: list[list[Any]] = [
        ["องค์กรปกครองส่วนท้องถิ่น", al.org or "-"],
        ["จังหวัด", al.province or "-"],
        ["แหล่งข้อมูล", al.source or "-"],
        ["จำนวนรายการที่วิเคราะห์", len(al.items)],
        ["กรอบอ้างอิง", ", ".join(f"{f.column} ({f.title})" for f in al.frameworks)],
        ["เกณฑ์ระดับความสอดคล้อง (strength legend)", criteria_th(al)],
        *[[k, v] for k, v in method_rows(al)],
        ["ยุทธศาสตร์ที่ไม่มีรายการสนับสนุน (ช่องว่าง)", len(al.gaps())],
        ["รายการที่ไม่สอดคล้องกับกรอบใด", len(al.orphans())],
        ["ข้อความซ้ำกับ อปท. อื่น", len(al.near_duplicates)],
    ]
    _sheet(ws, ["หัวข้อ", "ค่า"], summary, [44, 100])

    ws = wb.create_sheet(sheet_title(FORM_SHEET, taken))
    write_form02(ws, al, decisions=decisions, plan_name=plan_name)

    ws = wb.create_sheet(sheet_title("ตารางความเชื่อมโยง", taken))
    columns: list[str] = []
    for row in al.linkage:
        for c in row.cells:
            if c.column not in columns:
                columns.append(c.column)
    heads = ["ยุทธศาสตร์ท้องถิ่น"]
    for col in columns:
        heads += [col, f"ระดับ ({col})", f"สัดส่วนหลักฐาน ({col})"]
    rows: list[list[Any]] = []
    for row in al.linkage:
        s = row.strategy
        cells = {c.column: c for c in row.cells}
        line: list[Any] = [f"{s.number} {s.title}" if s.number else s.title]
        for col in columns:
            cell = cells.get(col)
            found = cell is not None and cell.target_id is not None
            line += [
                f"{cell.target_id} {cell.title}" if cell and cell.target_id else "-",
                strength_th(cell.strength) if cell and found else "-",
                cell.share if cell and found else None,
            ]
        rows.append(line)
    _sheet(
        ws,
        heads,
        rows,
        [40] + [36, 14, 10] * len(columns),
        score_cols=tuple(range(4, len(heads) + 1, 3)),
    )
    for r, row in enumerate(al.linkage, 2):
        cells = {c.column: c for c in row.cells}
        for k, col in enumerate(columns):
            cell = cells.get(col)
            fill = STRENGTH_FILL.get(cell.strength) if cell and cell.target_id else None
            if fill:
                for col_no in (2 + 3 * k, 3 + 3 * k, 4 + 3 * k):
                    ws.cell(row=r, column=col_no).fill = PatternFill("solid", fgColor=fill)

    for f in al.frameworks:
        ws = wb.create_sheet(sheet_title(f.heading, taken))
        heads = [
            "รายการท้องถิ่น",
            "ข้อความเต็ม",
            "ประเภท",
            "อันดับ",
            "รหัส",
            "เป้าหมาย/ยุทธศาสตร์",
            "สัดส่วนหลักฐาน (share)",
            "ระดับความสอดคล้อง",
            "หลักฐาน (ข้อย่อยที่ตรงที่สุด)",
            "คำที่ตรงกัน",
        ]
        rows = []
        for it in al.items:
            for m in it.for_framework(f.name):
                rows.append(
                    [
                        item_label(it),
                        it.item.text,
                        kind_th(it.item.kind),
                        m.rank,
                        m.target_id,
                        m.target_title,
                        m.share,
                        strength_th(m.strength),
                        f"{m.evidence.sub_id} {m.evidence.sub_title}",
                        " ".join(m.evidence.shared_terms),
                    ]
                )
        _sheet(
            ws, heads, rows, [40, 50, 14, 8, 10, 44, 9, 16, 44, 30], score_cols=(7,), strength_col=8
        )

    ws = wb.create_sheet(sheet_title("ความครอบคลุม", taken))
    heads = [
        "กรอบอ้างอิง",
        "รหัส",
        "เป้าหมาย/ยุทธศาสตร์",
        "สอดคล้องมาก",
        "บางส่วน",
        "น้อย",
        "สัดส่วนหลักฐานสูงสุด",
        "สถานะ",
        "รายการท้องถิ่นที่สนับสนุน",
    ]
    labels = {it.item.id: item_label(it) for it in al.items}
    column_of = {f.name: f.heading for f in al.frameworks}
    rows = [
        [
            column_of.get(c.framework, c.framework),
            c.target_id,
            c.title,
            c.strong,
            c.partial,
            c.weak,
            c.max_share,
            "มีการสนับสนุน" if c.supported else "ช่องว่าง (ไม่มีรายการสนับสนุน)",
            "\n".join(labels.get(i, i) for i in c.supporters),
        ]
        for c in al.coverage
    ]
    _sheet(ws, heads, rows, [14, 10, 50, 12, 10, 8, 12, 30, 50], score_cols=(7,))
    for r, target in enumerate(al.coverage, 2):
        ws.cell(row=r, column=8).fill = PatternFill(
            "solid", fgColor=STRENGTH_FILL["strong"] if target.supported else "FFC7CE"
        )

    ws = wb.create_sheet(sheet_title("รายการที่ไม่สอดคล้อง", taken))
    rows = []
    for it in al.orphans():
        best = max((ms[0] for ms in it.matches if ms), key=lambda m: m.share, default=None)
        rows.append(
            [
                item_label(it),
                kind_th(it.item.kind),
                best.share if best else None,
                f"{best.target_id} {best.target_title}" if best else "-",
            ]
        )
    _sheet(
        ws,
        ["รายการท้องถิ่น", "ประเภท", "สัดส่วนหลักฐานสูงสุด", "เป้าหมายที่ใกล้ที่สุด"],
        rows,
        [50, 14, 12, 50],
        score_cols=(3,),
    )

    ws = wb.create_sheet(sheet_title("ข้อความซ้ำกับ อปท. อื่น", taken))
    rows = [
        [d.a.org or "-", d.a.content, d.b.org or "-", d.b.content, d.similarity]
        for d in al.near_duplicates
    ]
    _sheet(
        ws,
        ["หน่วยงาน ก", "ข้อความ ก", "หน่วยงาน ข", "ข้อความ ข", "ความคล้าย"],
        rows,
        [30, 60, 30, 60, 11],
        score_cols=(5,),
    )
    return wb


def write_excel(alignment: Alignment, path: str | Path) -> Path:
    """Write the .xlsx report to ``path`` (atomically) and return it."""
    wb = build_workbook(alignment)
    return atomic_write(path, lambda p: wb.save(str(p)))
