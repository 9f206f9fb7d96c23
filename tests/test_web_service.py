"""Pieces of the workbench core: stable section keys, the quality report, upload names."""

from __future__ import annotations

import pytest

from plansearch import parse_plan
from plansearch.frameworks import block_of, reference_from_dict
from plansearch.web.service import assign_keys, quality_report
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
    from plansearch.web.service import Workbench

    wb = Workbench(tmp_path, embedder="hashing")
    wb.add_plan(PLAN.encode(), "แผน.txt")
    assert wb._index is None  # lazy: nothing loaded yet
    wb.warm_up().join(timeout=60)
    assert wb._index is not None and len(wb._index) == 4
    assert wb.search("ถนนคอนกรีต", k=1)[0].section.title == "ก่อสร้างถนนคอนกรีตเสริมเหล็ก"
    wb.close()


def test_review_rows_hold_tactics_and_projects_under_their_strategy(tmp_path) -> None:
    from plansearch.web.service import Workbench

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
        secs = wb.plan(pid).sections
        tactic = next(x for x in secs if x.kind == "tactic")
        for project in [x for x in secs if x.kind == "project"]:
            wb.fix_section(pid, project.id, parent_key=tactic.id, who="ทดสอบ")
        wb.align(pid, ["national"])
        blocks = wb.review(pid)["blocks"]
        first = next(b for b in blocks if b["strategy"] and "โครงสร้าง" in b["strategy"]["title"])
        kinds = [r["section"]["kind"] for r in first["rows"]]
        assert kinds.count("project") == 2 and "tactic" in kinds
        assert all(b["strategy"] is not None for b in blocks)  # nothing left unplaced
    finally:
        wb.close()
