"""The re-import of an edited ผ.02 workbook: its differences first, applied on confirm.

A planner edits the ``การตัดสินใจ`` sheet of an export (:mod:`.export`) and uploads it.
:func:`diff_import` compares each row with the standing decisions and stores the
changes as a pending import (nothing is applied); :func:`apply_import` then records
each change as a decision of the person who confirms.

>>> diff = diff_import(wb, "p-1", xlsx_bytes)                       # doctest: +SKIP
>>> apply_import(wb, "p-1", diff["import_id"], who="สมศรี")           # doctest: +SKIP
{'applied': 2}
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..limits import check_archive
from .db import NotFoundError
from .decisions import ACTION_TH
from .export import DECISION_HEADERS, DECISION_SHEET, cell_rows

if TYPE_CHECKING:
    from .workbench import Workbench


def diff_import(wb: Workbench, plan_id: str, data: bytes) -> dict[str, Any]:
    """Compare an edited workbook with the standing decisions; store it pending."""
    return diff_rows(wb, plan_id, read_sheet(data))


def read_sheet(data: bytes) -> list[list[str]]:
    """The rows of the decisions sheet of an edited export (header checked), as text
    (what a parse worker returns; :func:`diff_rows` compares them)."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise InputError("ไฟล์นี้ไม่ใช่ Excel (.xlsx) / the file is not an .xlsx workbook")
    check_archive(data, what="Excel")  # a ZIP/XML bomb is refused before openpyxl opens it
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(
            f"อ่านไฟล์ Excel ไม่ได้ / cannot read this workbook ({type(exc).__name__})"
        ) from None
    if DECISION_SHEET not in book.sheetnames:
        raise InputError(
            f"ไม่พบแผ่นงาน {DECISION_SHEET!r} / the workbook has no {DECISION_SHEET!r} sheet; "
            "export it from the workbench first"
        )
    sheet = list(book[DECISION_SHEET].iter_rows(values_only=True))
    book.close()
    if not sheet or tuple(str(h or "") for h in sheet[0][: len(DECISION_HEADERS)]) != (
        DECISION_HEADERS
    ):
        raise InputError("หัวตารางของแผ่นงานถูกแก้ไข / the decisions sheet's header row was changed")
    return [["" if v is None else str(v).strip() for v in row] for row in sheet]


def diff_rows(wb: Workbench, plan_id: str, sheet: list[list[str]]) -> dict[str, Any]:
    """Compare the rows of :func:`read_sheet` with the standing decisions; store the
    changes as a pending import (nothing applied)."""
    current = {(r["section_key"], r["framework"]): r for r in cell_rows(wb, plan_id)}
    status_of = {v: k for k, v in ACTION_TH.items()}
    changes: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for n, raw in enumerate(sheet[1:], 2):
        vals = ["" if v is None else str(v).strip() for v in raw[: len(DECISION_HEADERS)]]
        vals += [""] * (len(DECISION_HEADERS) - len(vals))
        pid, key, fw, _label, _fwth, target, _title, status = vals[:8]
        if not any(vals):
            continue
        if pid != plan_id:
            errors.append({"row": n, "error": f"แถวนี้เป็นของแผนอื่น ({pid})"})
            continue
        cur = current.get((key, fw))
        if cur is None:
            errors.append({"row": n, "error": f"ไม่พบหัวข้อ/กรอบ {key} {fw} ในแผนปัจจุบัน"})
            continue
        want = status_of.get(status, "")
        base = {
            "row": n,
            "section_key": key,
            "framework": fw,
            "label": cur["label"],
            "before": {"status": cur["status"], "target_id": cur["target_id"]},
        }
        if want == "reject" or not target:
            if cur["status"] != "reject":
                rejected = cur["target_id"] or cur["top"]
                changes.append({**base, "action": "reject", "target_id": rejected})
            continue
        valid = wb.aligner.target_ids(plan_id, fw) or set()
        if target not in valid:
            errors.append({"row": n, "error": f"ไม่มีเป้าหมาย {target} ในกรอบ {fw}"})
            continue
        if cur["status"] in ("accept", "change") and cur["target_id"] == target:
            continue
        if cur["status"] == "suggested" and target == cur["top"] and want in ("", "suggested"):
            continue
        action = "accept" if target == cur["top"] else "change"
        changes.append({**base, "action": action, "target_id": target})
    import_id = wb.db.add_import(plan_id, changes) if changes else None
    return {"import_id": import_id, "changes": changes, "errors": errors}


def apply_import(wb: Workbench, plan_id: str, import_id: str, *, who: str) -> dict[str, Any]:
    """Apply a pending import (each change becomes a decision by ``who``)."""
    changes = wb.db.take_import(plan_id, import_id)
    if changes is None:
        raise NotFoundError(f"ไม่พบการนำเข้าที่รอ / no pending import {import_id!r}")
    applied = [
        wb.decisions.decide(
            plan_id, c["section_key"], c["framework"], c["action"], c["target_id"], who=who
        )
        for c in changes
    ]
    return {"applied": len(applied)}
