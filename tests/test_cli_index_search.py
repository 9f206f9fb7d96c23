"""``plansearch index`` and ``plansearch search`` end to end on a tiny fixture set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plansearch.cli import main
from plansearch.cli.search import display_width, fit

DATA = Path(__file__).parent / "data" / "index_sections.jsonl"


@pytest.mark.parametrize("command", ["index", "search"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: plansearch {command}" in out
    assert "--json" in out if command == "search" else "--out" in out


@pytest.fixture()
def built(tmp_path, capsys) -> Path:
    out = tmp_path / "idx"
    assert main(["index", str(DATA), "--out", str(out), "--embedder", "hashing"]) == 0
    err = capsys.readouterr().err
    assert "indexed 16 sections from 4 organisations" in err
    return out


def test_index_then_search_table(built, capsys):
    assert main(["search", "น้ำประปาหมู่บ้าน", "--index", str(built), "--k", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["#", "คะแนน/score", "หน่วยงาน/org", "ประเภท/kind"]
    assert len(out) == 2 + 3
    assert "ประปา" in out[2]
    # Thai marks take no columns: every row's "org" column starts at the same display column
    starts = {
        display_width(line[: line.index("อบต.") if "อบต." in line else 0]) for line in out[2:]
    }
    assert len(starts - {0}) <= 1


def test_search_json_and_filters(built, capsys):
    args = ["search", "ขยะ", "--index", str(built), "--k", "2", "--province", "ลำปาง", "--json"]
    assert main(args) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2
    assert all(h["section"]["province"] == "ลำปาง" for h in hits)
    assert [h["rank"] for h in hits] == [1, 2]
    assert {"score", "dense", "lexical", "section"} <= set(hits[0])
    args = [
        "search",
        "ถนน",
        "--index",
        str(built),
        "--kind",
        "goal",
        "--kind",
        "strategy",
        "--mode",
        "dense",
        "--k",
        "10",
        "--keep-weak",
        "--json",
    ]
    assert main(args) == 0
    kinds = {h["section"]["kind"] for h in json.loads(capsys.readouterr().out)}
    assert kinds == {"goal", "strategy"}
    # without --keep-weak the results stop where relevance ends (a fifth of the best)
    assert main([*args[:-2], "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert 0 < len(hits) < 10 and all(h["score"] >= 0.2 * hits[0]["score"] for h in hits)


def test_search_errors_are_clean(built, tmp_path, capsys):
    assert main(["search", "ถนน", "--index", str(tmp_path / "none")]) == 2
    assert "no index at" in capsys.readouterr().err
    assert main(["search", "  ", "--index", str(built)]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["search", "ถนน", "--index", str(built), "--embedder", "hashing:64"]) == 2
    assert "HashingEmbedder(384)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["search", "ถนน", "--index", str(built), "--k", "0"])
    assert (
        main(
            [
                "index",
                str(tmp_path / "missing.jsonl"),
                "--out",
                str(tmp_path / "x"),
                "--embedder",
                "hashing",
            ]
        )
        == 2
    )


def test_search_no_results(built, capsys):
    assert main(["search", "ดาวเทียม", "--index", str(built), "--mode", "lexical"]) == 0
    assert "no results" in capsys.readouterr().out


def test_fit_pads_by_display_width():
    assert display_width("ผู้สูงอายุ") == 6
    for text in ("น้ำประปาหมู่บ้าน", "abc", "ผู้สูงอายุ"):
        assert display_width(fit(text, 8)) == 8
