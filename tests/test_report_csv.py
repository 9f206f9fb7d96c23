"""CSV export: one row per ranked match, Thai readable in Excel, no live formulas."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from alignment_factory import hostile_formulas, make_alignment

from plansearch.report.tables import is_formula_like, safe_cell, write_csv


def _formula_like(text: str) -> bool:  # independent of the module under test
    return text[:1] in ("\t", "\r") or text.lstrip()[:1] in tuple("=+-@\uff1d\uff0b\uff0d\uff20")


def _read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens Thai UTF-8 correctly
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_export_has_one_row_per_ranked_match(tmp_path: Path) -> None:
    al = make_alignment()
    rows = _read(write_csv(al, tmp_path / "a.csv"))
    assert rows[0][:3] == ["item_id", "org", "kind"]
    assert len(rows) - 1 == len(al.to_records())
    assert any("โขมง" in c for r in rows for c in r)


def test_csv_export_never_holds_a_live_formula(tmp_path: Path) -> None:
    al = hostile_formulas(make_alignment())
    rows = _read(write_csv(al, tmp_path / "hostile.csv"))
    cells = [c for r in rows[1:] for c in r]
    quoted = [c for c in cells if c.startswith("'") and _formula_like(c[1:])]
    assert len(quoted) > 100  # item text, target titles, framework names, terms…
    live = [c for c in cells if _formula_like(c)]
    assert live == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+66 81", "'+66 81"),
        ("-ส่งเสริม", "'-ส่งเสริม"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("   =1", "'   =1"),
        ("\u3000＝1", "'\u3000＝1"),
        ("＋1", "'＋1"),
        ("ส่งเสริม = พัฒนา", "ส่งเสริม = พัฒนา"),
        ("1.1 ถนน", "1.1 ถนน"),
        ("", ""),
    ],
)
def test_safe_cell(text: str, expected: str) -> None:
    assert safe_cell(text) == expected
    assert is_formula_like(text) == (expected != text)


def test_numbers_stay_numbers() -> None:
    assert safe_cell(-0.5) == -0.5 and safe_cell(None) is None


def test_report_modules_do_not_import_alignment() -> None:
    # report ↔ alignment import cycle (issue 12): reports depend on types and labels only
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import plansearch.report._common, plansearch.report.excel, plansearch.report.html\n"
        "import plansearch.report.heatmap, plansearch.report.tables\n"
        "print(sorted(m for m in sys.modules if m.startswith('plansearch.alignment')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
