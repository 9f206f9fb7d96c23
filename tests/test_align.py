"""Alignment engine: fast deterministic path (hashing embedder) and the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import plansearch
from plansearch.alignment.pipeline import align
from plansearch.alignment.results import STRENGTHS
from plansearch.frameworks import role_of

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "corpus" / "raw" / "000_7c6bce5cff1fe495.txt"
SEED_004 = ROOT / "corpus" / "raw" / "004_a1e98dc7ddb37713.txt"

STATEMENTS = [
    "ก่อสร้างและปรับปรุงถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์",
    "ส่งเสริมการศึกษาของศูนย์พัฒนาเด็กเล็ก",
]


def test_plain_strings_best_is_one_id_per_item_in_order(hashing):
    al = align(STATEMENTS, "national", embedder=hashing)
    best = al.best("national")
    assert len(best) == len(STATEMENTS)
    ns_ids = {t.id for t in plansearch.reference("national").roots()}
    assert all(b in ns_ids for b in best)
    assert [it.item.text for it in al.items] == STATEMENTS
    assert al.best() == best  # default framework is the first one


def test_scores_strengths_and_evidence(hashing):
    al = align(STATEMENTS, ["national", "sdg"], embedder=hashing, k=4)
    assert al.framework_names == ("national", "masterplan", "sdg")
    for it in al.items:
        for name in al.framework_names:
            ms = it.for_framework(name)
            assert len(ms) == min(4, len(al.framework(name).target_ids))
            assert [m.rank for m in ms] == list(range(1, len(ms) + 1))
            assert all(0.0 <= m.score <= 1.0 for m in ms)
            assert [m.score for m in ms] == sorted((m.score for m in ms), reverse=True)
            assert all(m.strength in STRENGTHS for m in ms)
            assert all(m.evidence.sub_id for m in ms)
            assert len(it.scores_for(name)) == len(al.framework(name).target_ids)


def test_masterplan_evidence_belongs_to_its_strategy(hashing):
    ref = plansearch.reference("national")
    al = align(STATEMENTS, "national", embedder=hashing, k=6)
    for it in al.items:
        for m in it.for_framework("national"):
            root = ref.root_of(m.evidence.sub_id)
            assert root is not None and root.id == m.target_id


def test_coverage_gaps_orphans_are_consistent(hashing):
    al = align(STATEMENTS, "national", embedder=hashing)
    cov = [c for c in al.coverage if c.framework == "national"]
    assert len(cov) == 6
    supporters = sorted(s for c in cov for s in c.supporters)
    assert supporters == sorted(it.item.id for it in al.items)
    for g in al.gaps("national"):
        assert g.strong == 0 and g.partial == 0
    for o in al.orphans():
        assert all(ms[0].strength == "none" for ms in o.matches)
    # a target some item supports strongly as its top link is never a gap
    gap_ids = {g.target_id for g in al.gaps("national")}
    for it in al.items:
        top = it.best("national")
        if top.strength in ("strong", "partial"):
            assert top.target_id not in gap_ids


def test_empty_input_gives_empty_alignment(hashing):
    al = align([], "national", embedder=hashing)
    assert len(al) == 0 and al.best("national") == []
    assert len([c for c in al.coverage if c.framework == "national"]) == 6


def test_bad_inputs_raise_clear_errors(hashing):
    with pytest.raises(plansearch.UnknownReferenceError, match="national"):
        align(STATEMENTS, "no-such-framework", embedder=hashing)
    with pytest.raises(ValueError, match="empty"):
        align(["ok", "   "], "national", embedder=hashing)
    with pytest.raises(ValueError, match="k must be"):
        align(STATEMENTS, "national", embedder=hashing, k=0)
    with pytest.raises(ValueError, match="plan"):
        align(STATEMENTS, "province", embedder=hashing)
    with pytest.raises(KeyError):
        align(STATEMENTS, "national", embedder=hashing).best("sdg")


def test_custom_reference_file(hashing, tmp_path):
    ref = tmp_path / "prov.yaml"
    ref.write_text(
        "name: myprov\nlevel: province\nitems:\n"
        "  - id: P1\n    title: พัฒนาโครงสร้างพื้นฐาน ถนน แหล่งน้ำ\n"
        "  - id: P2\n    title: ส่งเสริมสวัสดิการสังคมและคุณภาพชีวิตผู้สูงอายุ\n",
        encoding="utf-8",
    )
    al = align(STATEMENTS[:2], plansearch.load_reference(ref), embedder=hashing)
    assert al.framework_names == ("myprov",)
    assert al.best("myprov") == ["P1", "P2"]


def test_plan_alignment_uses_quoted_frameworks_and_builds_linkage(hashing):
    plan = plansearch.parse_plan(SEED_000)
    al = align(plan, embedder=hashing)
    names = al.framework_names
    for expected in (
        "national",
        "masterplan",
        "nesdp13",
        "sdg",
        "dla",
        "provincial_group",
        "province",
        "pao",
    ):
        assert expected in names
    # every section that heads a ผ.02 block is a linkage row: the strategies, and the
    # areas of the executive's policy (policy_area plays the strategy role)
    heads = [s.id for s in plan.sections if s.level == "local" and role_of(s.kind) == "strategy"]
    assert [r.strategy.id for r in al.linkage] == heads
    assert {s.kind for s in plan.sections if s.id in heads} == {"strategy", "policy_area"}
    assert all(len(r.cells) == len(names) for r in al.linkage)
    kinds = {it.item.kind for it in al.items}
    assert kinds <= {"strategy", "tactic", "policy_area", "policy"} and "tactic" in kinds
    # quoted higher-level strategies are targets, never aligned as local items
    assert all(it.item.level == "local" for it in al.items)
    # a tactic's evidence names its parent strategy as context
    tactic = next(it for it in al.items if it.item.kind == "tactic" and it.item.parent_id)
    assert tactic.best("national").evidence.context == plan.get(tactic.item.parent_id).title


def test_exports_roundtrip(hashing, tmp_path):
    al = align(STATEMENTS, ["national", "sdg"], embedder=hashing)
    data = json.loads(al.to_json(tmp_path / "a.json"))
    assert len(data["items"]) == 3 and (tmp_path / "a.json").exists()
    p = plansearch.write_report(al, tmp_path / "a.csv")
    text = p.read_text(encoding="utf-8-sig")
    assert "ถนนคอนกรีตเสริมเหล็ก" in text and text.count("\n") == len(al.to_records()) + 1


@pytest.mark.model
def test_real_model_aligns_obvious_statements_to_the_right_strategy():
    # hand-written examples of unmistakable linkages (not from the dev set)
    cases = {
        "ก่อสร้างถนนลาดยางและสะพานเชื่อมระหว่างหมู่บ้าน": "NS2",
        "จัดการเรียนการสอนในศูนย์พัฒนาเด็กเล็กและพัฒนาทักษะการอ่านของเด็ก": "NS3",
        "จ่ายเบี้ยยังชีพผู้สูงอายุ คนพิการ และผู้ด้อยโอกาส": "NS4",
        "ปลูกป่าชุมชนและอนุรักษ์ทรัพยากรธรรมชาติและสิ่งแวดล้อม": "NS5",
        "พัฒนาระบบบริการประชาชนด้วยเทคโนโลยีดิจิทัลและเพิ่มประสิทธิภาพบุคลากรขององค์กร": "NS6",
        "ป้องกันและปราบปรามยาเสพติดในชุมชน และรักษาความสงบเรียบร้อย": "NS1",
    }
    al = align(list(cases), "national")
    assert al.best("national") == list(cases.values())
    for it in al.items:
        first, second = it.for_framework("national")[:2]
        assert first.strength == "strong"
        # a clear winner, not a coin toss: most of the item's evidence in this framework
        assert first.share >= 0.85 > second.share


@pytest.mark.model
def test_real_model_plan_alignment_on_seed_004():
    plan = plansearch.parse_plan(SEED_004)
    al = align(plan, ["national", "dla"])
    assert len(al.items) == len(plan.of("strategy", "local")) + len(plan.of("tactic", "local"))
    by_title = {it.item.title: it for it in al.items}
    road = next(it for t, it in by_title.items() if "เส้นทางคมนาคม" in t)
    assert road.best("national").target_id == "NS2"
    welfare = next(it for t, it in by_title.items() if "สวัสดิการแก่เด็ก" in t)
    assert welfare.best("national").target_id == "NS4"


def test_grouping_dimensions_are_not_targets(hashing):
    # NESDP-13's four มิติ only group its 13 หมุดหมาย: plans link to milestones
    al = align(STATEMENTS, "nesdp13", embedder=hashing)
    info = al.framework("nesdp13")
    assert len(info.target_ids) == 13
    assert all(b is not None and b.startswith("M") for b in al.best("nesdp13"))


def test_plan_without_strategies_aligns_its_goals_and_missions(hashing):
    plan = plansearch.parse_plan(ROOT / "corpus" / "raw" / "003_15a60f9e2bf40418.txt")
    assert not plan.of("strategy", "local")
    al = align(plan, "national", embedder=hashing)
    kinds = {it.item.kind for it in al.items}
    assert {"goal", "mission"} <= kinds
    assert len(al.items) == len(plan.of(level="local")) - len(plan.of("indicator", "local")) - len(
        plan.of("project", "local")
    )


def test_master_plans_are_a_framework_of_their_own(hashing):
    al = align(STATEMENTS, "national", embedder=hashing)
    mp = al.framework("masterplan")
    assert len(mp.target_ids) == 23 and mp.title.startswith("แผนแม่บท")
    assert mp.title != al.framework("national").title


def test_a_plans_projects_align_with_their_tactic_and_strategy_as_context(hashing):
    from plansearch.sections import Plan, Section

    strat = Section(
        id="s1", kind="strategy", level="local", title="ยุทธศาสตร์การพัฒนาโครงสร้างพื้นฐาน", text=""
    )
    tactic = Section(
        id="t1", kind="tactic", level="local", title="พัฒนาเส้นทางคมนาคม", text="", parent_id="s1"
    )
    proj = Section(
        id="p1",
        kind="project",
        level="local",
        title="โครงการก่อสร้างถนน คสล. สายบ้านนายสม หมู่ที่ 3",
        text="",
        parent_id="t1",
    )
    plan = Plan(org="อบต.ตัวอย่าง", province=None, source=None, sections=(strat, tactic, proj))
    al = align(plan, "national", embedder=hashing)
    assert [it.item.kind for it in al.items] == ["strategy", "tactic", "project"]
    project = al.items[2]
    assert project.best("national").evidence.context == tactic.title
    # the context changes the project's vector: without it the scores differ
    bare = align(plan, "national", embedder=hashing, context=False)
    assert bare.items[2].scores_for("national") != project.scores_for("national")


def test_plain_project_names_take_one_context_string_each(hashing):
    names = ["โครงการก่อสร้างถนน คสล. หมู่ 3", "โครงการจัดซื้อวัสดุ"]
    ctx = ["พัฒนาเส้นทางคมนาคมให้ได้มาตรฐาน", ""]
    al = align(names, "national", embedder=hashing, context=ctx)
    assert [it.best("national").evidence.context for it in al.items] == ctx
    plain = align(names, "national", embedder=hashing)
    assert al.items[0].scores_for("national") != plain.items[0].scores_for("national")
    assert al.items[1].scores_for("national") == plain.items[1].scores_for("national")
    with pytest.raises(ValueError, match="context"):
        align(names, "national", embedder=hashing, context=["one"])
    with pytest.raises(TypeError, match="context"):
        align(names, "national", embedder=hashing, context="พัฒนาถนน")
