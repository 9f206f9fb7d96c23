"""Policy-style plans in many generated layouts (``tests/policy_layouts.py``): every area
becomes a ``policy_area`` with its items as ``policy`` sections under it, the plan around
it keeps its strategies, tactics and goals, and the parse is clean (no quality flag)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from policy_layouts import AXES, MUTATIONS, PolicyDoc, PolicyLayout, mutate, render, sample_layouts

from plansearch import Plan, Section, parse_plan
from plansearch.frameworks import role_of


def _norm(text: str) -> str:
    return " ".join(text.split())


def check_structure(doc: PolicyDoc) -> Plan:
    """Assert that the parse of ``doc`` holds exactly the structure it was written with."""
    plan = parse_plan(doc.text, org="อบต.ทดสอบ", province="เลย")
    areas = plan.of("policy_area")
    assert [(a.number, a.title) for a in areas] == [(w.number, w.title) for w in doc.areas]
    for area, want in zip(areas, doc.areas, strict=True):
        assert area.parent_id is None
        items = plan.children(area)
        assert [(i.kind, _norm(i.text)) for i in items] == [
            ("policy", _norm(w.text)) for w in want.items
        ]
        for item, w in zip(items, want.items, strict=True):
            assert item.title == _norm(w.first_line)
            subs = plan.children(item)
            assert [(s.kind, s.title) for s in subs] == [("policy", t) for t in w.subs]
    n_items = sum(len(a.items) + sum(len(i.subs) for i in a.items) for a in doc.areas)
    assert len(plan.of("policy")) == n_items
    assert len(plan.of("strategy")) == doc.strategies
    assert len(plan.of("tactic")) == doc.tactics
    assert len(plan.of("goal")) == doc.goals
    return plan


@pytest.mark.parametrize("seed", range(4))
def test_sampled_layouts_parse_to_areas_and_items(seed: int) -> None:
    for i, layout in enumerate(sample_layouts(60, seed=seed)):
        doc = render(layout, seed=1000 * seed + i)
        plan = check_structure(doc)
        assert plan.quality.flags == (), (layout.name, plan.quality.codes())
        assert plan.quality.ok


_layouts = st.builds(
    PolicyLayout,
    *(st.sampled_from(values) for values in AXES),  # type: ignore[arg-type]
).filter(PolicyLayout.valid)


@given(layout=_layouts, seed=st.integers(0, 10_000))
def test_any_layout_parses_to_areas_and_items(layout: PolicyLayout, seed: int) -> None:
    plan = check_structure(render(layout, seed))
    assert plan.quality.ok, plan.quality.codes()


@pytest.mark.parametrize("how", MUTATIONS)
def test_a_lost_item_in_any_layout_is_flagged(how: str) -> None:
    """remove → a gap in the numbers; glue → the next number inside an item (and a
    gap); repeat → a repeated number."""
    want = {"remove": "numbering_gap", "glue": "glued_item", "repeat": "numbering_repeat"}[how]
    tried = 0
    for i, layout in enumerate(sample_layouts(120, seed=3)):
        text = mutate(render(layout, seed=i), how, random.Random(i))
        if text is None:
            continue  # bullets carry no numbers
        tried += 1
        q = parse_plan(text, org="อบต.ทดสอบ", province="เลย").quality
        assert want in q.codes(), (layout.name, q.codes())
        assert not q.ok
    assert tried >= 100


def test_area_label_alone_takes_the_next_line_as_its_name() -> None:
    plan = parse_plan(
        "นโยบายของผู้บริหาร\nนโยบายที่ ๑\nด้านโครงสร้างพื้นฐาน\n๑) ก่อสร้างถนน\n"
        "นโยบายที่ ๒\nด้านเศรษฐกิจ มีดังนี้\n๒) ส่งเสริมอาชีพ"
    )
    assert [(s.kind, s.number, s.title) for s in plan] == [
        ("policy_area", "1", "ด้านโครงสร้างพื้นฐาน"),
        ("policy", "1", "ก่อสร้างถนน"),
        ("policy_area", "2", "ด้านเศรษฐกิจ"),
        ("policy", "2", "ส่งเสริมอาชีพ"),  # numbered on from the area before
    ]
    assert plan.of("policy")[1].path == "นโยบายของผู้บริหาร › นโยบายที่ 2 ด้านเศรษฐกิจ › 2 ส่งเสริมอาชีพ"


def test_a_flat_policy_list_is_areas_without_items() -> None:
    plan = parse_plan("นโยบายของผู้บริหาร\n1. พัฒนาถนนทุกสาย\n2. ส่งเสริมอาชีพ")
    assert [(s.kind, s.parent_id) for s in plan] == [("policy_area", None)] * 2


@pytest.mark.parametrize(
    "text",
    [
        # "ด้านที่ N" in a tactic list is a tactic, not a policy area
        "ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nแนวทางการพัฒนา\nด้านที่ 1 ส่งเสริมอาชีพ\n1.1 อบรมอาชีพ\n",
        # a tactic that starts with "ด้าน" stays a tactic
        "ยุทธศาสตร์ที่ 1 การพัฒนาสังคม\nแนวทางการพัฒนา\n1. ด้านการศึกษา\n1.1 อบรมครู\n",
    ],
)
def test_areas_only_where_a_policy_is_written(text: str) -> None:
    plan = parse_plan(text)
    assert not plan.of("policy_area") and not plan.of("policy")
    assert plan.of("strategy")


def test_roles() -> None:
    assert role_of("policy_area") == role_of("strategy") == "strategy"
    assert role_of("policy") == role_of("tactic") == "tactic"
    assert role_of(Section.from_text("พัฒนาถนน", kind="policy_area").kind) == "strategy"
    assert role_of(Section.from_text("พัฒนาถนน", kind="goal").kind) is None
