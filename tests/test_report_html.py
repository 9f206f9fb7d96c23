"""HTML report: self-contained, Thai, escaped, with every section."""

from __future__ import annotations

import re

from alignment_factory import ATTR_BREAK, XSS_IMG, XSS_SCRIPT, make_alignment

from plansearch.report.html import render_html, write_html


def test_html_is_self_contained_thai_and_complete(tmp_path):
    al = make_alignment()
    path = write_html(al, tmp_path / "r.html")
    doc = path.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="th">' in doc
    for heading in (
        "สรุปผล",
        "แผนภาพความสอดคล้อง",
        "ตารางความเชื่อมโยง",
        "หลักฐานความสอดคล้อง",
        "ความครอบคลุมและช่องว่าง",
        "ยุทธศาสตร์ชาติ",
    ):
        assert heading in doc
    # no network: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", doc)
    assert "@import" not in doc and "url(" not in doc
    assert "Content-Security-Policy" in doc and "default-src &#x27;none&#x27;" in doc
    assert "Noto Sans Thai" in doc and "Loma" in doc  # system Thai font stack


def test_all_document_text_is_escaped():
    doc = render_html(make_alignment())
    for payload in (XSS_SCRIPT, XSS_IMG, ATTR_BREAK):
        assert payload not in doc
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in doc
    # exactly one script element: the report's own
    assert doc.count("<script>") == 1


def test_empty_alignment_still_renders(tmp_path):
    al = make_alignment(with_items=False)
    doc = write_html(al, tmp_path / "e.html").read_text(encoding="utf-8")
    assert "ไม่มีข้อมูล" in doc or "ไม่มีรายการ" in doc


def test_write_is_atomic_on_error(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("pathlib.Path.write_text", boom)
    try:
        write_html(make_alignment(), target)
    except OSError:
        pass
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_scores_labels_and_linkage_columns():
    al = make_alignment()
    doc = render_html(al, title='รายงาน <b>"ทดสอบ"</b>')
    assert "<title>รายงาน &lt;b&gt;&quot;ทดสอบ&quot;&lt;/b&gt;</title>" in doc
    for th in ("ยุทธศาสตร์ชาติ", "แผนแม่บท", "หมุดหมาย", "SDG", "ยุทธศาสตร์จังหวัด"):
        assert f">{th}</th>" in doc
    assert ">ยุทธศาสตร์ อปท.ในเขตจังหวัด</th>" in doc
    best = al.items[0].best("national")
    assert best is not None and f"{best.score:.2f}" in doc  # scores shown as 0.00–1.00
    for label in ("สอดคล้องมาก", "สอดคล้องบางส่วน", "ไม่สอดคล้อง"):
        assert label in doc
    # one linkage row per local strategy, one heatmap per framework
    link = doc.split('id="t-linkage"', 1)[1].split("</table>", 1)[0]
    assert link.count("<tr>") == len(al.linkage) + 1
    assert doc.count('<table class="hm">') == len(al.frameworks)
    # every gap is listed
    for gap in al.gaps():
        assert gap.target_id in doc.split('id="coverage"', 1)[1]


def test_heatmap_rows_are_all_items_when_the_plan_has_no_strategies():
    from dataclasses import replace

    al = make_alignment()
    items = tuple(replace(it, item=replace(it.item, kind="goal")) for it in al.items)
    doc = render_html(replace(al, items=items, linkage=()))
    assert "รายการท้องถิ่น × ยุทธศาสตร์ชาติ" in doc
    body = doc.split('<table class="hm">', 1)[1].split("</tbody>", 1)[0]
    assert body.count('<th scope="row">') == len(items)
