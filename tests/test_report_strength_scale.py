"""One scale for strength: the number beside a label is the share the label is cut from,
and the legend states the cut-offs the alignment ran with (issue 21)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import plansearch
from plansearch.labels import STRENGTH_TH
from plansearch.report._common import strength_th

SEED_000 = Path(__file__).parent.parent / "corpus" / "raw" / "000_7c6bce5cff1fe495.txt"
TH_TO_CODE = {v: k for k, v in STRENGTH_TH.items()}


def consistent(strength: str, share: float, th: plansearch.Thresholds) -> bool:
    """A label never claims more than its share allows (the evidence rules only lower a
    label, and lift a top link to at most "weak")."""
    need = {"strong": th.strong, "partial": th.partial}.get(strength)
    if need is not None:
        return share >= need - 5e-3  # shares are printed with two decimals
    if strength == "none":
        return share < th.weak + 5e-3
    return True  # weak: from the share, or a top link that beats generic local text


@pytest.fixture(scope="module")
def alignment(hashing):
    return plansearch.align(plansearch.parse_plan(SEED_000), embedder=hashing)


def test_matches_agree_with_their_shares(alignment) -> None:
    th = alignment.thresholds
    assert th == alignment.settings.effective_thresholds
    for it in alignment.items:
        for ms in it.matches:
            for m in ms:
                assert consistent(m.strength, m.share, th), (m.target_id, m.strength, m.share)
    for row in alignment.linkage:
        for c in row.cells:
            assert consistent(c.strength, c.share, th)


def test_html_report_shows_shares_beside_labels(alignment, tmp_path: Path) -> None:
    text = plansearch.write_report(alignment, tmp_path / "r.html").read_text("utf-8")
    th = alignment.thresholds
    assert f"{STRENGTH_TH['strong']} ≥ {th.strong:.2f}" in html.unescape(text)
    section = text[text.index('id="linkage"') : text.index('id="evidence"')]
    pairs = re.findall(
        r'<span class="badge[^"]*">([^<]+)</span> <span class="num"[^>]*>([0-9.]+)</span>',
        section,
    )
    assert len(pairs) == sum(1 for r in alignment.linkage for c in r.cells if c.target_id)
    for label, number in pairs:
        assert consistent(TH_TO_CODE[html.unescape(label)], float(number), th), (label, number)


def test_excel_report_shows_shares_beside_labels(alignment, tmp_path: Path) -> None:
    wb = load_workbook(plansearch.write_report(alignment, tmp_path / "r.xlsx"), read_only=True)
    rows = list(wb["ตารางความเชื่อมโยง"].iter_rows(values_only=True))
    summary = {r[0]: r[1] for r in wb["สรุป"].iter_rows(values_only=True)}
    wb.close()
    th = alignment.thresholds
    legend = summary["เกณฑ์ระดับความสอดคล้อง (strength legend)"]
    assert f"{strength_th('strong')} ≥ {th.strong:.2f}" in legend
    seen = 0
    for row in rows[1:]:
        for k in range(1, len(row), 3):
            label, share = row[k + 1], row[k + 2]
            if share is None:
                continue
            assert consistent(TH_TO_CODE[label], share, th), (label, share)
            seen += 1
    assert seen == sum(1 for r in alignment.linkage for c in r.cells if c.target_id)
