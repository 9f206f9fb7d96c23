"""Quoted higher frameworks (PAO, province, provincial group) are scored over what the
plan itself quotes under them: a quoted strategy's tactics are its subtree."""

from __future__ import annotations

from pathlib import Path

from plansearch import align, parse_plan
from plansearch.frameworks.space import resolve

PLAN = """แผนพัฒนาท้องถิ่น (พ.ศ. 2566-2570) องค์การบริหารส่วนตำบลทดสอบ

ส่วนที่ 2 ยุทธศาสตร์องค์กรปกครองส่วนท้องถิ่น

1. ยุทธศาสตร์การพัฒนาขององค์การบริหารส่วนจังหวัด

ยุทธศาสตร์ที่ 1 การพัฒนาเมืองและชุมชน
แนวทางการพัฒนา
1.1 ก่อสร้างและบำรุงรักษาถนนเชื่อมโยงระหว่างอำเภอ
1.2 ขยายเขตระบบประปาและไฟฟ้าสาธารณะ

ยุทธศาสตร์ที่ 2 การพัฒนาคน
แนวทางการพัฒนา
2.1 ส่งเสริมการศึกษาและการกีฬา
2.2 ส่งเสริมสุขภาพและป้องกันโรคติดต่อ

2. ยุทธศาสตร์การพัฒนาขององค์การบริหารส่วนตำบล

ยุทธศาสตร์ที่ 1 ด้านโครงสร้างพื้นฐาน
แนวทางการพัฒนา
1.1 ก่อสร้างและซ่อมแซมถนนภายในหมู่บ้าน

ยุทธศาสตร์ที่ 2 ด้านสาธารณสุข
แนวทางการพัฒนา
2.1 ป้องกันและควบคุมโรคติดต่อในชุมชน
"""


def test_a_quoted_pao_strategy_is_scored_over_the_tactics_the_plan_quotes(
    tmp_path: Path, hashing
) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    plan = parse_plan(path)
    pao = {s.id: s for s in plan.sections if s.level == "pao"}
    strategies = [s for s in pao.values() if s.kind == "strategy"]
    tactics = [s for s in pao.values() if s.kind == "tactic"]
    assert len(strategies) == 2 and len(tactics) == 4
    (space,) = resolve("pao", plan)
    # the PAO tactics are nodes of their strategy's subtree (not bare titles)
    for t in tactics:
        node = space.node_by_id[t.id]
        assert space.target_ids[node.root] == t.parent_id
    al = align(plan, "pao", embedder=hashing, k=2)
    by_text = {it.item.content: it for it in al.items}
    road = next(it for text, it in by_text.items() if "ถนนภายในหมู่บ้าน" in text)
    disease = next(it for text, it in by_text.items() if "ควบคุมโรค" in text)
    for it, first_tactic in ((road, "ถนน"), (disease, "โรคติดต่อ")):
        best = it.best("pao")
        assert best is not None
        quoted = pao[best.evidence.sub_id]  # the evidence is a quoted PAO section
        assert quoted.kind == "tactic" and first_tactic in quoted.content
        assert best.target_id == quoted.parent_id
