"""Projects listed under a tactic: ``1.1 …`` / ``โครงการ`` / ``1) 2)`` / ``1.2 …``.

The tactic numbering goes on after the project list (``1.2`` continues ``1.1``), so
``1.2`` is the next tactic, not a line of the last project, and each project belongs
to the tactic it is listed under."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansearch import parse_plan

PLAN = (Path(__file__).resolve().parent / "data" / "parse_tactic_projects.txt").read_text(
    encoding="utf-8"
)
WANT = [
    ("strategy", "1", "การพัฒนาด้านเศรษฐกิจ", None),
    ("tactic", "1.1", "ส่งเสริมอาชีพและรายได้ของประชาชน", "การพัฒนาด้านเศรษฐกิจ"),
    ("project", "1", "โครงการฝึกอบรมอาชีพสตรี", "ส่งเสริมอาชีพและรายได้ของประชาชน"),
    ("project", "2", "โครงการส่งเสริมกลุ่มวิสาหกิจชุมชน", "ส่งเสริมอาชีพและรายได้ของประชาชน"),
    ("tactic", "1.2", "ส่งเสริมการท่องเที่ยวชุมชน", "การพัฒนาด้านเศรษฐกิจ"),
    ("project", "1", "โครงการพัฒนาแหล่งท่องเที่ยว", "ส่งเสริมการท่องเที่ยวชุมชน"),
    ("project", "2", "โครงการจัดงานประเพณีท้องถิ่น", "ส่งเสริมการท่องเที่ยวชุมชน"),
    ("strategy", "2", "การพัฒนาด้านสังคม", None),
    ("tactic", "2.1", "ส่งเสริมสุขภาพของประชาชน", "การพัฒนาด้านสังคม"),
]
VARIANTS = {
    "project-heading": PLAN,
    "project-heading-มีดังนี้": PLAN.replace("โครงการ\n", "โครงการที่จะดำเนินการ มีดังนี้\n"),
    "no-project-heading": PLAN.replace("โครงการ\n", ""),
    "no-tactic-heading": PLAN.replace("แนวทางการพัฒนา\n", ""),
    "thai-digits": PLAN.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")),
}


def _tree(text: str) -> list[tuple[str, str | None, str, str | None]]:
    plan = parse_plan(text)
    by_id = {s.id: s for s in plan}
    # a project is titled with or without its leading word, as the line has it
    return [
        (
            s.kind,
            s.number,
            "โครงการ" + s.title.removeprefix("โครงการ") if s.kind == "project" else s.title,
            by_id[s.parent_id].title if s.parent_id else None,
        )
        for s in plan
    ]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_next_tactic_after_a_project_list_is_not_lost(variant: str) -> None:
    assert _tree(VARIANTS[variant]) == WANT


def test_project_text_does_not_swallow_the_next_tactic() -> None:
    plan = parse_plan(PLAN)
    assert all("1.2" not in s.text and "ส่งเสริมการท่องเที่ยว" not in s.text for s in plan.of("project"))
    assert plan.quality is not None and "guessed_headings" not in plan.quality.codes()


def test_deeper_numbering_resumes_at_its_own_level() -> None:
    text = (
        "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\n1.1 ส่งเสริมอาชีพ\n1.1.1 ฝึกอบรมอาชีพสตรี\n"
        "ตัวชี้วัด\n1) จำนวนผู้เข้ารับการอบรม\n2) รายได้ที่เพิ่มขึ้น\n1.1.2 จัดตลาดชุมชน\n"
        "1.2 ส่งเสริมการท่องเที่ยว"
    )
    tree = _tree(text)
    assert [(k, n) for k, n, _, _ in tree] == [
        ("strategy", "1"),
        ("tactic", "1.1"),
        ("tactic", "1.1.1"),
        ("indicator", "1"),
        ("indicator", "2"),
        ("tactic", "1.1.2"),
        ("tactic", "1.2"),
    ]
    parents = {n: p for _, n, _, p in tree if n in ("1.1.2", "1.2")}
    assert parents == {"1.1.2": "ส่งเสริมอาชีพ", "1.2": "การพัฒนาด้านเศรษฐกิจ"}
