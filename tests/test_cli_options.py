"""CLI happy paths for the newer options and the output rules.

``--org``/``--province`` on every command that parses a plan, ``--k`` (and the
``--k``), statements in Thai encodings, safe replacement of an existing
output file, the real ``/dev/full`` refused, and the one-line report of a bug.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from plansearch.cli import main
from plansearch.cli._output import write_file
from plansearch.errors import InputError
from plansearch.sections import read_jsonl

# A plan that names neither its organisation nor its province.
ANONYMOUS_PLAN = (
    "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\n"
    "แนวทางการพัฒนา\n"
    "1.1 ส่งเสริมอาชีพและรายได้ของประชาชน\n"
    "ยุทธศาสตร์ที่ 2 การพัฒนาด้านโครงสร้างพื้นฐาน\n"
    "แนวทางการพัฒนา\n"
    "2.1 ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน\n"
)
ORG = "องค์การบริหารส่วนตำบลตัวอย่าง"
H = ["--embedder", "hashing"]


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    f = tmp_path / "anonymous.txt"
    f.write_text(ANONYMOUS_PLAN, encoding="utf-8")
    return f


def test_ingest_org_and_province_override(plan: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.jsonl"
    assert main(["ingest", str(plan), "--out", str(out)]) == 0
    assert {(s.org, s.province) for s in read_jsonl(out)} == {(None, None)}
    capsys.readouterr()
    args = ["ingest", str(plan), "--org", "อบต.ตัวอย่าง", "--province", "จ.เลย", "--out", str(out)]
    assert main(args) == 0
    assert {(s.org, s.province) for s in read_jsonl(out)} == {(ORG, "เลย")}
    printed = capsys.readouterr().out
    assert ORG in printed and "เลย" in printed


@pytest.mark.parametrize("spelling", ["เลย", "จังหวัดเลย", "จ.เลย", "จ. เลย"])
def test_province_spellings_are_one_province(plan: Path, tmp_path: Path, spelling: str) -> None:
    out = tmp_path / "s.jsonl"
    assert main(["ingest", str(plan), "--province", spelling, "--out", str(out)]) == 0
    assert {s.province for s in read_jsonl(out)} == {"เลย"}


def test_index_with_org_then_search_by_its_filters(plan: Path, tmp_path: Path, capsys) -> None:
    idx = tmp_path / "idx"
    args = ["index", str(plan), "--out", str(idx), "--org", "อบต.ตัวอย่าง", "--province", "เลย"]
    assert main([*args, *H, "-q"]) == 0
    for flt in (["--province", "จังหวัดเลย"], ["--org", "อบต.ตัวอย่าง"], ["--level", "local"]):
        capsys.readouterr()
        assert main(["search", "อาชีพ", "--index", str(idx), "--k", "3", "--json", *flt]) == 0
        hits = json.loads(capsys.readouterr().out)
        assert hits and {h["section"]["org"] for h in hits} == {ORG}
        assert {h["section"]["province"] for h in hits} == {"เลย"}


def test_align_org_province_and_k(plan: Path, capsys) -> None:
    args = ["align", str(plan), "--against", "sdg", "--org", "อบต.ตัวอย่าง", "--province", "เลย"]
    assert main([*args, "--k", "2", "--json", *H]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert (data["org"], data["province"]) == (ORG, "เลย")
    assert captured.err == ""
    ranked = [m for it in data["items"] for m in it["matches"]["sdg"]]
    assert ranked and all(len(it["matches"]["sdg"]) == 2 for it in data["items"])
    # without --json (and --out) the short Thai/English table is printed instead
    assert main([*args, "--k", "2", *H]) == 0
    table = capsys.readouterr().out
    assert "เป้าหมายการพัฒนาที่ยั่งยืน (SDGs)" in table and "--json" in table
    assert not table.lstrip().startswith("{")


def test_run_with_org(plan: Path, tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    plan.rename(corpus / plan.name)
    out = tmp_path / "reports"
    args = ["run", str(corpus), "--out", str(out), "--org", "อบต.ตัวอย่าง", "--k", "2", *H]
    assert main(args) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"anonymous_อบตตัวอย่าง.{ext}" for ext in ("html", "png", "xlsx")]
    assert ORG in capsys.readouterr().out


@pytest.mark.parametrize("encoding", ["cp874", "utf-16", "utf-8-sig"])
def test_statements_in_thai_encodings(tmp_path: Path, capsys, encoding: str) -> None:
    f = tmp_path / "s.txt"
    f.write_bytes("ก่อสร้างถนนคอนกรีต\n\nส่งเสริมอาชีพผู้สูงอายุ\n".encode(encoding))
    assert main(["align", str(f), "--statements", "--against", "sdg", "--json", *H]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [it["item"]["text"] for it in data["items"]] == [
        "ก่อสร้างถนนคอนกรีต",
        "ส่งเสริมอาชีพผู้สูงอายุ",
    ]


def test_existing_output_file_is_replaced_keeping_its_mode(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "r.json"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert main(["align", str(plan), "--against", "sdg", "--out", str(out), *H]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["frameworks"][0]["name"] == "sdg"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in out.parent.iterdir()] == ["r.json"]  # no temporary file left


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_real_devices_are_refused_and_untouched(plan: Path, device: str, capsys) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    before = os.lstat(device)
    assert main(["ingest", str(plan), "--out", device]) == 2
    args = ["align", str(plan), "--against", "sdg", "--format", "json", "--out", device, *H]
    assert main(args) == 2
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    err = capsys.readouterr().err
    assert "a device" in err and "not a regular file" in err


def test_failed_write_leaves_the_target_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("เดิม", encoding="utf-8")

    def broken(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise InputError("writer failed")

    with pytest.raises(InputError, match="writer failed"):
        write_file(target, broken)
    assert target.read_text(encoding="utf-8") == "เดิม"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_search_level_lists_the_valid_levels(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["search", "ถนน", "--level", "bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for level in ("local", "national", "province"):
        assert level in err


def test_a_bug_is_one_line_and_exit_1(monkeypatch, tmp_path: Path, capsys) -> None:
    import plansearch.cli.search as search_cli

    def boom(value: str, **kw: object) -> str:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(search_cli, "query_text", boom)
    monkeypatch.delenv("PLANSEARCH_DEBUG", raising=False)
    assert main(["search", "ถนน", "--index", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "simulated bug" in err
    monkeypatch.setenv("PLANSEARCH_DEBUG", "1")
    with pytest.raises(RuntimeError, match="simulated bug"):
        main(["search", "ถนน", "--index", str(tmp_path)])


def test_a_cp874_plan_is_read_by_ingest_and_index(tmp_path: Path, capsys) -> None:
    f = tmp_path / "plan_cp874.txt"
    f.write_bytes(ANONYMOUS_PLAN.encode("cp874"))
    assert main(["ingest", str(f), "--org", "อบต.ตัวอย่าง"]) == 0
    assert ORG in capsys.readouterr().out
    assert main(["index", str(f), "--out", str(tmp_path / "idx"), *H, "-q"]) == 0
    assert main(["search", "ถนนคอนกรีต", "--index", str(tmp_path / "idx"), "--k", "1"]) == 0
    assert "ถนนคอนกรีต" in capsys.readouterr().out


def test_run_writes_every_report_when_a_title_holds_tex_like_text(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_plain.txt").write_text(ANONYMOUS_PLAN, encoding="utf-8")
    hostile = ANONYMOUS_PLAN.replace("การพัฒนาด้านเศรษฐกิจ", "ส่งเสริม $x^{2$ การเกษตร")
    (corpus / "b_hostile.txt").write_text(hostile, encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", str(corpus), "--out", str(out), *H]) == 0
    suffixes = sorted(p.suffix for p in out.iterdir())
    assert suffixes == [".html", ".html", ".png", ".png", ".xlsx", ".xlsx"]
