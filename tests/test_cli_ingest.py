"""``plansearch ingest``: help, a real run on the seed corpus, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plansearch.cli import main
from plansearch.sections import read_jsonl
from plansearch.thai import display_width

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
    assert lines[0].split()[:4] == ["ไฟล์/file", "หน่วยงาน/org", "จังหวัด/province", "รวม/total"]
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
    assert "ระดับชาติ 5" in rows["000_7c6bce5cff1fe495.txt"]  # levels in Thai
    assert "กรม/หน่วยงานส่วนกลาง 67" in rows["004_a1e98dc7ddb37713.txt"]
    sections = read_jsonl(out_file)
    assert f"wrote {len(sections)} sections from 5 documents" in out
    # the total row adds up
    total_row = next(ln for ln in lines if ln.startswith("รวม 5 ฉบับ/documents"))
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
    assert "ไม่พบจังหวัด" in report and "province not found" in report
    # the 18 tactics under no strategy are one line with their count and first names
    line = next(ln for ln in report.splitlines() if "under no known strategy" in ln)
    assert line.lstrip().startswith("! กลยุทธ์/แนวทางไม่ทราบว่าอยู่ใต้ยุทธศาสตร์ใด")
    assert "×18" in line and "การพัฒนาเส้นทางคมนาคม" in line
    assert "001_f258f97c1c2e16fd.txt: พบ / found: ยุทธศาสตร์ 5, กลยุทธ์/แนวทาง 16" in report
    # the table counts each document's flags
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines()[2:7]}
    head = out.splitlines()[0].split()
    col = head.index("ข้อสังเกต/flags")
    assert rows["001_f258f97c1c2e16fd.txt"][col] == "0"
    assert rows["004_a1e98dc7ddb37713.txt"][col] == "20"


def test_ingest_policy_plan_counts_areas_and_items(capsys: pytest.CaptureFixture[str]) -> None:
    policy = ROOT / "tests" / "data" / "parse_municipal_policy.txt"
    assert main(["ingest", str(policy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    head, row = lines[0].split(), lines[2].split()
    cols = [head.index(h) for h in ("ด้าน/area", "นโยบาย/pol", "ข้อสังเกต/flags")]
    assert tuple(row[c] for c in cols) == (
        "7",
        "16",
        "0",
    )


def test_ingest_json_carries_every_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "sections.jsonl"
    assert main(["ingest", str(RAW), "--json", "--out", str(out_file)]) == 0
    captured = capsys.readouterr()
    docs = {Path(d["file"]).name: d for d in json.loads(captured.out)}
    assert len(docs) == 5 and "wrote" in captured.err  # stdout is the JSON alone
    q = docs["004_a1e98dc7ddb37713.txt"]["quality"]
    assert q["ok"] is False and q["strategies"] == 7
    codes = [f["code"] for f in q["flags"]]
    assert codes.count("tactic_without_strategy") == 18 and "province_not_found" in codes
    flag = q["flags"][codes.index("province_not_found")]
    assert flag["message"].startswith("ไม่พบจังหวัด") and "province" in flag["message_en"]
    assert docs["001_f258f97c1c2e16fd.txt"]["quality"]["ok"] is True
    assert docs["000_7c6bce5cff1fe495.txt"]["quality"]["counts"]["policy_area"] == 6
