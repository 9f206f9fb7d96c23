"""The ผ.02 linkage sheet: the official block layout of the project form, one block per
local strategy.

Each block is what a planner fills in on แบบ ผ.02: the local strategy (or policy area),
its linkage to the levels above — ก. ยุทธศาสตร์ชาติ, ข. แผนพัฒนาฯ, ค. SDGs, ง. ยุทธศาสตร์
จังหวัด/กลุ่มจังหวัด, จ. ยุทธศาสตร์ อปท. ในเขตจังหวัด, ฉ. กรมส่งเสริมการปกครองท้องถิ่น,
ช. the organisation's own frameworks, letters and headings from the framework registry —
then its tactics and projects, one row each with their link in every framework. A cell
shows the reviewer's decision when there is one (who and when, Buddhist-era date in
Bangkok time), else the suggestion with its strength label and the share it is cut from.

The sheet is set up to print: A4 landscape, one page wide, the form's heading repeated
on every page. No cell is a formula.

>>> decided = {("s1", "national"): Decision("accept", "NS2")}
>>> book = build_form02(al, decisions=decided)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from ..thai import display_width
from ._common import STRENGTH_FILL, kind_th, strength_th
from .tables import is_formula_like

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from ..alignment.results import Alignment, FrameworkInfo, ItemAlignment

#: The sheet's name in every workbook that carries the form.
FORM_SHEET = "ผ.02 ความเชื่อมโยง"
#: Thai names of a cell's status (a reviewer's decision, or the system's suggestion).
STATUS_TH: dict[str, str] = {
    "accept": "ยอมรับ",
    "change": "เปลี่ยน",
    "reject": "ปฏิเสธ",
    "suggested": "ข้อเสนอ (ยังไม่ตรวจ)",
}
#: Fills of the status cells (hex RGB): decided cells stand out from suggestions.
STATUS_FILL: dict[str, str] = {
    "accept": "C6EFCE",
    "change": "FFEB9C",
    "reject": "FFC7CE",
    "suggested": "F2F2F2",
}
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


def thai_date(when: str | datetime | None, *, time: bool = True) -> str:
    """An ISO time as a Thai Buddhist-era date in Bangkok time.

    >>> thai_date("2026-12-01T10:39:04+00:00")
    '1 ธ.ค. 2569 17:39 น.'
    >>> thai_date("2026-12-31T18:00:00+00:00", time=False)
    '1 ม.ค. 2570'
    """
    if not when:
        return ""
    t = when if isinstance(when, datetime) else datetime.fromisoformat(when)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    t = t.astimezone(BANGKOK)
    day = f"{t.day} {THAI_MONTHS[t.month - 1]} {t.year + 543}"
    return f"{day} {t:%H:%M} น." if time else day


class DecisionLike(Protocol):
    """What a reviewer decided for one (item, framework) cell (read-only attributes)."""

    @property
    def action(self) -> str: ...  # "accept", "change" or "reject"
    @property
    def target_id(self) -> str | None: ...
    @property
    def who(self) -> str: ...
    @property
    def at(self) -> str: ...


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision (the workbench passes its own records; anything with these
    attributes will do)."""

    action: str
    target_id: str | None
    who: str = ""
    at: str = ""


@dataclass(frozen=True)
class FormCell:
    """One (item, framework) cell of the form: what it links to and why."""

    status: str  # "suggested" or the decision's action
    target_id: str | None
    target_title: str
    strength: str  # the suggestion's label ("" for a decided cell)
    share: float | None
    who: str = ""
    at: str = ""

    def text(self) -> str:
        """The cell as one line of Thai (target, then the status or the label)."""
        if self.status == "reject" or not self.target_id:
            return f"— ({STATUS_TH['reject']})" if self.status == "reject" else "—"
        head = f"{self.target_id} {self.target_title}"
        if self.status == "suggested":
            share = f" {self.share:.2f}" if self.share is not None else ""
            return f"{head} ({strength_th(self.strength)}{share})"
        return f"{head} ({STATUS_TH[self.status]})"


def form_cell(it: ItemAlignment, fw: FrameworkInfo, decision: DecisionLike | None) -> FormCell:
    """The cell of ``it`` in framework ``fw``: the decision, else the top suggestion."""
    titles = dict(zip(fw.target_ids, fw.target_titles, strict=True))
    if decision is not None:
        tid = decision.target_id if decision.action != "reject" else None
        return FormCell(
            decision.action, tid, titles.get(tid or "", ""), "", None, decision.who, decision.at
        )
    best = it.best(fw.name)
    if best is None:
        return FormCell("suggested", None, "", "none", None)
    return FormCell("suggested", best.target_id, best.target_title, best.strength, best.share)


def blocks(al: Alignment) -> list[tuple[ItemAlignment | None, list[ItemAlignment]]]:
    """``[(head, members)]``: one block per item that heads a ผ.02 block (a strategy or a
    policy area: the registry's strategy role), members in plan order at any depth
    below it; items under no head last, in a block whose head is ``None``."""
    from ..frameworks import kinds_for

    heads = kinds_for("strategy")
    by_id = {it.item.id: it for it in al.items}
    parent_of = {it.item.id: it.item.parent_id for it in al.items}

    def head_of(item_id: str) -> str | None:
        seen: set[str] = set()
        node = parent_of.get(item_id)
        while node and node not in seen:
            seen.add(node)
            got = by_id.get(node)
            if got is not None and got.item.kind in heads:
                return node
            node = parent_of.get(node)
        return None

    out: list[tuple[ItemAlignment | None, list[ItemAlignment]]] = []
    index: dict[str, int] = {}
    for it in al.items:
        if it.item.kind in heads:
            index[it.item.id] = len(out)
            out.append((it, []))
    rest: list[ItemAlignment] = []
    for it in al.items:
        if it.item.kind in heads:
            continue
        h = head_of(it.item.id)
        (out[index[h]][1] if h is not None else rest).append(it)
    if rest:
        out.append((None, rest))
    return out


def ordered(al: Alignment) -> list[FrameworkInfo]:
    """The alignment's frameworks in the form's order (ก. … ช.)."""
    from ..frameworks import block_of

    return sorted(al.frameworks, key=lambda f: block_of(f)[0])


def _head_label(it: ItemAlignment | None) -> str:
    if it is None:
        return "รายการที่ไม่อยู่ใต้ยุทธศาสตร์ใด — items under no strategy"
    s = it.item
    number = f" {s.number}" if s.number else ""
    return f"{kind_th(s.kind)}{number} {s.title}"


def write_form02(
    ws: Worksheet,
    al: Alignment,
    *,
    decisions: Mapping[tuple[str, str], DecisionLike] | None = None,
    plan_name: str = "",
    exported_at: datetime | None = None,
) -> None:
    """Fill ``ws`` with the ผ.02 linkage blocks of ``al`` (``decisions`` keyed by
    ``(item id, framework name)``)."""
    from openpyxl.styles import Alignment as XAlign
    from openpyxl.styles import Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    from ..frameworks import block_of

    decisions = decisions or {}
    fws = ordered(al)
    ncol = 2 + len(fws)
    last = get_column_letter(ncol)
    widths = {1: 7, 2: 44, **{k: max(22, min(34, 160 // len(fws))) for k in range(3, ncol + 1)}}
    for k, w in widths.items():
        ws.column_dimensions[get_column_letter(k)].width = w

    def fit(row: int, spans: dict[int, int]) -> None:
        """Set the row's height for its wrapped text (``spans``: first column → last
        column of each filled cell): spreadsheets do not grow rows written by a library."""
        lines = 1
        for first, end in spans.items():
            value = ws.cell(row=row, column=first).value
            if not isinstance(value, str):
                continue
            room = max(1.0, sum(widths[k] for k in range(first, end + 1)) * 1.15)
            lines = max(
                lines, sum(-(-display_width(p) // int(room)) or 1 for p in value.split("\n"))
            )
        ws.row_dimensions[row].height = 16 * lines + 2

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = XAlign(wrap_text=True, vertical="top")

    def put(row: int, col: int, value: Any, *, bold: bool = False, fill: str | None = None) -> Any:
        c = ws.cell(row=row, column=col)
        c.value = value
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula
            if is_formula_like(value):
                c.quotePrefix = True
        c.alignment = wrap
        if bold:
            c.font = Font(bold=True)
        if fill:
            c.fill = PatternFill("solid", fgColor=fill)
        return c

    def line(row: int, value: str, *, size: int = 12, fill: str | None = None) -> None:
        ws.merge_cells(f"A{row}:{last}{row}")
        c = put(row, 1, value, bold=True, fill=fill)
        c.font = Font(bold=True, size=size)
        fit(row, {1: ncol})

    when = thai_date(exported_at or datetime.now(UTC))
    line(
        1,
        "ความเชื่อมโยงของยุทธศาสตร์การพัฒนา (แบบ ผ.02) — linkage of the development strategies",
        size=14,
    )
    place = f"{al.org or '-'} จังหวัด{al.province}" if al.province else (al.org or "-")
    line(2, f"{place}{f' · {plan_name}' if plan_name else ''}", size=12)
    line(3, f"ส่งออกเมื่อ {when} · ช่องที่ยังไม่ตรวจแสดงข้อเสนอของระบบพร้อมระดับและสัดส่วนหลักฐาน")
    r = 5
    for head, members in blocks(al):
        line(r, _head_label(head), fill="DDEBF7")
        r += 1
        if head is not None:  # the block's linkage: ก. … ช.
            for fw in fws:
                _, letter, heading = block_of(fw)
                cell = form_cell(head, fw, decisions.get((head.item.id, fw.name)))
                put(r, 1, letter, bold=True).border = box
                put(r, 2, heading).border = box
                ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=ncol)
                who = f" · {cell.who} {thai_date(cell.at)}" if cell.who else ""
                c = put(r, 3, cell.text() + who)
                c.fill = PatternFill("solid", fgColor=_fill(cell))
                for col in range(3, ncol + 1):
                    ws.cell(row=r, column=col).border = box
                fit(r, {1: 1, 2: 2, 3: ncol})
                r += 1
        if members:
            heads = ["ที่", "แนวทางการพัฒนา / โครงการ"]
            heads += [f"{block_of(fw)[1]} {fw.column}" for fw in fws]
            for col, text in enumerate(heads, 1):
                put(r, col, text, bold=True, fill="F2F2F2").border = box
            fit(r, {k: k for k in range(1, ncol + 1)})
            r += 1
            for it in members:
                s = it.item
                put(r, 1, s.number or "").border = box
                put(r, 2, f"{kind_th(s.kind)} {s.title}").border = box
                for k, fw in enumerate(fws, 3):
                    cell = form_cell(it, fw, decisions.get((s.id, fw.name)))
                    c = put(r, k, cell.text())
                    c.border = box
                    c.fill = PatternFill("solid", fgColor=_fill(cell))
                fit(r, {k: k for k in range(1, ncol + 1)})
                r += 1
        r += 1
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:3"
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "หน้า &P / &N"
    ws.sheet_view.showGridLines = False


def _fill(cell: FormCell) -> str:
    if cell.status != "suggested":
        return STATUS_FILL[cell.status]
    return STRENGTH_FILL.get(cell.strength, STRENGTH_FILL["none"])


def build_form02(
    al: Alignment,
    *,
    decisions: Mapping[tuple[str, str], DecisionLike] | None = None,
    plan_name: str = "",
    exported_at: datetime | None = None,
) -> Any:
    """A workbook with the ผ.02 sheet alone (see :func:`write_form02`)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = FORM_SHEET
    write_form02(ws, al, decisions=decisions, plan_name=plan_name, exported_at=exported_at)
    return book


__all__: Sequence[str] = [
    "FORM_SHEET",
    "STATUS_TH",
    "Decision",
    "DecisionLike",
    "FormCell",
    "blocks",
    "build_form02",
    "form_cell",
    "ordered",
    "thai_date",
    "write_form02",
]
