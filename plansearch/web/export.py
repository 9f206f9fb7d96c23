"""Exports with the planners' decisions: the ผ.02 Excel workbook, CSV and the HTML report.

The workbook is the library's report (:func:`plansearch.report.build_workbook`) with its
ผ.02 sheet (:mod:`plansearch.report.form02`: the official block layout, one block per
local strategy) filled with the decisions — who decided and when, in Thai Buddhist-era
dates — and ``การตัดสินใจ`` second (one row per cell, the sheet a planner edits and
imports back: :mod:`.reimport`; its status column offers the statuses as a drop-down).
No cell is ever a formula: text that starts with ``=`` is stored as text, and CSV cells
that a spreadsheet would evaluate get a leading apostrophe.

Every workbook carries what it showed: the hidden sheet :data:`SNAPSHOT_SHEET` holds a
*snapshot* (:func:`write_snapshot`: its id, the plan, the run and time of the export,
then per decision row the status and target exported and the id of the standing
decision at that moment). The re-import (:mod:`.reimport`, :func:`read_snapshot`)
reads only what the planner changed relative to it, and a row also decided in the
browser since is a conflict. An export writes nothing to the workspace.

Downloads are named after the organisation and the Buddhist-era date
(:func:`download_name`, sent with :func:`content_disposition`).

>>> export_xlsx(wb, "p-1")[:2]   # doctest: +SKIP
b'PK'
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..labels import STRENGTH_TH
from ..report.form02 import BANGKOK, FORM_SHEET, thai_date
from ..report.tables import is_formula_like, safe_cell
from .db import now_iso
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
#: The hidden sheet with the export's snapshot (see :func:`write_snapshot`).
SNAPSHOT_SHEET = "ข้อมูลระบบ"
SNAPSHOT_LABEL = "snapshot"
#: Columns of the snapshot rows (row 3 on).
SNAPSHOT_HEADERS = ("section_key", "framework", "status", "target_id", "decision_id")
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
#: Columns of the HTML report's decisions.
LINKAGE_HEADERS: tuple[str, ...] = (
    "ส่วนของแผน",
    "กรอบ",
    "เป้าหมายที่เชื่อมโยง",
    "สถานะ",
    "ผู้ตัดสิน",
    "วันที่ (พ.ศ.)",
)


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
                        "decision_id": d["id"] if d else None,
                        "suggestions": [
                            f"{m['target_id']} {m['title']} ({STRENGTH_TH[m['strength']]} "
                            f"{m['share']:.2f})"
                            for m in sug
                        ],
                        "top": sug[0]["target_id"] if sug else None,
                    }
                )
    return out


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    c = ws.cell(row=row, column=col)
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"  # text, never a formula
        if is_formula_like(value):
            c.quotePrefix = True  # and it stays text when edited in Excel
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


def write_snapshot(book: Any, plan_id: str, run_id: int, rows: list[dict[str, Any]]) -> str:
    """Add the hidden sheet of what this export shows → the snapshot's id.

    Row 1: ``snapshot``, id, ``plan_id``, plan, ``run_id``, run, ``exported_at``, time;
    row 2: :data:`SNAPSHOT_HEADERS`; then per decision row the cell, the status and
    target exported and the id of the standing decision (empty: none)."""
    shown = [
        [r["section_key"], r["framework"], r["status"], r["target_id"] or "", r["decision_id"]]
        for r in rows
    ]
    at = now_iso()
    digest = hashlib.sha1(json.dumps([plan_id, run_id, at, shown]).encode()).hexdigest()
    sid = f"x-{digest[:12]}"
    ws = book.create_sheet(SNAPSHOT_SHEET)
    ws.sheet_state = "hidden"
    head = [SNAPSHOT_LABEL, sid, "plan_id", plan_id, "run_id", run_id, "exported_at", at]
    for col, value in enumerate(head, 1):
        _put(ws, 1, col, value)
    for col, value in enumerate(SNAPSHOT_HEADERS, 1):
        _put(ws, 2, col, value)
    for r, values in enumerate(shown, 3):
        for col, value in enumerate(values, 1):
            _put(ws, r, col, value)
    _put(ws, 1, 10, "ข้อมูลสำหรับนำเข้ากลับ อย่าแก้ไข / used by the re-import: do not edit")
    return sid


def read_snapshot(
    rows: Sequence[Sequence[Any]], plan_id: str
) -> tuple[str, dict[tuple[str, str], dict[str, Any]]] | None:
    """``(id, {(section_key, framework): {"status", "target_id", "decision_id"}})`` of
    a snapshot sheet's rows, as values or as text (``None``: no snapshot of this plan)."""
    if len(rows) < 2 or not rows[0] or rows[0][0] != SNAPSHOT_LABEL:
        return None
    head = list(rows[0]) + [None] * 4
    if str(head[3] or "") != plan_id:
        return None
    shown: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows[2:]:
        key, fw, status, target, did = (list(r) + [None] * 5)[:5]
        if not key or not fw:
            continue
        did = str(did or "").strip().removesuffix(".0")
        shown[(str(key), str(fw))] = {
            "status": str(status or ""),
            "target_id": str(target) if target else None,
            "decision_id": int(did) if did.isdigit() else None,
        }
    return str(head[1]), shown


def download_name(wb: Workbench, plan_id: str, what: str, ext: str) -> tuple[str, str]:
    """``(Thai name, ASCII fallback)`` of a download: what it is, the organisation (or
    the plan's name) and today's Buddhist-era date in Bangkok.

    e.g. ``('ผ02_องค์การบริหารส่วนตำบลบ้านอ้อน_2569-12-07.xlsx', 'linkage-p-1-2026-12-07.xlsx')``
    """
    row = wb.plans.row(plan_id)
    today = datetime.now(BANGKOK)
    who = re.sub(r"[^0-9A-Za-z\u0E00-\u0E7F.()-]+", "_", str(row["org"] or row["name"]))
    who = who.strip("_.")[:80] or plan_id
    thai = f"{what}_{who}_{today.year + 543}-{today:%m-%d}{ext}"
    ascii_name = f"{_ASCII.get(what, 'export')}-{plan_id}-{today:%Y-%m-%d}{ext}"
    return thai, ascii_name


#: ASCII fallbacks of the downloads' Thai names.
_ASCII = {"ผ02": "linkage", "รายงาน": "report", "การตัดสินใจ": "decisions"}


def content_disposition(thai: str, ascii_name: str) -> str:
    """An ``attachment`` header with the Thai name (RFC 5987/6266 ``filename*``) and an
    ASCII ``filename`` for old clients.

    >>> print(content_disposition("ผ02.xlsx", "linkage.xlsx"))
    attachment; filename="linkage.xlsx"; filename*=UTF-8''%E0%B8%9C02.xlsx
    """
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(thai, safe='')}"


def export_xlsx(wb: Workbench, plan_id: str) -> bytes:
    """The Excel workbook with decisions (the ผ.02 form, the decisions sheet, the report),
    carrying a snapshot of what it shows (see :func:`write_snapshot`)."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..report import build_workbook

    ap = wb.aligner.aligned(plan_id)
    rows = cell_rows(wb, plan_id)
    info = wb.plans.row(plan_id)
    book = build_workbook(
        ap.alignment,
        decisions=wb.decisions.current(plan_id),
        plan_name=str(info.get("name", "")),
    )
    book.move_sheet(FORM_SHEET, -book.sheetnames.index(FORM_SHEET))  # the form first

    bold = Font(bold=True)
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
    if rows:  # the status column offers the statuses the import understands
        status = DECISION_HEADERS.index("สถานะ") + 1
        letter = ws.cell(row=1, column=status).column_letter
        listed = ",".join(ACTION_TH[k] for k in ("accept", "change", "reject", "suggested"))
        dv = DataValidation(
            type="list",
            formula1=f'"{listed}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="สถานะไม่ถูกต้อง",
            error=f"เลือกสถานะจากรายการ: {listed}",
        )
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{len(rows) + 1}")
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    write_snapshot(book, plan_id, ap.run_id, rows)
    defuse_workbook(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _linkage_values(rec: dict[str, Any]) -> list[str]:
    """One cell in :data:`LINKAGE_HEADERS` order (the HTML report's decisions)."""
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
