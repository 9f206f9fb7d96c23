"""The structure a careful Thai reader sees in each of the five seed plans."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from plansearch import Plan, parse_plan
from plansearch.parse.normalize import clean_fragment
from plansearch.thai import thai_digits_to_arabic

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"
SEEDS = {
    "000": RAW / "000_7c6bce5cff1fe495.txt",  # อบต.โขมง, Chanthaburi
    "001": RAW / "001_f258f97c1c2e16fd.txt",  # อบต.บ้านอ้อน, Lampang
    "002": RAW / "002_986976bac49e1d1d.txt",  # อบต.จอมทอง, Phitsanulok
    "003": RAW / "003_15a60f9e2bf40418.txt",  # อบต.หนองฮาง, Ubon Ratchathani
    "004": RAW / "004_a1e98dc7ddb37713.txt",  # อบต.ท้ายเหมือง
}


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {k: parse_plan(p) for k, p in SEEDS.items()}


def children(plan: Plan, parent_id: str, kind: str) -> list:
    return [s for s in plan if s.parent_id == parent_id and s.kind == kind]


# -- identity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "org", "province"),
    [
        ("000", "องค์การบริหารส่วนตำบลโขมง", "จันทบุรี"),
        ("001", "องค์การบริหารส่วนตำบลบ้านอ้อน", "ลำปาง"),
        ("002", "องค์การบริหารส่วนตำบลจอมทอง", "พิษณุโลก"),  # text also misspells it พษณุโลก
        ("003", "องค์การบริหารส่วนตำบลหนองฮาง", "อุบลราชธานี"),  # text: องค์การบริการส่วนตำบล
        ("004", "องค์การบริหารส่วนตำบลท้ายเหมือง", None),  # the seed names no province
    ],
)
def test_org_and_province(plans: dict[str, Plan], key: str, org: str, province: str | None) -> None:
    plan = plans[key]
    assert plan.org == org
    assert plan.province == province
    assert all(s.org == org and s.province == province for s in plan)
    assert plan.source == str(SEEDS[key])


# -- seed 004: local plan + Department of Local Administration 2560-2569 ---------


def test_004_local_strategies_and_tactics(plans: dict[str, Plan]) -> None:
    plan = plans["004"]
    strategies = plan.of("strategy", "local")
    assert [s.number for s in strategies] == [str(i) for i in range(1, 8)]
    assert strategies[0].title == "การพัฒนาสู่สังคมแห่งการเรียนรู้ตลอดชีวิตอย่างยั่งยืน"
    assert strategies[0].path.startswith("ยุทธศาสตร์ที่ 1 การพัฒนาสู่สังคม")
    tactics = plan.of("tactic", "local")
    assert [t.number for t in tactics] == [str(i) for i in range(1, 19)]
    assert tactics[0].title == "การพัฒนาเส้นทางคมนาคมให้ได้มาตรฐาน"
    assert tactics[-1].title == "การพัฒนาคนและเทคโนโลยี"  # "- ๑๘ ..." bullet + bare number
    # The 18 tactics sit under their own heading "๒.๓.๕ กลยุทธ์", a sibling of
    # "๒.๓.๒ ยุทธศาสตร์การพัฒนา": the text does not say which strategy each belongs to,
    # so they must not all be hung under strategy 7 (the last one seen).
    assert all(t.parent_id is None for t in tactics)
    assert all(t.path.startswith("กลยุทธ์ › ") for t in tactics)
    local_vision = plan.of("vision", "local")
    assert [v.title for v in local_vision] == [
        "ก้าวไกลทางการศึกษา ชาวประชาร่วมรักถิ่น ชีวิตรมคุณภาพทั้งแผ่นดิน เศรษฐกิจพอกินและยั่งยืน"
    ]


def test_004_department_strategy_with_goals_and_tactics(plans: dict[str, Plan]) -> None:
    plan = plans["004"]
    dept = plan.of(level="department")
    strategies = plan.of("strategy", "department")
    # listed twice (summary, with strategy 3 repeated, then in detail): kept once each
    assert [s.number for s in strategies] == [str(i) for i in range(1, 7)]
    goals = [len(children(plan, s.id, "goal")) for s in strategies]
    tactics = [len(children(plan, s.id, "tactic")) for s in strategies]
    assert goals == [2, 3, 3, 3, 3, 4]
    assert tactics == [5, 6, 6, 5, 8, 7]
    assert len(plan.of("goal", "department")) == 18
    assert len(plan.of("tactic", "department")) == 37
    assert len(plan.of("mission", "department")) == 5
    [vision] = plan.of("vision", "department")
    assert vision.title.startswith("มุ่งสร้างท้องถิ่นไทยให้เข้มแข็ง")
    assert vision.title.endswith("ตามแนวทางปรัชญาเศรษฐกิจพอเพียง")  # wrapped over two lines
    assert all(s.path.startswith("แผนยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น") for s in dept)
    # goal (๒) of strategy 2 continues on a second line after a blank line
    goal = children(plan, strategies[1].id, "goal")[1]
    assert goal.text.endswith("(Sustainable Development Goals : SDGs)")


def test_004_noise_is_not_structure(plans: dict[str, Plan]) -> None:
    plan = plans["004"]
    titles = " ".join(s.text for s in plan)
    assert "สร้างตลาดกลาง" not in titles  # indicator table rows ๑๒) … ๒๖)
    assert "เปิดกว้างและเชื่อมโยงกัน" not in titles  # ระบบราชการ ๔.๐ explanations
    assert "มีการเกษตรที่เป็นฐานหลัก" not in titles  # จุดยืนทางยุทธศาสตร์ (positioning)
    # its objectives ("…โดยมีวัตถุประสงค์ดังนี้") are the plan's own
    assert len(plan.of("objective", "local")) == 5


# -- seed 001 ------------------------------------------------------------------


def test_001_strategic_issues_and_tactics(plans: dict[str, Plan]) -> None:
    plan = plans["001"]
    issues = plan.of("strategy")
    assert [s.number for s in issues] == ["1", "2", "3", "4", "5"]
    assert issues[0].title == "ด้านการพัฒนาโครงสร้างพื้นฐาน"
    assert issues[0].path == "ประเด็นยุทธศาสตร์ที่ 1 ด้านการพัฒนาโครงสร้างพื้นฐาน"
    assert [len(children(plan, s.id, "tactic")) for s in issues] == [4, 2, 5, 3, 2]
    assert len(plan.of("tactic")) == 16
    assert {s.level for s in plan} == {"local"}
    t = children(plan, issues[2].id, "tactic")[1]
    assert t.number == "2" and t.title.startswith("การสนับสนุนการศึกษา")
    assert t.path.startswith("ประเด็นยุทธศาสตร์ที่ 3 ด้านการพัฒนาสังคม/ชุมชน › 2 การสนับสนุน")
    assert len(plan) == 21  # the closing prose and the copyright line are not sections


# -- seed 003 ------------------------------------------------------------------


def test_003_vision_missions_goals(plans: dict[str, Plan]) -> None:
    plan = plans["003"]
    [vision] = plan.of("vision")
    assert vision.title == "โครงสร้างพื้นฐานเด่น การเกษตรดี ชุมชนเข้มแข็ง"
    assert [m.number for m in plan.of("mission")] == [str(i) for i in range(1, 8)]
    goals = plan.of("goal")  # "เป้าหมาย (Goal)": the English gloss settles the kind
    assert [g.number for g in goals] == [str(i) for i in range(1, 16)]
    assert goals[11].text.endswith("ในการกำหนดทิศทางการจัดการทุกขั้นตอน")
    assert not plan.of("target")
    assert all("หมายถึง" not in s.text for s in plan)  # definitions are skipped
    assert len(plan) == 1 + 7 + 15


# -- seed 000 ------------------------------------------------------------------


def test_000_missions_goals_with_lost_pdf_digits(plans: dict[str, Plan]) -> None:
    plan = plans["000"]
    missions = plan.of("mission")
    assert len(missions) == 12
    assert [m.number for m in missions] == [None] * 9 + ["10", "11", "12"]
    assert missions[0].title == "จัดให้มีและบำรุงรักษาทางน้ำและทางบก"
    goals = plan.of("goal")
    assert len(goals) == 12
    assert goals[-1].title == "เพิ่มช่องทางเผยแพร่ข้อมูลข่าวสารให้ทั่วถึง"
    assert "เนื่องจากการวางแผน" not in goals[-1].text  # following prose is not a goal's
    [vision] = plan.of("vision")
    assert vision.title == "ยกระดับคุณภาพชีวิต เป็นมิตรกับสิ่งแวดล้อม เพียบพร้อมวัฒนธรรม"


def test_000_local_strategies_and_their_parts(plans: dict[str, Plan]) -> None:
    plan = plans["000"]
    strategies = plan.of("strategy", "local")
    assert len(strategies) == 6
    assert all(s.title.startswith("ยุทธศาสตร์ด้าน") for s in strategies)
    assert strategies[-1].title == "ยุทธศาสตร์ด้านอื่น ๆ"
    assert [len(children(plan, s.id, "tactic")) for s in strategies] == [8, 5, 2, 6, 6, 2]
    assert [len(children(plan, s.id, "objective")) for s in strategies] == [1] * 6
    assert [len(children(plan, s.id, "target")) for s in strategies] == [1] * 6
    first_tactic = children(plan, strategies[0].id, "tactic")[0]
    # a continuation line after a blank line belongs to the tactic
    assert first_tactic.text.endswith("การรณรงค์เพื่อการดำเนินการที่เป็นประโยชน์ ต่าง ๆ")
    assert first_tactic.path == (
        "ยุทธศาสตร์ด้านพัฒนาสังคม › ส่งเสริมความรู้ความเข้าใจเกี่ยวกับกิจการงานของ อบต.ที่ดำเนินการตามอำนาจหน้าที่"
    )
    assert len(plan.of("tactic")) == 29


def test_000_quoted_frameworks_keep_their_level(plans: dict[str, Plan]) -> None:
    plan = plans["000"]
    counts = Counter(s.level for s in plan.of("strategy"))
    assert counts == {"local": 6, "national": 5, "provincial_group": 2, "province": 4, "pao": 4}
    national = plan.of("strategy", "national")
    assert national[0].title.startswith("ยุทธศาสตร์การพัฒนาคุณภาพคนและสังคมไทย")
    assert [s.number for s in plan.of("strategy", "province")] == ["3.1", "3.2", "3.3", "3.4"]
    assert plan.of("strategy", "pao")[-1].title == "ยุทธศาสตร์การปกครองและการบริหารจัดการ"
    # nothing of the local plan hangs under a quoted framework
    quoted = {s.id for s in plan if s.level != "local"}
    assert not any(s.parent_id in quoted for s in plan)


def test_000_executive_policy(plans: dict[str, Plan]) -> None:
    plan = plans["000"]
    areas = plan.of("policy_area")
    assert [a.number for a in areas] == ["1", "2", "3", "4", "5", "6"]
    assert all(a.parent_id is None for a in areas)
    assert [len(children(plan, a.id, "policy")) for a in areas] == [3, 2, 5, 4, 0, 0]
    assert len(plan.of("policy")) == 14  # every item is under its area
    assert all(plan.get(p.parent_id).kind == "policy_area" for p in plan.of("policy"))


# -- seed 002 ------------------------------------------------------------------


def test_002_vision_narrative_without_web_menu(plans: dict[str, Plan]) -> None:
    plan = plans["002"]
    [vision] = plan.sections
    assert vision.kind == "vision"
    assert "น้ำไหล ไฟสว่าง ทางดี มีการศึกษา" in vision.text
    assert "กระดานสนทนา" not in vision.text  # the page menu is debris


# -- every seed ----------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_spans_point_back_to_the_original(plans: dict[str, Plan], key: str) -> None:
    original = SEEDS[key].read_text(encoding="utf-8")
    for s in plans[key]:
        assert s.span is not None
        a, b = s.span
        assert 0 <= a < b <= len(original)
        piece = thai_digits_to_arabic(clean_fragment(original[a:b])).replace(" ", "")
        assert thai_digits_to_arabic(s.title[:20]).replace(" ", "") in piece, s


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_ids_unique_stable_and_parents_exist(
    plans: dict[str, Plan], key: str, tmp_path: Path
) -> None:
    plan = plans[key]
    ids = [s.id for s in plan]
    assert len(ids) == len(set(ids))
    seen: set[str] = set()
    for s in plan:
        assert s.parent_id is None or s.parent_id in seen  # parents come first
        seen.add(s.id)
    assert [s.id for s in parse_plan(SEEDS[key])] == ids  # same run twice
    moved = tmp_path / "elsewhere" / SEEDS[key].name
    moved.parent.mkdir()
    shutil.copy(SEEDS[key], moved)
    assert [s.id for s in parse_plan(moved)] == ids  # independent of the folder
