"""Pieces of the workspace layer: stable section keys, the quality report, upload names,
the shared index and the ผ.02 review blocks (no HTTP)."""

from __future__ import annotations

import pytest

from plansearch import parse_plan
from plansearch.frameworks import block_of, reference_from_dict
from plansearch.web.plans import assign_keys, quality_report
from plansearch.web.uploads import display_name, extension

PLAN = (
    "ยุทธศาสตร์ที่ 1 การพัฒนาด้านโครงสร้างพื้นฐาน\nแนวทางการพัฒนา\n"
    "1.1 ก่อสร้างถนนคอนกรีตเสริมเหล็ก\n1.2 พัฒนาแหล่งน้ำ\n"
    "ยุทธศาสตร์ที่ 2 การพัฒนาด้านสังคม\n"
)


def test_keys_survive_an_edit_elsewhere_in_the_document() -> None:
    a = assign_keys("p-1", parse_plan(PLAN).sections)
    b = assign_keys("p-1", parse_plan("หมายเหตุ\n" + PLAN.replace("แหล่งน้ำ", "แหล่งน้ำดิบ")).sections)
    ka = {s.title: s.id for s in a}
    kb = {s.title: s.id for s in b}
    assert ka["ก่อสร้างถนนคอนกรีตเสริมเหล็ก"] == kb["ก่อสร้างถนนคอนกรีตเสริมเหล็ก"]
    assert ka["พัฒนาแหล่งน้ำ"] not in kb.values()  # the edited section is a new one
    # parents are re-pointed to the keys
    tactic = next(s for s in a if s.title == "พัฒนาแหล่งน้ำ")
    assert tactic.parent_id == ka["การพัฒนาด้านโครงสร้างพื้นฐาน"]
    # another plan never shares a key
    assert not {s.id for s in a} & {s.id for s in assign_keys("p-2", parse_plan(PLAN).sections)}


def test_quality_report_names_what_to_check() -> None:
    sections = assign_keys("p-1", parse_plan(PLAN).sections)
    q = quality_report(sections)
    assert (q["strategies"], q["tactics"]) == (2, 2)
    second = next(s for s in sections if s.title == "การพัฒนาด้านสังคม")
    assert [i["key"] for i in q["issues"]] == [second.id]
    orphan = [s.with_(parent_id=None) if s.kind == "tactic" else s for s in sections]
    assert sum("ไม่ทราบว่าอยู่ใต้" in i["issue"] for i in quality_report(orphan)["issues"]) == 2


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\แผน 2567.docx", "แผน 2567.docx"),
        ("a\x00b<c>.txt", "a_b_c_.txt"),
        ("", "ข้อความที่วาง"),
        ("...", "ข้อความที่วาง"),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_extension_and_blocks() -> None:
    assert extension("แผน.DOCX") == ".docx" and extension("README") == ""
    assert block_of("national")[1] == "ก." and block_of("sdg")[1] == "ค."
    assert block_of("pao")[1] == "จ."
    own = reference_from_dict(
        {"name": "my_own", "level": "local", "items": [{"id": "a", "title": "x"}]}
    )
    assert block_of(own)[1] == "ช."
    # placed by its level, whatever its name: a province's strategies are block ง.
    prov = reference_from_dict(
        {"name": "chiangmai", "level": "province", "items": [{"id": "a", "title": "x"}]}
    )
    assert block_of(prov)[1] == "ง."


def test_warm_up_loads_the_model_and_index_in_the_background(tmp_path) -> None:
    from plansearch.web.workbench import Workbench

    wb = Workbench(tmp_path, embedder="hashing")
    wb.add_plan(PLAN.encode(), "แผน.txt")
    assert wb.search._index is None  # lazy: nothing loaded yet
    wb.warm_up().join(timeout=60)
    assert wb.search._index is not None and len(wb.search._index) == 4
    hits = wb.search.search("ถนนคอนกรีต", k=1)
    assert hits[0].section.title == "ก่อสร้างถนนคอนกรีตเสริมเหล็ก"
    wb.close()


def test_review_rows_hold_tactics_and_projects_under_their_strategy(tmp_path) -> None:
    from plansearch.web.review import plan_review
    from plansearch.web.workbench import Workbench

    text = (
        "ยุทธศาสตร์ที่ 1 การพัฒนาด้านโครงสร้างพื้นฐาน\nแนวทางการพัฒนา\n"
        "1.1 ก่อสร้างถนนคอนกรีตเสริมเหล็ก\nโครงการ\n"
        "1) โครงการก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ 3\n"
        "2) โครงการซ่อมแซมถนนลูกรัง หมู่ที่ 5\n"
        "ยุทธศาสตร์ที่ 2 การพัฒนาด้านสังคม\n"
    )
    wb = Workbench(tmp_path, embedder="hashing")
    try:
        pid = wb.add_plan(text.encode(), "แผน.txt")["id"]
        # the planner files the projects under their tactic (strategy → tactic → project)
        secs = wb.plans.plan(pid).sections
        tactic = next(x for x in secs if x.kind == "tactic")
        for project in [x for x in secs if x.kind == "project"]:
            wb.fix_section(pid, project.id, parent_key=tactic.id, who="ทดสอบ")
        wb.aligner.align(pid, ["national"])
        blocks = plan_review(wb, pid)["blocks"]
        first = next(b for b in blocks if b["strategy"] and "โครงสร้าง" in b["strategy"]["title"])
        kinds = [r["section"]["kind"] for r in first["rows"]]
        assert kinds.count("project") == 2 and "tactic" in kinds
        assert all(b["strategy"] is not None for b in blocks)  # nothing left unplaced
    finally:
        wb.close()


def test_policy_areas_head_review_blocks_like_strategies(tmp_path) -> None:
    """The registry's block model: a policy area plays the strategy role, so a
    policy-style plan gets a ผ.02 block per area with its policy items as rows."""
    from plansearch.frameworks import kinds_for
    from plansearch.web.review import plan_review
    from plansearch.web.workbench import Workbench

    assert "policy_area" in kinds_for("strategy")
    text = (
        "นโยบายของผู้บริหาร\n"
        "1. นโยบายด้านโครงสร้างพื้นฐาน\n"
        "1.1 ก่อสร้างและปรับปรุงถนนและท่อระบายน้ำในชุมชนให้ได้มาตรฐาน\n"
        "1.2 จัดให้มีไฟฟ้าสาธารณะให้ทั่วถึงทุกชุมชน\n"
        "2. นโยบายด้านสังคมและคุณภาพชีวิต\n"
        "2.1 ส่งเสริมและสนับสนุนสวัสดิการผู้สูงอายุ ผู้พิการ และผู้ด้อยโอกาส\n"
    )
    wb = Workbench(tmp_path, embedder="hashing")
    try:
        pid = wb.add_plan(text.encode(), "นโยบาย.txt")["id"]
        wb.aligner.align(pid, ["sdg"])
        blocks = plan_review(wb, pid)["blocks"]
        assert [b["strategy"]["kind"] for b in blocks] == ["policy_area", "policy_area"]
        assert blocks[0]["heading"] == "ด้านนโยบาย 1 นโยบายด้านโครงสร้างพื้นฐาน"
        assert [r["section"]["kind"] for r in blocks[0]["rows"]] == [
            "policy_area",
            "policy",
            "policy",
        ]
        assert [r["section"]["number"] for r in blocks[1]["rows"]] == ["2", "2.1"]
    finally:
        wb.close()


def test_plan_changes_reach_search_and_the_alignment_cache(tmp_path) -> None:
    """A new source hides removed sections from search and drops the cached alignment;
    a deleted plan leaves search and the cache."""
    from plansearch.web.db import NotFoundError
    from plansearch.web.workbench import Workbench

    wb = Workbench(tmp_path, embedder="hashing")
    try:
        pid = wb.add_plan(PLAN.encode(), "แผน.txt")["id"]
        first = wb.aligner.align(pid, ["national"])
        assert wb.aligner.aligned(pid) is first
        assert wb.search.search("แหล่งน้ำ", k=5)
        out = wb.add_plan(PLAN.replace("พัฒนาแหล่งน้ำ", "พัฒนาแหล่งน้ำดิบ").encode(), plan_id=pid)
        assert [c["title"] for c in out["changes"]["removed"]] == ["พัฒนาแหล่งน้ำ"]
        assert [c["title"] for c in out["changes"]["added"]] == ["พัฒนาแหล่งน้ำดิบ"]
        titles = {h.section.title for h in wb.search.search("แหล่งน้ำ", k=10)}
        assert "พัฒนาแหล่งน้ำ" not in titles and "พัฒนาแหล่งน้ำดิบ" in titles
        assert wb.aligner.stored(pid) is None  # not aligned on the new source until asked
        wb.delete_plan(pid)
        assert wb.search.search("แหล่งน้ำ", k=10) == []
        with pytest.raises(NotFoundError):
            wb.aligner.aligned(pid)
    finally:
        wb.close()
