"""A self-contained HTML alignment report in Thai.

One file, no network requests (inline CSS and JS, heatmaps as coloured HTML tables,
system Thai font stack, a Content-Security-Policy that forbids any fetch), every piece
of document text HTML-escaped. Tables can be sorted (click a header) and filtered (the
box above each table).

>>> write_html(al, "reports/khamong.html")  # doctest: +SKIP
PosixPath('reports/khamong.html')
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ._assets import _CSS, _JS, CSP
from ._common import (
    atomic_write,
    criteria_th,
    heat_rgb,
    heatmap_matrix,
    item_label,
    kind_th,
    method_rows,
    ordered_frameworks,
    strength_th,
)

if TYPE_CHECKING:
    from ..alignment.results import Alignment, ItemAlignment, LinkageCell

#: (html, sort value or None): a table cell whose html is already escaped.
Cell = tuple[str, "str | float | None"]


def _e(value: object) -> str:
    """HTML-escape any value for text *and* attribute context (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


def _fmt(score: float | None) -> str:
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "–"
    return f"{min(max(score, 0.0), 1.0):.2f}"


def _badge(strength: str) -> str:
    cls = strength if strength in ("strong", "partial", "weak", "none") else "none"
    return f'<span class="badge s-{cls}">{_e(strength_th(strength))}</span>'


def _num(score: float | None) -> Cell:
    return (_fmt(score), None if score is None else round(float(score), 6))


def _table(
    tid: str,
    headers: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str,
    filterable: bool = True,
) -> str:
    """A sortable table; ``headers`` are ``(label, "text"|"num")``, cells pre-escaped."""
    body: list[str] = []
    for row in rows:
        tds = []
        for (content, sort), (_, typ) in zip(row, headers, strict=True):
            cls = ' class="num"' if typ == "num" else ""
            dv = "" if sort is None else f' data-v="{_e(sort)}"'
            tds.append(f"<td{cls}{dv}>{content}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    if not body:
        return f'<p class="empty">{_e(caption)}: ไม่มีข้อมูล</p>'
    num_cls = ' class="num"'
    ths = "".join(
        f'<th scope="col" data-type="{t}"{num_cls if t == "num" else ""}>{_e(h)}</th>'
        for h, t in headers
    )
    tools = ""
    if filterable:
        tools = (
            f'<div class="tools"><input type="search" class="filter" data-table="{tid}" '
            f'placeholder="พิมพ์เพื่อกรองตาราง…" aria-label="กรอง: {_e(caption)}">'
            f'<span class="sub" data-count-for="{tid}"></span></div>'
        )
    return (
        f'{tools}<div class="wrap"><table id="{tid}" class="sortable data">'
        f"<caption hidden>{_e(caption)}</caption><thead><tr>{ths}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _item_cell(it: ItemAlignment) -> Cell:
    s = it.item
    label = item_label(it)
    extra = ""
    if s.text and s.text != s.title:
        extra = f'<div class="sub">{_e(s.text)}</div>'
    return (f"{_e(label)}{extra}", label)


def _summary(al: Alignment) -> str:
    kinds: dict[str, int] = {}
    for it in al.items:
        kinds[it.item.kind] = kinds.get(it.item.kind, 0) + 1
    by_kind = ", ".join(f"{kind_th(k)} {n}" for k, n in kinds.items()) or "—"
    fws = "; ".join(f"{f.title or f.name} ({len(f.target_ids)} รายการ)" for f in al.frameworks)
    kv = [
        ("หน่วยงาน", al.org or "—"),
        ("จังหวัด", al.province or "—"),
        ("แหล่งข้อมูล", al.source or "—"),
        ("จำนวนรายการที่วิเคราะห์", f"{len(al.items)} ({by_kind})"),
        ("กรอบอ้างอิงที่ใช้เทียบ", fws or "—"),
        ("เกณฑ์ระดับความสอดคล้อง (strength legend)", criteria_th(al)),
        *method_rows(al),
    ]
    rows = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in kv)
    orphans = al.orphans()
    cards = [
        ("รายการท้องถิ่น", str(len(al.items))),
        ("กรอบอ้างอิง", str(len(al.frameworks))),
        ("ช่องว่าง (ไม่มีรายการสนับสนุน)", str(len(al.gaps()))),
        ("รายการที่ไม่สอดคล้องกับกรอบใด", str(len(orphans))),
        ("ข้อความซ้ำกับ อปท. อื่น", str(len(al.near_duplicates))),
    ]
    card_html = "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards)
    per_fw: list[list[Cell]] = []
    for name in ordered_frameworks(al):
        f = al.framework(name)
        counts = dict.fromkeys(("strong", "partial", "weak", "none"), 0)
        for it in al.items:
            m = it.best(name)
            counts[m.strength if m and m.strength in counts else "none"] += 1
        cov = [c for c in al.coverage if c.framework == name]
        supported = sum(c.supported for c in cov)
        per_fw.append(
            [
                (_e(f.title or name), f.title or name),
                (str(len(f.target_ids)), len(f.target_ids)),
                (str(supported), supported),
                (str(len(cov) - supported), len(cov) - supported),
                *[(str(counts[s]), counts[s]) for s in ("strong", "partial", "weak", "none")],
            ]
        )
    heads = [
        ("กรอบอ้างอิง", "text"),
        ("จำนวนเป้าหมาย", "num"),
        ("ได้รับการสนับสนุน", "num"),
        ("ช่องว่าง", "num"),
        *[(f"อันดับ 1 {strength_th(s)}", "num") for s in ("strong", "partial", "weak", "none")],
    ]
    return (
        f'<section id="summary"><h2>สรุปผล</h2><div class="cards">{card_html}</div>'
        f'<table class="kv"><tbody>{rows}</tbody></table>'
        "<h3>สรุปตามกรอบอ้างอิง</h3>"
        + _table("t-frameworks", heads, per_fw, caption="สรุปตามกรอบอ้างอิง", filterable=False)
        + "</section>"
    )


def _col_label(k: int, tid: str) -> str:
    return tid if len(tid) <= 8 else str(k + 1)


def _row_word(al: Alignment) -> str:
    """What the heatmap rows are: local strategies, or all local items when none."""
    if any(it.item.kind == "strategy" for it in al.items):
        return "ยุทธศาสตร์ท้องถิ่น"
    return "รายการท้องถิ่น"


def _heatmaps(al: Alignment) -> str:
    if not al.items or not al.frameworks:
        return (
            '<section id="heatmap"><h2>แผนภาพความสอดคล้อง</h2><p class="empty">ไม่มีข้อมูล</p></section>'
        )
    rows_are = _row_word(al)
    parts = [
        '<section id="heatmap"><h2>แผนภาพความสอดคล้อง (heatmap)</h2>',
        f'<p class="sub">แถว = {rows_are}, คอลัมน์ = เป้าหมายของกรอบอ้างอิง; '
        "สีเข้ม = คะแนนสูง (0.00–1.00); กรอบสีส้ม = อันดับ 1 ของแถว</p>",
    ]
    for n, name in enumerate(ordered_frameworks(al)):
        hm = heatmap_matrix(al, name)
        heading = f"{rows_are} × {hm.framework_title}"
        cols = "".join(
            f'<th scope="col" class="col" title="{_e(tid)} {_e(t)}">{_e(_col_label(k, tid))}</th>'
            for k, (tid, t) in enumerate(zip(hm.col_ids, hm.col_labels, strict=True))
        )
        body = []
        for label, vals in zip(hm.row_labels, hm.values, strict=True):
            finite = [v for v in vals if not math.isnan(v)]
            top = max(finite) if finite else None
            tds = []
            for tid, t, v in zip(hm.col_ids, hm.col_labels, vals, strict=True):
                r, g, b = heat_rgb(v)
                fg = "#fff" if (not math.isnan(v) and v > 0.55) else "#1f2328"
                best = " best" if top is not None and v == top else ""
                tip = f"{tid} {t}: {_fmt(v)}"
                tds.append(
                    f'<td class="hmc{best}" style="background:#{r:02x}{g:02x}{b:02x};color:{fg}" '
                    f'title="{_e(tip)}">{_fmt(v)}</td>'
                )
            body.append(f'<tr><th scope="row">{_e(label)}</th>{"".join(tds)}</tr>')
        legend = "".join(
            f"<li><b>{_e(_col_label(k, tid))}</b> {_e(t)}</li>"
            for k, (tid, t) in enumerate(zip(hm.col_ids, hm.col_labels, strict=True))
        )
        parts.append(
            f'<h3 id="heatmap-{n}">{_e(heading)}</h3><div class="wrap"><table class="hm">'
            f'<thead><tr><th scope="col">{rows_are}</th>{cols}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div><ul class="legend">{legend}</ul>'
        )
    parts.append("</section>")
    return "".join(parts)


def _linkage(al: Alignment) -> str:
    columns: list[str] = []
    for row in al.linkage:
        for c in row.cells:
            if c.column not in columns:
                columns.append(c.column)
    heads = [("ยุทธศาสตร์ท้องถิ่น", "text"), *[(c, "text") for c in columns]]
    rows: list[list[Cell]] = []
    for row in al.linkage:
        s = row.strategy
        label = f"{s.number} {s.title}" if s.number else s.title
        cells: list[Cell] = [(_e(label), label)]
        by_col: dict[str, LinkageCell] = {}
        for c in row.cells:
            by_col.setdefault(c.column, c)
        for col in columns:
            found = by_col.get(col)
            if found is None or found.target_id is None:
                cells.append(("—", ""))
                continue
            cells.append(
                (
                    f"<b>{_e(found.target_id)}</b> {_e(found.title)}<br>"
                    f"{_badge(found.strength)} "
                    f'<span class="num" title="สัดส่วนหลักฐาน (share)">{_fmt(found.share)}</span>',
                    f"{found.target_id} {found.title}",
                )
            )
        rows.append(cells)
    return (
        '<section id="linkage"><h2>ตารางความเชื่อมโยง</h2>'
        '<p class="sub">ความเชื่อมโยงระหว่างยุทธศาสตร์ของ อปท. กับยุทธศาสตร์ระดับต่าง ๆ '
        "(ข้อเสนอที่ดีที่สุด ระดับความสอดคล้อง และสัดส่วนหลักฐานที่ใช้ตัดสินระดับ 0.00–1.00)</p>"
        + _table("t-linkage", heads, rows, caption="ตารางความเชื่อมโยง")
        + "</section>"
    )


def _evidence(al: Alignment) -> str:
    heads = [
        ("ลำดับ", "num"),
        ("รายการท้องถิ่น", "text"),
        ("ประเภท", "text"),
        ("กรอบอ้างอิง", "text"),
        ("อันดับ", "num"),
        ("เป้าหมายที่สอดคล้อง", "text"),
        ("ระดับ", "num"),
        ("สัดส่วนหลักฐาน (share)", "num"),
        ("ส่วนย่อยที่ตรงที่สุด", "text"),
        ("คำสำคัญร่วม", "text"),
    ]
    titles = {f.name: f.heading for f in al.frameworks}
    order = {"strong": 3, "partial": 2, "weak": 1, "none": 0}
    rows: list[list[Cell]] = []
    for i, it in enumerate(al.items, 1):
        item_cell = _item_cell(it)
        for name, ms in zip(it.frameworks, it.matches, strict=True):
            for m in ms:
                ev = m.evidence
                sub = (
                    f"<b>{_e(ev.sub_id)}</b> {_e(ev.sub_title)}" if ev.sub_id else _e(ev.sub_title)
                )
                if ev.context:
                    sub += f'<div class="sub">บริบท: {_e(ev.context)}</div>'
                terms = _e(", ".join(ev.shared_terms))
                if ev.related_terms:
                    terms += f'<div class="sub">คำที่เกี่ยวข้อง: {_e(", ".join(ev.related_terms))}</div>'
                rows.append(
                    [
                        (str(i), i),
                        item_cell,
                        (_e(kind_th(it.item.kind)), kind_th(it.item.kind)),
                        (_e(titles.get(name, name)), titles.get(name, name)),
                        (str(m.rank), m.rank),
                        (f"<b>{_e(m.target_id)}</b> {_e(m.target_title)}", m.target_id),
                        (_badge(m.strength), order.get(m.strength, 0)),
                        _num(m.share),
                        (sub, f"{ev.sub_id} {ev.sub_title}"),
                        (terms, ", ".join(ev.shared_terms)),
                    ]
                )
    return (
        '<section id="evidence"><h2>หลักฐานความสอดคล้องรายยุทธศาสตร์และกลยุทธ์</h2>'
        + _table("t-evidence", heads, rows, caption="หลักฐานความสอดคล้อง")
        + "</section>"
    )


def _coverage(al: Alignment) -> str:
    labels = {it.item.id: item_label(it) for it in al.items}
    fw_title = {f.name: f.heading for f in al.frameworks}
    heads = [
        ("กรอบอ้างอิง", "text"),
        ("เป้าหมาย", "text"),
        (strength_th("strong"), "num"),
        (strength_th("partial"), "num"),
        (strength_th("weak"), "num"),
        ("สัดส่วนหลักฐานสูงสุด (share)", "num"),
        ("รายการท้องถิ่นที่สนับสนุน", "text"),
        ("สถานะ", "text"),
    ]
    rows: list[list[Cell]] = []
    for c in al.coverage:
        sup = "<br>".join(_e(labels.get(s, s)) for s in c.supporters) or "—"
        status = (
            '<span class="badge ok">มีรายการสนับสนุน</span>'
            if c.supported
            else '<span class="badge gap">ช่องว่าง</span>'
        )
        name = fw_title.get(c.framework, c.framework)
        rows.append(
            [
                (_e(name), name),
                (f"<b>{_e(c.target_id)}</b> {_e(c.title)}", f"{c.target_id} {c.title}"),
                (str(c.strong), c.strong),
                (str(c.partial), c.partial),
                (str(c.weak), c.weak),
                _num(c.max_share),
                (sup, len(c.supporters)),
                (status, "1" if c.supported else "0"),
            ]
        )
    gaps = []
    for name in ordered_frameworks(al):
        g = al.gaps(name)
        if g:
            items = "; ".join(f"{c.target_id} {c.title}" for c in g)
            gaps.append(f"<li><b>{_e(fw_title.get(name, name))}</b>: {_e(items)}</li>")
    gap_html = f"<ul>{''.join(gaps)}</ul>" if gaps else '<p class="empty">ไม่มีช่องว่าง</p>'
    return (
        '<section id="coverage"><h2>ความครอบคลุมและช่องว่าง</h2>'
        "<h3>ช่องว่าง: เป้าหมายที่ยังไม่มีรายการท้องถิ่นสนับสนุน</h3>"
        + gap_html
        + "<h3>ความครอบคลุมรายเป้าหมาย</h3>"
        + _table("t-coverage", heads, rows, caption="ความครอบคลุม")
        + "</section>"
    )


def _orphans(al: Alignment) -> str:
    heads = [
        ("รายการท้องถิ่น", "text"),
        ("ประเภท", "text"),
        ("สัดส่วนหลักฐานสูงสุด (share)", "num"),
        ("เป้าหมายที่ใกล้ที่สุด", "text"),
    ]
    rows: list[list[Cell]] = []
    for it in al.orphans():
        best = max((ms[0] for ms in it.matches if ms), key=lambda m: m.share, default=None)
        near = f"{best.target_id} {best.target_title}" if best else "—"
        rows.append(
            [
                _item_cell(it),
                (_e(kind_th(it.item.kind)), kind_th(it.item.kind)),
                _num(best.share if best else None),
                (_e(near), near),
            ]
        )
    return (
        '<section id="orphans"><h2>รายการที่ไม่สอดคล้องกับกรอบใด</h2>'
        '<p class="sub">เป้าหมายอันดับแรกของทุกกรอบได้ระดับ "ไม่สอดคล้อง" '
        "— the top target of every framework is labelled none</p>"
        + _table("t-orphans", heads, rows, caption="รายการที่ไม่สอดคล้องกับกรอบใด")
        + "</section>"
    )


def _duplicates(al: Alignment) -> str:
    heads = [
        ("หน่วยงาน ก", "text"),
        ("ข้อความ ก", "text"),
        ("หน่วยงาน ข", "text"),
        ("ข้อความ ข", "text"),
        ("ความคล้าย", "num"),
    ]
    rows: list[list[Cell]] = [
        [
            (_e(d.a.org or "—"), d.a.org or ""),
            (_e(d.a.content), d.a.content),
            (_e(d.b.org or "—"), d.b.org or ""),
            (_e(d.b.content), d.b.content),
            _num(d.similarity),
        ]
        for d in al.near_duplicates
    ]
    return (
        '<section id="duplicates"><h2>ข้อความที่ซ้ำหรือใกล้เคียงกับ อปท. อื่น</h2>'
        + _table("t-duplicates", heads, rows, caption="ข้อความที่ซ้ำหรือใกล้เคียง")
        + "</section>"
    )


def render_html(alignment: Alignment, *, title: str | None = None) -> str:
    """The report as one HTML string (see :func:`write_html`)."""
    from ..version import __version__

    al = alignment
    if title is None:
        title = "รายงานความสอดคล้องของแผนพัฒนาท้องถิ่น"
        if al.org:
            title += f" — {al.org}"
    nav = [
        ("summary", "สรุปผล"),
        ("heatmap", "แผนภาพความสอดคล้อง"),
        ("linkage", "ตารางความเชื่อมโยง"),
        ("evidence", "หลักฐานความสอดคล้อง"),
        ("coverage", "ความครอบคลุมและช่องว่าง"),
        ("orphans", "รายการที่ไม่สอดคล้อง"),
        ("duplicates", "ข้อความซ้ำ"),
    ]
    nav_html = "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in nav)
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="th"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{_e(title)}</h1></header>",
            f'<nav aria-label="สารบัญ"><ul>{nav_html}</ul></nav><main>',
            _summary(al),
            _heatmaps(al),
            _linkage(al),
            _evidence(al),
            _coverage(al),
            _orphans(al),
            _duplicates(al),
            f"</main><footer>สร้างโดย plansearch {_e(__version__)} เมื่อ {_e(now)}</footer>",
            f"<script>{_JS}</script></body></html>\n",
        ]
    )


def write_html(alignment: Alignment, path: str | Path, *, title: str | None = None) -> Path:
    """Write the self-contained Thai HTML report to ``path`` (atomically) and return it.

    >>> write_html(al, "reports/อบต.โขมง.html")  # doctest: +SKIP
    PosixPath('reports/อบต.โขมง.html')
    """
    doc = render_html(alignment, title=title)

    def write(p: Path) -> None:
        p.write_text(doc, encoding="utf-8")

    return atomic_write(path, write)
