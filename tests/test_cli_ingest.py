"""``plansearch ingest``: help, a real run on the seed corpus, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plansearch.cli import main
from plansearch.cli.ingest import display_width
from plansearch.sections import read_jsonl

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "corpus" / "raw"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: plansearch ingest" in out
    assert "--out" in out and "--strict" in out and "--max-mb" in out


def test_ingest_seed_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "sections.jsonl"
    assert main(["ingest", str(RAW), "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["file", "org", "province", "total"]
    rows = {ln.split()[0]: ln for ln in lines[2:7]}
    assert set(rows) == {p.name for p in RAW.glob("*.txt")}
    for name, org, province in [
        ("000_7c6bce5cff1fe495.txt", "โขมง", "จันทบุรี"),
        ("001_f258f97c1c2e16fd.txt", "บ้านอ้อน", "ลำปาง"),
        ("002_986976bac49e1d1d.txt", "จอมทอง", "พิษณุโลก"),
        ("003_15a60f9e2bf40418.txt", "หนองฮาง", "อุบลราชธานี"),
        ("004_a1e98dc7ddb37713.txt", "ท้ายเหมือง", "-"),
    ]:
        assert org in rows[name] and province in rows[name]
    assert "national 5" in rows["000_7c6bce5cff1fe495.txt"]
    assert "department 67" in rows["004_a1e98dc7ddb37713.txt"]
    sections = read_jsonl(out_file)
    assert f"wrote {len(sections)} sections from 5 documents" in out
    # the total row adds up
    total_row = next(ln for ln in lines if ln.startswith("5 documents"))
    assert str(len(sections)) in total_row.split()
    # the table is aligned: every row has the same display width up to the levels column
    widths = {display_width(ln[: ln.rfind("  ")]) for ln in lines[2:8]}
    assert len(widths) == 1


def test_ingest_reports_skipped_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plan.txt").write_text("พันธกิจ\n1. พัฒนาแหล่งน้ำ\n", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["ingest", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "broken.txt" in captured.err
    assert "plan.txt" in captured.out and "1 document(s) skipped" in captured.out
    assert main(["ingest", str(tmp_path), "--strict"]) == 2
    assert "--strict" in capsys.readouterr().err


def test_ingest_errors_are_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plansearch: error:") and "no such" in err
    assert "Traceback" not in err


def test_console_entry_point_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "plansearch", "ingest", str(RAW / "003_15a60f9e2bf40418.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "องค์การบริหารส่วนตำบลหนองฮาง" in proc.stdout


def test_ingest_prints_each_documents_parse_quality(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(ROOT / "corpus" / "raw")]) == 0
    out = capsys.readouterr().out
    assert "parse quality" in out
    # seed 004 quotes no province and lists tactics without their strategy: both flagged
    report = out.split("parse quality:", 1)[1]
    assert "004_a1e98dc7ddb37713.txt: พบ / found:" in report
    assert "province not found" in report and "without a parent strategy" in report
