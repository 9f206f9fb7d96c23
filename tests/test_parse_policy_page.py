"""A municipality's executive policy page: numbered policy areas, with and without
"มีดังนี้", each becomes a ``policy_area`` section with its numbered ``policy`` items
under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plansearch import parse_plan

PAGE = (Path(__file__).resolve().parent / "data" / "parse_municipal_policy.txt").read_text(
    encoding="utf-8"
)
AREAS = [
    ("1", "นโยบายด้านโครงสร้างพื้นฐาน", 3),
    ("2", "นโยบายด้านเศรษฐกิจ", 2),
    ("3", "ด้านสังคมและคุณภาพชีวิต", 2),
    ("4", "นโยบายด้านการศึกษา ศาสนา และวัฒนธรรม", 2),
    ("5", "นโยบายด้านสาธารณสุข", 2),
    ("6", "นโยบายด้านทรัพยากรธรรมชาติและสิ่งแวดล้อม", 3),
    ("7", "ด้านการบริหารจัดการบ้านเมืองที่ดี", 2),
]
VARIANTS = {
    "as-published": PAGE,
    "no-preamble": re.sub(r"นายกเทศมนตรีได้แถลง.*\n", "", PAGE),
    "no-มีดังนี้": PAGE.replace(" มีดังนี้", ""),
    "every-area-มีดังนี้": re.sub(r"^(\d\. .+?)( มีดังนี้)?$", r"\1 มีดังนี้", PAGE, flags=re.M),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_area_is_a_section_with_its_items(variant: str) -> None:
    plan = parse_plan(VARIANTS[variant])
    assert plan.org == "เทศบาลตำบลนาดี" and plan.province == "เลย"
    areas = [s for s in plan if s.parent_id is None]
    assert [(a.number, a.title, len(plan.children(a))) for a in areas] == AREAS
    assert {a.kind for a in areas} == {"policy_area"}
    assert {s.kind for s in plan if s.parent_id is not None} == {"policy"}
    for area in areas:
        kids = plan.children(area)
        assert [k.number for k in kids] == [f"{area.number}.{i}" for i in range(1, len(kids) + 1)]
        assert all(f"{area.number} {area.title} › " in k.path for k in kids)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "แนวทางการพัฒนา\n๑. ด้านโครงสร้างพื้นฐาน\n๑.๑ ก่อสร้างถนน\n๑.๒ ขยายเขตไฟฟ้า\n"
            "๒. ด้านเศรษฐกิจ\n๒.๑ ส่งเสริมอาชีพ",
            [
                ("tactic", "1", "ด้านโครงสร้างพื้นฐาน", None),
                ("tactic", "1.1", "ก่อสร้างถนน", "1"),
                ("tactic", "1.2", "ขยายเขตไฟฟ้า", "1"),
                ("tactic", "2", "ด้านเศรษฐกิจ", None),
                ("tactic", "2.1", "ส่งเสริมอาชีพ", "2"),
            ],
        ),
        (
            "ยุทธศาสตร์ที่ ๑ การพัฒนาโครงสร้างพื้นฐาน\n๑. ด้านคมนาคม มีดังนี้\n๑.๑ ก่อสร้างถนน\n"
            "๒. ด้านไฟฟ้า\n๒.๑ ขยายเขตไฟฟ้า",
            [
                ("strategy", "1", "การพัฒนาโครงสร้างพื้นฐาน", None),
                ("tactic", "1", "ด้านคมนาคม", "1"),
                ("tactic", "1.1", "ก่อสร้างถนน", "1"),
                ("tactic", "2", "ด้านไฟฟ้า", "1"),
                ("tactic", "2.1", "ขยายเขตไฟฟ้า", "2"),
            ],
        ),
    ],
    ids=["areas-under-a-heading", "areas-under-a-strategy"],
)
def test_numbered_area_parents_have_their_items(text: str, want: list) -> None:
    plan = parse_plan(text)
    by_id = {s.id: s for s in plan}
    got = [
        (s.kind, s.number, s.title, by_id[s.parent_id].number if s.parent_id else None)
        for s in plan
    ]
    assert got == want
