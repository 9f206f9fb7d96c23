"""Exports with the planners' decisions: the ผ.02 Excel workbook, CSV and the HTML report.

The workbook is the library's report (:func:`plansearch.report.build_workbook`) with two
sheets in front: ``ผ.02 ความเชื่อมโยง`` (the linkage block of the official project form,
one block per local strategy, each cell's decided target, who decided and when, in Thai
Buddhist-era dates) and ``การตัดสินใจ`` (one row per cell, the sheet a planner edits
and imports back: :mod:`.reimport`). No cell is ever a formula: text that starts with
``=`` is stored as text, and CSV cells that a spreadsheet would evaluate get a leading
apostrophe.

>>> export_xlsx(wb, "p-1")[:2]   # doctest: +SKIP
b'PK'
"""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..labels import STRENGTH_TH
from ..report.tables import safe_cell
from .decisions import ACTION_TH
from .review import plan_review

if TYPE_CHECKING:
    from .workbench import Workbench

#: CSP of a downloaded HTML report (its own inline script and style, nothing else).
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DECISION_SHEET = "การตัดสินใจ"
LINKAGE_SHEET = "ผ.02 ความเชื่อมโยง"
DECISION_HEADERS: tuple[str, ...] = (
    "รหัสแผน (plan_id)",
    "รหัสหัวข้อ (section_key)",
    "รหัสกรอบ (framework)",
    "ส่วนของแผน",
    "กรอบ",
    "รหัสเป้าหมาย",
    "เป้าหมายที่เชื่อมโยง",
    "สถานะ",
    "ผู้ตัดสิน",
    "วันที่ (พ.ศ.)",
    "ข้อเสนอ 1",
    "ข้อเสนอ 2",
    "ข้อเสนอ 3",
)
#: Columns of the ผ.02 linkage sheet and of the HTML report's decisions.
LINKAGE_HEADERS: tuple[str, ...] = (
    "ส่วนของแผน",
    "กรอบ",
    "เป้าหมายที่เชื่อมโยง",
    "สถานะ",
    "ผู้ตัดสิน",
    "วันที่ (พ.ศ.)",
)
THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
BANGKOK = timezone(timedelta(hours=7))


def thai_date(iso: str | datetime | None) -> str:
    """An ISO time as a Thai Buddhist-era date in Bangkok time.

    >>> thai_date("2026-12-01T10:39:04+00:00")
    '1 ธ.ค. 2569 17:39 น.'
    """
    if not iso:
        return ""
    t = iso if isinstance(iso, datetime) else datetime.fromisoformat(iso)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    t = t.astimezone(BANGKOK)
    return f"{t.day} {THAI_MONTHS[t.month - 1]} {t.year + 543} {t:%H:%M} น."


def cell_rows(wb: Workbench, plan_id: str) -> list[dict[str, Any]]:
    """One record per (plan item, framework): the suggestion and the standing decision."""
    review = plan_review(wb, plan_id)
    titles = {f["name"]: {t["id"]: t["title"] for t in f["targets"]} for f in review["frameworks"]}
    out = []
    for block in review["blocks"]:
        for row in block["rows"]:
            s = row["section"]
            label = f"{s['kind_th']} {s['number'] or ''} {s['title']}".replace("  ", " ")
            for f in review["frameworks"]:
                cell = row["cells"][f["name"]]
                sug = cell["suggestions"]
                d = cell["decision"]
                if d is None:
                    status, target = "suggested", (sug[0]["target_id"] if sug else None)
                elif d["action"] == "reject":
                    status, target = "reject", None
                else:
                    status, target = d["action"], d["target_id"]
                out.append(
                    {
                        "plan_id": plan_id,
                        "section_key": s["key"],
                        "framework": f["name"],
                        "block": block["heading"],
                        "label": label.strip(),
                        "framework_th": f"{f['letter']} {f['heading']}",
                        "target_id": target,
                        "target_title": titles[f["name"]].get(target or "", ""),
                        "status": status,
                        "who": d["who"] if d else "",
                        "at": d["at"] if d else "",
                        "suggestions": [
                            f"{m['target_id']} {m['title']} ({STRENGTH_TH[m['strength']]} "
                            f"{m['score']:.2f})"
                            for m in sug
                        ],
                        "top": sug[0]["target_id"] if sug else None,
                    }
                )
    return out


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    c = ws.cell(row=row, column=col)
    c.value = value
    if isinstance(value, str) and value.startswith("="):
        c.data_type = "s"  # text, never a formula
    return c


def defuse_workbook(book: Any) -> int:
    """Turn every formula cell into text (plan text is data, never code); returns count."""
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.data_type = "s"
                    n += 1
    return n


def export_xlsx(wb: Workbench, plan_id: str) -> bytes:
    """The Excel workbook with decisions (ผ.02 block + decisions sheet + the report)."""
    from openpyxl.styles import Alignment as CellAlign
    from openpyxl.styles import Font, PatternFill

    from ..report import build_workbook

    ap = wb.aligner.aligned(plan_id)
    rows = cell_rows(wb, plan_id)
    info = wb.plans.row(plan_id)
    book = build_workbook(ap.alignment)
    bold = Font(bold=True)
    wrap = CellAlign(wrap_text=True, vertical="top")
    fills = {
        "accept": "C6EFCE",
        "change": "FFEB9C",
        "reject": "FFC7CE",
        "suggested": "F2F2F2",
    }

    ws = book.create_sheet(LINKAGE_SHEET, 0)
    _put(ws, 1, 1, "ความเชื่อมโยงของยุทธศาสตร์การพัฒนา (ส่วนหัวแบบ ผ.02)").font = Font(bold=True, size=14)
    _put(ws, 2, 1, "องค์กรปกครองส่วนท้องถิ่น")
    _put(ws, 2, 2, ap.alignment.org or "-")
    _put(ws, 3, 1, "จังหวัด")
    _put(ws, 3, 2, ap.alignment.province or "-")
    _put(ws, 4, 1, "แผน")
    _put(ws, 4, 2, info.get("name", ""))
    _put(ws, 5, 1, "วันที่ส่งออก")
    _put(ws, 5, 2, thai_date(datetime.now(UTC)))
    r = 7
    for k, h in enumerate(LINKAGE_HEADERS, 1):
        _put(ws, r, k, h).font = bold
    last_block: Any = object()
    for rec in rows:
        if rec["block"] != last_block:
            last_block = rec["block"]
            r += 1
            _put(ws, r, 1, rec["block"]).font = Font(bold=True, size=12)
        r += 1
        for k, v in enumerate(_linkage_values(rec), 1):
            c = _put(ws, r, k, v)
            c.alignment = wrap
        ws.cell(row=r, column=4).fill = PatternFill("solid", fgColor=fills[rec["status"]])
    for col, width in zip("ABCDEF", (50, 34, 50, 18, 16, 20), strict=True):
        ws.column_dimensions[col].width = width

    ws = book.create_sheet(DECISION_SHEET, 1)
    for k, h in enumerate(DECISION_HEADERS, 1):
        _put(ws, 1, k, h).font = bold
    for r, rec in enumerate(rows, 2):
        for k, v in enumerate(_decision_values(rec), 1):
            _put(ws, r, k, v)
    for col, width in zip(
        "ABCDEFGHIJKLM", (14, 16, 12, 50, 30, 12, 44, 18, 14, 20, 40, 40, 40), strict=False
    ):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "D2"
    defuse_workbook(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _linkage_values(rec: dict[str, Any]) -> list[str]:
    """One cell in :data:`LINKAGE_HEADERS` order (the ผ.02 sheet and the HTML report)."""
    return [
        rec["label"],
        rec["framework_th"],
        f"{rec['target_id']} {rec['target_title']}" if rec["target_id"] else "-",
        ACTION_TH[rec["status"]],
        rec["who"],
        thai_date(rec["at"]),
    ]


def _decision_values(rec: dict[str, Any]) -> list[Any]:
    """One decision row in :data:`DECISION_HEADERS` order (sheet and CSV alike)."""
    return [
        rec["plan_id"],
        rec["section_key"],
        rec["framework"],
        rec["label"],
        rec["framework_th"],
        rec["target_id"] or "",
        rec["target_title"],
        ACTION_TH[rec["status"]],
        rec["who"],
        thai_date(rec["at"]),
        *(rec["suggestions"] + ["", "", ""])[:3],
    ]


def export_csv(wb: Workbench, plan_id: str) -> bytes:
    """The decisions sheet as CSV (UTF-8 with BOM so Excel reads Thai; formulas defused)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(DECISION_HEADERS)
    for rec in cell_rows(wb, plan_id):
        w.writerow([safe_cell(v) for v in _decision_values(rec)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_html(wb: Workbench, plan_id: str) -> bytes:
    """The library's self-contained HTML report, with the reviewers' decisions first."""
    from ..report import render_html

    page = render_html(wb.aligner.aligned(plan_id).alignment)
    decided = [r for r in cell_rows(wb, plan_id) if r["status"] != "suggested"]
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in _linkage_values(r)) + "</tr>"
        for r in decided
    )
    section = (
        '<section id="decisions"><h2>การตัดสินใจของผู้ตรวจ</h2>'
        f"<p>{len(decided)} ช่องที่ตรวจแล้ว (ช่องอื่นเป็นข้อเสนอของระบบ)</p>"
        "<table><thead><tr>"
        + "".join(f"<th>{h}</th>" for h in LINKAGE_HEADERS)
        + f"</tr></thead><tbody>{body}</tbody></table></section>"
    )
    return page.replace("<main>", "<main>" + section, 1).encode("utf-8")


__all__ = [
    "REPORT_CSP",
    "cell_rows",
    "export_csv",
    "export_html",
    "export_xlsx",
    "thai_date",
]
