"""Helpers shared by the HTML, Excel and PNG reports (Thai labels, colours, matrix).

Reports depend on the alignment result *types* only for type checking; the words they
print come from :mod:`plansearch.labels`, so importing a report module never imports
:mod:`plansearch.alignment` (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..labels import KIND_TH, STRENGTH_TH

if TYPE_CHECKING:
    from ..alignment.results import Alignment, ItemAlignment

__all__ = [
    "KIND_TH",
    "STRENGTH_FILL",
    "HeatmapData",
    "atomic_write",
    "criteria_th",
    "heat_rgb",
    "heatmap_matrix",
    "item_label",
    "kind_th",
    "method_rows",
    "ordered_frameworks",
    "strategy_items",
    "strength_th",
]

#: Light fills per strength (hex RGB, no '#'): used by Excel cells and HTML badges.
STRENGTH_FILL: dict[str, str] = {
    "strong": "C6EFCE",
    "partial": "FFEB9C",
    "weak": "FCE4D6",
    "none": "EDEDED",
}


def strength_th(strength: str) -> str:
    """Thai label of a strength (``"strong"`` → ``"สอดคล้องมาก"``); unknown ones unchanged."""
    return STRENGTH_TH.get(strength, strength)


def kind_th(kind: str) -> str:
    return KIND_TH.get(kind, kind)


def item_label(item: ItemAlignment, *, with_number: bool = True) -> str:
    """``"1.2 ส่งเสริมการศึกษา…"``: the number (if any) and the title of a local item."""
    s = item.item
    title = s.title or s.text
    if with_number and s.number:
        return f"{s.number} {title}"
    return title


def heat_rgb(score: float) -> tuple[int, int, int]:
    """Sequential white → dark blue colour of a score in [0, 1] (clipped)."""
    x = 0.0 if score != score else min(max(score, 0.0), 1.0)  # NaN → 0
    lo, mid, hi = (247, 251, 255), (107, 174, 214), (8, 48, 107)
    if x < 0.5:
        a, b, t = lo, mid, x / 0.5
    else:
        a, b, t = mid, hi, (x - 0.5) / 0.5
    r, g, bl = (round(a[i] + (b[i] - a[i]) * t) for i in range(3))
    return (r, g, bl)


def strategy_items(alignment: Alignment) -> list[ItemAlignment]:
    """The rows of the heatmaps: local strategies, or every item when there are none."""
    rows = [it for it in alignment.items if it.item.kind == "strategy"]
    return rows or list(alignment.items)


def ordered_frameworks(alignment: Alignment) -> list[str]:
    """Framework names with ``national`` first (the heatmap users look at first)."""
    names = list(alignment.framework_names)
    if "national" in names:
        names.remove("national")
        names.insert(0, "national")
    return names


@dataclass(frozen=True)
class HeatmapData:
    """Scores of local items (rows) × targets of one framework (columns)."""

    framework: str
    framework_title: str
    row_ids: tuple[str, ...]
    row_labels: tuple[str, ...]
    col_ids: tuple[str, ...]
    col_labels: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # NaN where a score is unknown

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.row_ids), len(self.col_ids))


def heatmap_matrix(alignment: Alignment, framework: str | None = None) -> HeatmapData:
    """The score matrix behind a heatmap: local strategies × targets of ``framework``.

    ``framework`` defaults to ``national`` when aligned against it, else the first one.
    Rows are the local strategies (all items if the plan has no strategies). Scores come
    from ``ItemAlignment.scores`` (every target); without it, only ranked matches are
    known and the rest are NaN.

    >>> heatmap_matrix(al, "national").col_ids  # doctest: +SKIP
    ('NS1', 'NS2', 'NS3', 'NS4', 'NS5', 'NS6')
    """
    if not alignment.frameworks:
        raise KeyError("the alignment has no frameworks; align against at least one reference")
    name = framework or ordered_frameworks(alignment)[0]
    info = alignment.framework(name)
    rows = strategy_items(alignment)
    mixed = len({it.item.kind for it in rows}) > 1  # e.g. missions 1–7 and goals 1–15
    values: list[tuple[float, ...]] = []
    for it in rows:
        full: tuple[float, ...] = ()
        if it.scores and name in it.frameworks:
            full = it.scores_for(name)
        if len(full) == len(info.target_ids):
            values.append(tuple(float(v) for v in full))
            continue
        known = {m.target_id: m.score for m in it.for_framework(name)}
        values.append(tuple(float(known.get(t, float("nan"))) for t in info.target_ids))
    return HeatmapData(
        framework=name,
        framework_title=info.title or name,
        row_ids=tuple(it.item.id for it in rows),
        row_labels=tuple(
            f"{kind_th(it.item.kind)} {item_label(it)}" if mixed else item_label(it) for it in rows
        ),
        col_ids=info.target_ids,
        col_labels=info.target_titles,
        values=tuple(values),
    )


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    A crash or an exception never leaves a half-written report at ``path``.
    """
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(f"{p} is a directory; give a file path for the report")
    from ..fileio import atomic_write_file

    return atomic_write_file(p, write)


def criteria_th(al: Alignment) -> str:
    """The strength legend, from the cut-offs the alignment ran with (the score card's
    unless the user set their own): each label and the share of the item's evidence it
    needs."""
    th = al.thresholds
    return (
        f"{strength_th('strong')} ≥ {th.strong:.2f}; {strength_th('partial')} ≥ {th.partial:.2f}; "
        f"{strength_th('weak')} ≥ {th.weak:.2f}; ต่ำกว่านั้น = {strength_th('none')} "
        "(สัดส่วนหลักฐานของเป้าหมายในกรอบเดียวกัน 0.00–1.00; สอดคล้องมากและบางส่วนต้องมี"
        "หลักฐานสูงกว่าข้อความทั่วไปของท้องถิ่นด้วย — share of the item's evidence within the "
        "framework; strong and partial also need evidence above generic local text)"
    )


def method_rows(al: Alignment) -> list[tuple[str, str]]:
    """The method and settings, Thai first with English alongside, for the summary of
    every report (``al.method`` stays the full English statement)."""
    rows: list[tuple[str, str]] = []
    s = al.settings
    if s is not None:
        c = s.card
        rows.append(
            (
                "วิธีการ (method)",
                "เทียบความหมายด้วยแบบจำลองภาษา (ข้อความท้องถิ่นกับทุกข้อย่อยของเป้าหมาย เทียบกับ"
                "ข้อความทั่วไปของท้องถิ่น) ร่วมกับคำไทยที่ตรงกัน"
                + (f"; ใช้ยุทธศาสตร์แม่เป็นบริบท (น้ำหนัก {s.context_weight:g})" if s.context else "")
                + f"; ระดับความสอดคล้องจากสัดส่วนหลักฐาน (อุณหภูมิ {c.temperature:g}) — "
                "semantic similarity to every sub-item of a target, against generic local text, "
                "plus shared Thai words; strength from the share of the evidence",
            )
        )
    if al.method:
        rows.append(("รายละเอียดวิธีการ (method, English)", al.method))
    names = {"embedder": "แบบจำลองภาษา (embedder)", "settings": "รหัสค่าตั้ง (settings)"}
    rows += [(names.get(k, k), v) for k, v in al.meta]
    return rows
