"""The re-import of an edited ผ.02 workbook: its differences first, applied on confirm.

A planner edits the ``การตัดสินใจ`` sheet of an export (:mod:`.export`) and uploads it.
A parse worker reads the workbook (:func:`read_sheet`); :func:`diff_rows` keeps only
what the planner changed and stores it as a pending import (nothing is applied);
:func:`apply_import` then records each change as a decision of the person who confirms.

What counts as a change:

* A workbook carries a snapshot of what it showed (:func:`.export.write_snapshot`: per
  row the status and target exported, and the standing decision then). A row is an
  edit only when its status or target differs from what was exported, so a
  suggestion that moved since the export never reads as an edit.
* An edited row whose cell was also decided in the browser after the export is a
  **conflict**: listed with both sides, not applied; the planner settles it on the page.
* A workbook exported before snapshots (or from another workspace) is read with a
  message: only rows whose status column names a decision (ยอมรับ / เปลี่ยน / ปฏิเสธ)
  that differs from the stored decision are edits; rows left as ข้อเสนอ are not read.

>>> diff = diff_rows(wb, "p-1", read_sheet(xlsx_bytes))              # doctest: +SKIP
>>> apply_import(wb, "p-1", diff["import_id"], who="สมศรี")           # doctest: +SKIP
{'applied': 2, 'conflicts': 0}
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..frameworks import describe
from ..limits import check_archive
from .db import NotFoundError
from .decisions import ACTION_TH
from .export import (
    DECISION_HEADERS,
    DECISION_SHEET,
    SNAPSHOT_SHEET,
    cell_rows,
    read_snapshot,
)

if TYPE_CHECKING:
    from .workbench import Workbench

#: What the diff says about a workbook without a snapshot of this workspace.
LEGACY_MESSAGE = (
    "ไฟล์นี้ส่งออกก่อนที่ระบบจะบันทึกสิ่งที่แสดงในไฟล์ (หรือมาจากพื้นที่ทำงานอื่น): "
    "นับเป็นการแก้ไขเฉพาะแถวที่ช่อง “สถานะ” เป็นยอมรับ/เปลี่ยน/ปฏิเสธ และต่างจากการตัดสินใจที่บันทึกไว้ "
    "แถวที่ยังเป็นข้อเสนอไม่ถูกอ่าน / exported before snapshots: only rows whose status names a "
    "decision that differs from the stored one are read as edits"
)
DECIDED = ("accept", "change", "reject")


def read_sheet(data: bytes) -> dict[str, list[list[str]]]:
    """The rows of an edited export, as text (what a parse worker returns;
    :func:`diff_rows` compares them): ``rows``, the decisions sheet (header checked),
    and ``snapshot``, the hidden sheet of what the export showed (empty: none)."""
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
    try:
        if DECISION_SHEET not in book.sheetnames:
            raise InputError(
                f"ไม่พบแผ่นงาน {DECISION_SHEET!r} / the workbook has no {DECISION_SHEET!r} sheet; "
                "export it from the workbench first"
            )
        sheet = list(book[DECISION_SHEET].iter_rows(values_only=True))
        hidden = []
        if SNAPSHOT_SHEET in book.sheetnames:
            hidden = list(book[SNAPSHOT_SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    if not sheet or tuple(str(h or "") for h in sheet[0][: len(DECISION_HEADERS)]) != (
        DECISION_HEADERS
    ):
        raise InputError("หัวตารางของแผ่นงานถูกแก้ไข / the decisions sheet's header row was changed")
    return {"rows": _as_text(sheet), "snapshot": _as_text(hidden)}


def _as_text(rows: list[tuple[Any, ...]]) -> list[list[str]]:
    return [["" if v is None else str(v).strip() for v in row] for row in rows]


def diff_rows(wb: Workbench, plan_id: str, read: dict[str, list[list[str]]]) -> dict[str, Any]:
    """Compare the rows of :func:`read_sheet` with what the export showed and the
    standing decisions; store the planner's edits as a pending import (nothing
    applied) → ``changes``, ``conflicts``, ``errors``."""
    sheet = read["rows"]
    snap = read_snapshot(read.get("snapshot") or [], plan_id)
    snapshot_id, shown = snap if snap is not None else (None, None)
    current = {(r["section_key"], r["framework"]): r for r in cell_rows(wb, plan_id)}
    status_of = {v: k for k, v in ACTION_TH.items()}
    changes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
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
        if status and status not in status_of:
            errors.append({"row": n, "error": f"สถานะ {status!r} ไม่อยู่ในรายการ"})
            continue
        want = status_of.get(status, "suggested")
        if shown is not None:
            was = shown.get((key, fw))
            if was is None:
                errors.append({"row": n, "error": f"แถวนี้ไม่ได้อยู่ในไฟล์ที่ส่งออก ({key} {fw})"})
                continue
            if (want, target) == (was["status"], was["target_id"] or ""):
                continue  # left as exported
        elif want not in DECIDED:
            continue  # an old file: a suggestion row is not read
        edit = _edit(want, target, cur)
        if edit is None:
            continue  # the file says what is already stored
        action, tid = edit
        if tid is not None and action != "reject":
            valid = wb.aligner.target_ids(plan_id, fw) or set()
            if tid not in valid:
                errors.append({"row": n, "error": f"ไม่มีเป้าหมาย {tid} ในกรอบ {_fw_th(fw)}"})
                continue
        row = {
            "row": n,
            "section_key": key,
            "framework": fw,
            "framework_th": _fw_th(fw),
            "label": cur["label"],
            "before": {"status": cur["status"], "target_id": cur["target_id"]},
            "before_th": _state_th(cur["status"], cur["target_id"]),
            "action": action,
            "target_id": tid,
            "after_th": _state_th(action, tid),
            "decision_id": cur["decision_id"],
        }
        if shown is not None and cur["decision_id"] != shown[(key, fw)]["decision_id"]:
            conflicts.append(
                {
                    **row,
                    "now_who": cur["who"],
                    "exported_th": _state_th(
                        shown[(key, fw)]["status"], shown[(key, fw)]["target_id"]
                    ),
                }
            )
            continue
        changes.append(row)
    import_id = wb.db.add_import(plan_id, changes) if changes else None
    return {
        "import_id": import_id,
        "snapshot": snapshot_id,
        "message": None if shown is not None else LEGACY_MESSAGE,
        "changes": changes,
        "conflicts": conflicts,
        "errors": errors,
    }


def _edit(want: str, target: str, cur: dict[str, Any]) -> tuple[str, str | None] | None:
    """The decision a changed row asks for, ``(action, target)``; ``None`` when the
    stored state already is what the row says."""
    if want == "reject" or not target:
        if cur["status"] == "reject":
            return None
        return "reject", cur["target_id"] or cur["top"]
    if want == "suggested" and cur["status"] in DECIDED and target == (cur["target_id"] or ""):
        return "undo", None  # set back to ข้อเสนอ: the decision is withdrawn
    if cur["status"] in ("accept", "change") and cur["target_id"] == target:
        return None
    return ("accept" if target == cur["top"] else "change"), target


def _fw_th(framework: str) -> str:
    try:
        info = describe(framework)
    except (KeyError, ValueError):
        return framework
    return f"{info.letter} {info.column or info.heading}"


def _state_th(status: str, target: str | None) -> str:
    """``"เปลี่ยน MP19"``, ``"ข้อเสนอ (ยังไม่ตรวจ) MP03"``, ``"ปฏิเสธ"`` …"""
    name = "ยกเลิกการตัดสินใจ" if status == "undo" else ACTION_TH.get(status, status)
    return f"{name} {target}" if target and status not in ("reject", "undo") else name


def apply_import(wb: Workbench, plan_id: str, import_id: str, *, who: str) -> dict[str, Any]:
    """Apply a pending import (each change becomes a decision by ``who``); a cell decided
    in the browser since the diff was shown is left alone and counted as a conflict."""
    changes = wb.db.take_import(plan_id, import_id)
    if changes is None:
        raise NotFoundError(f"ไม่พบการนำเข้าที่รอ / no pending import {import_id!r}")
    now = wb.decisions.current(plan_id)
    applied = conflicts = 0
    for c in changes:
        standing = now.get((c["section_key"], c["framework"]))
        if (standing.id if standing is not None else None) != c.get("decision_id"):
            conflicts += 1
            continue
        wb.decisions.decide(
            plan_id, c["section_key"], c["framework"], c["action"], c["target_id"], who=who
        )
        applied += 1
    return {"applied": applied, "conflicts": conflicts}
