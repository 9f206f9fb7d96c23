"""The registry owns every fact about a framework; adding one is adding data.

A framework added as a JSON file in a folder named by ``$PLANSEARCH_FRAMEWORKS`` appears
in ``align``, in the workbench's ผ.02 columns and in the reports with no code change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import plansearch
from plansearch.errors import ReferenceFormatError, UnknownReferenceError
from plansearch.frameworks import (
    block_of,
    column_of,
    default_frameworks,
    defaults_for,
    describe,
    framework_info,
    quoted_levels,
    reference_from_dict,
    resolve,
    targets_of,
)
from plansearch.frameworks.registry import discover

SEED_001 = Path(__file__).parent.parent / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"

DEMO = {
    "format": 1,
    "name": "regional",
    "title": "แผนพัฒนาภาคตะวันออกเฉียงเหนือ (ทดลอง)",
    "level": "provincial_group",
    "linkage": {
        "letter": "ง.",
        "heading": "แผนพัฒนาภาค",
        "column": "ยุทธศาสตร์แผนพัฒนาภาค",
        "order": 39,
    },
    "default": True,
    "source": "test fixture",
    "items": [
        {
            "id": "R1",
            "title": "พัฒนาการท่องเที่ยวเชิงวัฒนธรรมและเศรษฐกิจสร้างสรรค์",
            "text": "ส่งเสริมแหล่งท่องเที่ยวชุมชน ประเพณีท้องถิ่น และผลิตภัณฑ์ชุมชน",
        },
        {
            "id": "R2",
            "title": "บริหารจัดการน้ำและโครงสร้างพื้นฐานเพื่อการเกษตร",
            "text": "แหล่งน้ำ ระบบชลประทาน ถนนเพื่อการเกษตร ไฟฟ้าและประปาหมู่บ้าน",
        },
    ],
}


@pytest.fixture
def added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "regional.json").write_text(json.dumps(DEMO, ensure_ascii=False), "utf-8")
    monkeypatch.setenv("PLANSEARCH_FRAMEWORKS", str(folder))
    return folder


def test_facts_come_from_the_registry() -> None:
    assert default_frameworks() == ("national", "nesdp13", "sdg", "dla")
    assert defaults_for(None) == ["national", "nesdp13", "sdg", "dla"]
    assert quoted_levels() == ("provincial_group", "province", "pao")
    assert [block_of(n)[1] for n in ("national", "masterplan", "nesdp13", "sdg", "dla")] == [
        "ก.",
        "ก.",
        "ข.",
        "ค.",
        "ฉ.",
    ]
    assert column_of("masterplan") == "แผนแม่บทภายใต้ยุทธศาสตร์ชาติ"
    # the targets align scores: milestones under NESDP-13's dimensions, master plans
    assert [t.type for t in targets_of("nesdp13")] == ["milestone"] * 13
    assert len(targets_of("masterplan")) == 23 and len(targets_of("sdg")) == 17
    space = {s.name: s for s in resolve(["national", "nesdp13"])}
    assert tuple(t.id for t in targets_of("nesdp13")) == space["nesdp13"].target_ids
    assert tuple(t.id for t in targets_of("masterplan")) == space["masterplan"].target_ids


@pytest.mark.parametrize(
    ("level", "letter"),
    [
        ("province", "ง."),
        ("provincial_group", "ง."),
        ("pao", "จ."),
        ("local", "ช."),
        ("department", "ช."),
    ],
)
def test_other_frameworks_are_placed_by_their_level(level: str, letter: str) -> None:
    ref = reference_from_dict(
        {"name": "mine", "level": level, "items": [{"id": "a", "title": "ก"}]}
    )
    info = describe(ref)
    assert info.letter == letter and not info.builtin
    if letter == "ช.":  # the organisation's own framework: its own title heads the block
        assert info.heading == ref.title
    with pytest.raises(UnknownReferenceError):
        describe("no-such-framework")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("linkage", "ก."),
        ("linkage", {"letter": ""}),
        ("linkage", {"order": "1"}),
        ("linkage", {"colour": "red"}),
        ("default", "yes"),
    ],
)
def test_linkage_facts_are_validated(tmp_path: Path, field: str, value: object) -> None:
    bad = {**DEMO, field: value}
    (tmp_path / "regional.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    with pytest.raises(ReferenceFormatError, match=field):
        discover(tmp_path)


def test_a_missing_or_clashing_framework_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANSEARCH_FRAMEWORKS", str(tmp_path / "nowhere"))
    with pytest.raises(ReferenceFormatError, match="PLANSEARCH_FRAMEWORKS"):
        plansearch.available_references()
    (tmp_path / "sdg.json").write_text(json.dumps({**DEMO, "name": "sdg"}), "utf-8")
    monkeypatch.setenv("PLANSEARCH_FRAMEWORKS", str(tmp_path))
    with pytest.raises(ReferenceFormatError, match="already"):
        plansearch.available_references()


def test_an_added_framework_is_aligned_by_default(added: Path, hashing) -> None:
    assert "regional" in plansearch.available_references()
    info = framework_info("regional")
    assert (info.letter, info.column, info.default) == ("ง.", "ยุทธศาสตร์แผนพัฒนาภาค", True)
    plan = plansearch.parse_plan(SEED_001)
    al = plansearch.align(plan, embedder=hashing)
    assert "regional" in al.framework_names
    assert al.framework("regional").column == "ยุทธศาสตร์แผนพัฒนาภาค"
    assert {m.target_id for it in al.items for m in it.for_framework("regional")} <= {"R1", "R2"}


def test_an_added_framework_reaches_the_reports(added: Path, hashing, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    plan = plansearch.parse_plan(SEED_001)
    al = plansearch.align(plan, embedder=hashing)
    html = plansearch.write_report(al, tmp_path / "r.html").read_text("utf-8")
    assert "ยุทธศาสตร์แผนพัฒนาภาค" in html
    wb = load_workbook(plansearch.write_report(al, tmp_path / "r.xlsx"), read_only=True)
    cells = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row}
    wb.close()
    assert any("ยุทธศาสตร์แผนพัฒนาภาค" in c or "regional" in c for c in cells)


def test_an_added_framework_is_a_column_of_the_workbench(added: Path, tmp_path: Path) -> None:
    from plansearch.web.app import create_app

    token = "t" * 32
    app = create_app(tmp_path / "ws", embedder="hashing", token=token)
    headers = {"X-PlanSearch-Token": token}
    with TestClient(app, base_url="http://127.0.0.1") as c:
        files = {"file": (SEED_001.name, SEED_001.read_bytes())}
        pid = c.post("/api/plans", files=files, headers=headers).json()["id"]
        review = c.post(f"/api/plans/{pid}/align", json={}, headers=headers).json()
    app.state.workbench.close()
    cols = {f["name"]: f for f in review["frameworks"]}
    assert cols["regional"]["letter"] == "ง." and cols["regional"]["heading"] == "แผนพัฒนาภาค"
    names = [f["name"] for f in review["frameworks"]]
    assert names.index("sdg") < names.index("regional") < names.index("dla")  # ค. < ง. < ฉ.
