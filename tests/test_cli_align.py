"""CLI: align, similar and run (the main job), with the fast hashing embedder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plansearch.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "corpus" / "raw" / "000_7c6bce5cff1fe495.txt"
SEED_001 = ROOT / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"
DATA = Path(__file__).parent / "data" / "index_sections.jsonl"


@pytest.mark.parametrize("cmd", ["ingest", "index", "search", "align", "similar", "run"])
def test_every_command_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([cmd, "--help"])
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_top_level_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("ingest", "index", "search", "align", "similar", "run"):
        assert cmd in out
    assert build_parser().prog == "plansearch"


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "xlsx"])
def test_align_writes_each_format(fmt, tmp_path, capsys):
    out = tmp_path / f"report.{fmt}"
    rc = main(
        [
            "align",
            str(SEED_000),
            "--against",
            "national",
            "sdg",
            "--format",
            fmt,
            "--out",
            str(out),
            "--embedder",
            "hashing",
        ]
    )
    assert rc == 0 and out.exists() and out.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "ยุทธศาสตร์ชาติ" in printed and "NS" in printed and str(out) in printed
    if fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert {f["name"] for f in data["frameworks"]} >= {"national", "sdg"}
    if fmt == "csv":
        assert "NS" in out.read_text(encoding="utf-8-sig")


def test_align_json_to_stdout_with_custom_reference(tmp_path, capsys):
    ref = tmp_path / "r.yaml"
    ref.write_text(
        "name: mine\nlevel: province\nitems:\n  - id: A\n    title: ถนนและแหล่งน้ำ\n"
        "  - id: B\n    title: การศึกษาและกีฬา\n",
        encoding="utf-8",
    )
    rc = main(["align", str(SEED_001), "--reference", str(ref), "--embedder", "hashing", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["name"] for f in data["frameworks"]] == ["mine"]
    assert len(data["items"]) == 21  # 5 strategic issues + 16 tactics


def test_align_statements_file(tmp_path, capsys):
    f = tmp_path / "s.txt"
    f.write_text("ก่อสร้างถนนคอนกรีต\n\nส่งเสริมการท่องเที่ยวชุมชน\n", encoding="utf-8")
    assert (
        main(
            [
                "align",
                str(f),
                "--statements",
                "--against",
                "national",
                "--embedder",
                "hashing",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [it["item"]["text"] for it in data["items"]] == [
        "ก่อสร้างถนนคอนกรีต",
        "ส่งเสริมการท่องเที่ยวชุมชน",
    ]


def test_align_errors_are_one_clean_line(tmp_path, capsys):
    assert main(["align", str(tmp_path / "missing.txt"), "--embedder", "hashing"]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevel: province\nitems:\n  - id: A\n", encoding="utf-8")
    assert main(["align", str(SEED_001), "--reference", str(bad), "--embedder", "hashing"]) == 2
    err = capsys.readouterr().err
    assert "title" in err and "Traceback" not in err
    assert main(["align", str(SEED_001), "--format", "html", "--embedder", "hashing"]) == 2


def test_similar_command(tmp_path, capsys):
    idx = tmp_path / "idx"
    assert main(["index", str(DATA), "--out", str(idx), "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "similar",
                "ประปาหมู่บ้าน",
                "--index",
                str(idx),
                "--k",
                "3",
                "--exclude-org",
                "อบต.โขมง",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    hits = [h for g in data["groups"] for h in g["hits"]]
    assert 0 < len(hits) <= 3 and all(h["org"] != "อบต.โขมง" for h in hits)
    assert main(["similar", "ประปาหมู่บ้าน", "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert "อบต." in out and "ด้าน (service area): การจัดให้มีน้ำสะอาดหรือการประปา" in out
    assert main(["similar", "ประปาหมู่บ้าน", "--index", str(idx), "--no-topics"]) == 0
    out = capsys.readouterr().out
    assert "อบต." in out and "ด้าน (service area):" not in out


def test_run_main_job_writes_reports(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_000, corpus)
    shutil.copy(SEED_001, corpus)
    out = tmp_path / "reports"
    rc = main(
        [
            "run",
            str(corpus),
            "--out",
            str(out),
            "--index",
            str(tmp_path / "idx"),
            "--embedder",
            "hashing",
        ]
    )
    assert rc == 0
    for ext in ("html", "xlsx", "png"):
        assert len(list(out.glob(f"*.{ext}"))) == 2
    assert (tmp_path / "idx" / "CURRENT").exists()  # a saved index (versioned layout)
    printed = capsys.readouterr().out
    assert "โขมง" in printed and "บ้านอ้อน" in printed
    # the national column never names a gap as a link: linked targets are partial or
    # stronger, weak-only ones are in brackets
    rows = [ln for ln in printed.splitlines() if ln.startswith("องค์การ")]
    assert len(rows) == 2
    for ln in rows:
        cols = ln.split()
        linked = set() if cols[2] == "-" else set(cols[2].split(","))
        gaps = set() if cols[-1] == "-" else set(cols[-1].split(","))
        assert not linked & gaps, ln
        assert linked | gaps <= {f"NS{i}" for i in range(1, 7)}, ln


def test_search_and_similar_share_their_defaults(tmp_path, capsys, monkeypatch) -> None:
    """Issue 21: ``similar`` no longer requires ``--index``; both read indexes/default
    and show at most the same number of results."""
    from plansearch.cli import build_parser

    parser = build_parser()
    search = parser.parse_args(["search", "ถนน"])
    similar = parser.parse_args(["similar", "ถนน"])
    assert (search.index, search.k) == (similar.index, similar.k) == ("indexes/default", 10)
    monkeypatch.chdir(tmp_path)
    assert main(["index", str(DATA), "--out", "indexes/default", "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["similar", "ประปาหมู่บ้าน"]) == 0  # no --index: the default index
    assert "อบต." in capsys.readouterr().out
    assert main(["search", "ประปาหมู่บ้าน"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.split()[:4] == ["#", "คะแนน/score", "หน่วยงาน/org", "ประเภท/kind"]
