"""Parse quality (``plansearch.parse.assess_quality``): a lost, glued or misnumbered item
is always flagged, a clean plan never is, and every seed's flags are real (each is
explained below). Fuzzed with arbitrary section trees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansearch import Section, parse_plan
from plansearch.parse import ParseQuality, assess_quality
from plansearch.sections import KINDS, LEVELS
from plansearch.web.plans import quality_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {p.name[:3]: p for p in (ROOT / "corpus" / "raw").glob("*.txt")}
WHO = {"org": "อบต.ทดสอบ", "province": "ลำปาง"}


# -- the seeds -------------------------------------------------------------------

#: every flag a seed gets today, and why it is real
SEED_FLAGS = {
    # areas 5 and 6 of the executive policy list their items as unnumbered paragraphs:
    # area 5 holds two items glued into its text, and neither area has items under it
    "000": ["glued_item", "strategy_without_tactics", "strategy_without_tactics"],
    "001": [],
    "002": [],  # a vision page: nothing numbered, no strategy level (so not ok)
    # vision, 7 missions and 15 goals: the excerpt has no strategy part
    "003": ["no_strategies"],
    # no province in the text; the rows of an indicator table (๑๒) … ๒๖)) under
    # strategy 7 are read as nothing; the 18 tactics are listed apart from the
    # strategies, so none is under one
    "004": ["province_not_found", "numbered_lines_not_read"] + ["tactic_without_strategy"] * 18,
}


@pytest.mark.parametrize("key", sorted(SEED_FLAGS))
def test_seed_flags_are_the_real_ones(key: str) -> None:
    q = parse_plan(SEEDS[key]).quality
    assert list(q.codes()) == SEED_FLAGS[key]
    assert q.ok == (key == "001")


def test_seed_000_flags_point_at_the_areas_whose_items_are_paragraphs() -> None:
    plan = parse_plan(SEEDS["000"])
    flagged = {plan.get(f.sections[0]).number for f in plan.quality.flags}  # type: ignore[union-attr]
    assert flagged == {"5", "6"}
    assert {plan.get(f.sections[0]).kind for f in plan.quality.flags} == {"policy_area"}  # type: ignore[union-attr]


# -- losses in a clean plan (seed 001: 5 strategies, 16 tactics, no flag) ------------

SEED_001 = SEEDS["001"].read_text(encoding="utf-8")


def _middle_tactics() -> list[tuple[Section, Section]]:
    """(tactic, the tactic before it) for every tactic that is neither first nor last
    under its strategy: a loss after the last item leaves every number in order."""
    plan = parse_plan(SEED_001)
    out = []
    for strategy in plan.of("strategy"):
        kids = plan.children(strategy)
        out += [(kids[i], kids[i - 1]) for i in range(1, len(kids) - 1)]
    return out


MIDDLE = _middle_tactics()


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def test_seed_001_is_clean() -> None:
    q = parse_plan(SEED_001).quality
    assert q.flags == () and q.ok
    assert (q.strategies, q.tactics) == (5, 16)
    assert len(MIDDLE) == 6


@pytest.mark.parametrize("i", range(len(MIDDLE)))
def test_a_removed_tactic_is_flagged(i: int) -> None:
    tactic, _ = MIDDLE[i]
    assert tactic.span is not None
    a = _line_start(SEED_001, tactic.span[0])
    q = parse_plan(SEED_001[:a] + SEED_001[tactic.span[1] + 1 :]).quality
    assert q.tactics == 15
    assert "numbering_gap" in q.codes() and not q.ok


@pytest.mark.parametrize("i", range(len(MIDDLE)))
def test_two_glued_tactics_are_flagged(i: int) -> None:
    tactic, before = MIDDLE[i]
    assert tactic.span is not None and before.span is not None
    a = _line_start(SEED_001, tactic.span[0])
    # the line break before the tactic is lost: its line joins the one before
    q = parse_plan(SEED_001[: before.span[1]] + " " + SEED_001[a:].lstrip(" ")).quality
    assert q.tactics == 15
    assert "glued_item" in q.codes() and not q.ok


@pytest.mark.parametrize("i", range(len(MIDDLE)))
def test_a_repeated_number_is_flagged(i: int) -> None:
    tactic, before = MIDDLE[i]
    assert tactic.span is not None
    a = _line_start(SEED_001, tactic.span[0])
    marker = SEED_001[a : tactic.span[0]]
    text = SEED_001[:a] + re.sub(r"\d+", str(before.number), marker) + SEED_001[tactic.span[0] :]
    q = parse_plan(text).quality
    assert "numbering_repeat" in q.codes() and not q.ok


# -- one flag at a time ------------------------------------------------------------


def test_the_issue_case_two_under_strategy_one_with_no_one() -> None:
    q = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n2. ส่งเสริมอาชีพ\n3. พัฒนาตลาด", **WHO).quality
    assert q.codes() == ("numbering_gap",)
    assert "ไม่พบข้อ 1" in q.flags[0].message and "no 1" in q.flags[0].message_en


def test_numbering_one_two_two_four() -> None:
    text = "ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n" + "\n".join(
        f"{n}. ส่งเสริมอาชีพกลุ่มที่ {i}" for i, n in enumerate([1, 2, 2, 4])
    )
    q = parse_plan(text, **WHO).quality
    assert set(q.codes()) == {"numbering_repeat", "numbering_gap"}


def test_numbered_lines_under_a_strategy_that_were_not_read() -> None:
    text = (
        "ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n1. ส่งเสริมอาชีพ\n2. พัฒนาตลาด\n"
        "ยุทธศาสตร์ที่ 2 การพัฒนาสังคม\nรายละเอียดตามตารางต่อไปนี้\n"
        "3. ส่งเสริมสวัสดิการผู้สูงอายุ\n4. ป้องกันยาเสพติด\n"
    )
    plan = parse_plan(text, **WHO)
    [flag] = plan.quality.flags
    assert flag.code == "numbered_lines_not_read"
    assert plan.get(flag.sections[0]).number == "2"  # type: ignore[union-attr]
    assert "2 บรรทัด" in flag.message
    # without the text, the structure still speaks: "3." is glued into strategy 2's
    # text, and strategy 2 lacks what strategy 1 has
    assert assess_quality(plan.sections).codes() == ("glued_item", "strategy_without_tactics")


def test_strategies_without_any_tactic() -> None:
    q = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nยุทธศาสตร์ที่ 2 การพัฒนาสังคม", **WHO).quality
    assert q.codes() == ("no_tactics",) and q.strategies == 2


def test_numbered_headings_not_strategies_has_a_one_step_fix() -> None:
    text = (
        "แนวทางการพัฒนา\n1. ด้านโครงสร้างพื้นฐาน\n1.1 ก่อสร้างถนน\n1.2 ขยายเขตไฟฟ้า\n"
        "2. ด้านเศรษฐกิจ\n2.1 ส่งเสริมอาชีพ\n2.2 พัฒนาตลาด\n"
    )
    plan = parse_plan(text, **WHO)
    [flag] = plan.quality.flags
    assert flag.code == "numbered_headings_not_strategies" and flag.fix is not None
    assert "ยุทธศาสตร์" in flag.fix.label and "strategies" in flag.fix.label_en
    heads = [s.id for s in plan if s.parent_id is None]
    assert dict(flag.fix.kinds) == dict.fromkeys(heads, "strategy")
    new_kind = dict(flag.fix.kinds)
    fixed = [s.with_(kind=new_kind.get(s.id, s.kind)) for s in plan]
    after = assess_quality(fixed, text)
    assert after.flags == () and after.ok and (after.strategies, after.tactics) == (2, 4)


def test_many_numbered_items_but_no_strategies() -> None:
    text = "พันธกิจ\n" + "\n".join(f"{i}. พันธกิจข้อที่ {i}" for i in range(1, 7))
    q = parse_plan(text, **WHO).quality
    assert q.codes() == ("no_strategies",) and not q.ok
    short = parse_plan("พันธกิจ\n1. พัฒนาแหล่งน้ำ", **WHO).quality
    assert short.flags == () and not short.ok  # few items: no flag, but no strategy level


def test_an_item_several_times_longer_than_its_siblings() -> None:
    long = "ส่งเสริมอาชีพ " + "และพัฒนาคุณภาพชีวิตของประชาชนในทุกหมู่บ้านอย่างทั่วถึง " * 8
    text = (
        "ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n1. พัฒนาตลาดชุมชน\n"
        f"2. {long}\n3. พัฒนาแหล่งท่องเที่ยว\n4. ส่งเสริมการเกษตร\n"
    )
    plan = parse_plan(text, **WHO)
    assert plan.quality.codes() == ("glued_item",)
    assert plan.get(plan.quality.flags[0].sections[0]).number == "2"  # type: ignore[union-attr]


def test_identity_and_empty() -> None:
    q = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n1. ส่งเสริมอาชีพ").quality
    assert q.codes() == ("org_not_found", "province_not_found")
    assert assess_quality([]).codes() == ("no_structure",)


def test_clean_plan_summary_and_json() -> None:
    plan = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n1. ส่งเสริมอาชีพ", **WHO)
    q = plan.quality
    assert q.ok and "ไม่พบปัญหา" in q.summary(plan.sections)
    d = json.loads(json.dumps(q.to_dict(), ensure_ascii=False))
    assert d["ok"] is True and d["flags"] == [] and d["issues"] == []
    assert d["counts"] == {"strategy": 1, "tactic": 1}


def test_workbench_report_is_the_same_assessment() -> None:
    plan = parse_plan(SEEDS["004"])
    report = quality_report(plan.sections)
    q = assess_quality(plan.sections)
    assert {"sections", "counts", "strategies", "tactics", "issues", "ok", "flags"} <= set(report)
    assert [f["code"] for f in report["flags"]] == list(q.codes())
    assert report["issues"] == [
        {"key": f.sections[0], "issue": f.message} for f in q.flags if f.sections
    ]
    ids = {s.id for s in plan}
    assert all(i["key"] in ids for i in report["issues"])
    assert report["ok"] is False and report["strategies"] == 7


# -- fuzz: arbitrary section trees ------------------------------------------------

_numbers = st.one_of(
    st.none(),
    st.integers(0, 30).map(str),
    st.tuples(st.integers(0, 9), st.integers(0, 12)).map(lambda t: f"{t[0]}.{t[1]}"),
    st.sampled_from(["ก", "ข", "ฮ", "๓", "๑.๒", "x", "1.", ".", "1..2", "", "٣"]),
)
_texts = st.lists(
    st.sampled_from([*"กขคงจ ัา่้ำเแโ1234567890.()\t\n-•…", "ส่งเสริม", " 2. ", "\n๓) ", "ข."]),
    max_size=200,
).map("".join)


@st.composite
def section_trees(draw: st.DrawFn) -> tuple[list[Section], str | None]:
    n = draw(st.integers(0, 25))
    text = draw(st.one_of(st.none(), _texts))
    out: list[Section] = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, max(n - 1, 0)).map(lambda j: f"s{j}")))
        span = None
        if text is not None and draw(st.booleans()):
            a = draw(st.integers(0, len(text)))
            span = (a, draw(st.integers(a, len(text))))
        title = draw(_texts)
        out.append(
            Section(
                id=f"s{i}",
                kind=draw(st.sampled_from(KINDS)),
                level=draw(st.sampled_from(LEVELS)),
                title=title,
                text=draw(st.one_of(st.just(title), _texts)),
                number=draw(_numbers),
                parent_id=parent,  # may point forward, to itself, or round in a cycle
                org=draw(st.sampled_from([None, "อบต.ทดสอบ"])),
                span=span,
            )
        )
    return out, text


@given(section_trees())
def test_any_section_tree(tree: tuple[list[Section], str | None]) -> None:
    sections, text = tree
    q = assess_quality(sections, text)
    assert isinstance(q, ParseQuality)
    ids = {s.id for s in sections}
    for f in q.flags:
        assert f.code and f.message and f.message_en
        assert set(f.sections) <= ids
        if f.fix is not None:
            assert all(sid in ids and kind in KINDS for sid, kind in f.fix.kinds)
    assert q.ok == (not q.flags and q.strategies > 0)
    assert q.sections == len(sections)
    json.dumps(q.to_dict(), ensure_ascii=False)
    assert q.summary(sections)


@st.composite
def clean_plans(draw: st.DrawFn) -> list[Section]:
    """Strategies 1..k (or policy areas), each with items 1..m of similar length."""
    top, item = draw(st.sampled_from([("strategy", "tactic"), ("policy_area", "policy")]))
    words = ["ส่งเสริมอาชีพ", "พัฒนาถนน", "ดูแลผู้สูงอายุ", "อนุรักษ์ป่า", "จัดการขยะ"]
    out: list[Section] = []
    for i in range(1, draw(st.integers(1, 5)) + 1):
        sid = f"a{i}"
        out.append(Section(sid, top, "local", f"ด้านที่ {i}", f"ด้านที่ {i}", str(i), **WHO))
        dotted = draw(st.booleans())
        for j in range(1, draw(st.integers(1, 6)) + 1):
            title = " ".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=4)))
            number = f"{i}.{j}" if dotted else str(j)
            out.append(Section(f"{sid}-{j}", item, "local", title, title, number, sid, **WHO))
    return out


@given(clean_plans())
def test_a_clean_tree_has_no_flag(sections: list[Section]) -> None:
    q = assess_quality(sections)
    assert q.flags == () and q.ok


@given(clean_plans(), st.data())
def test_a_lost_or_repeated_item_in_a_clean_tree_is_flagged(
    sections: list[Section], data: st.DataObject
) -> None:
    middle = [
        k
        for k, s in enumerate(sections)
        if s.parent_id
        and k + 1 < len(sections)
        and sections[k + 1].parent_id == s.parent_id
        and sections[k - 1].parent_id == s.parent_id
    ]
    if not middle:
        return
    k = data.draw(st.sampled_from(middle))
    lost = sections[:k] + sections[k + 1 :]
    assert "numbering_gap" in assess_quality(lost).codes()
    repeated = list(sections)
    repeated[k] = repeated[k].with_(number=sections[k - 1].number)
    assert "numbering_repeat" in assess_quality(repeated).codes()
