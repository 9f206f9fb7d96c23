"""Similar goals across organisations, and near-duplicate passages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plansearch import InputError, PlanIndex, Section, read_jsonl
from plansearch.embed.hashing import HashingEmbedder
from plansearch.search.similar import SIMILAR_KINDS, near_duplicates, similar_goals

DATA = Path(__file__).parent / "data" / "index_sections.jsonl"


@pytest.fixture(scope="module")
def index() -> PlanIndex:
    return PlanIndex.build(read_jsonl(DATA), embedder=HashingEmbedder(256))


def test_excludes_own_org_inside_the_search(index):
    orgs = {s.org for s in index.sections}
    res = similar_goals(index, "ขยายเขตระบบประปาหมู่บ้าน", k=5, exclude_org="อบต.หนองฮาง")
    assert res.hits and all(h.section.org != "อบต.หนองฮาง" for h in res.hits)
    eligible = [s for s in index.sections if s.org != "อบต.หนองฮาง" and s.kind in SIMILAR_KINDS]
    assert len(res.hits) == min(5, len(eligible))
    assert len(orgs) > 1


def test_section_query_excludes_its_own_org_and_groups_by_org(index):
    q = next(s for s in index.sections if "ประปา" in s.content)
    res = similar_goals(index, q, k=8)
    assert all(h.section.org != q.org for h in res.hits)
    flat = [h.section.id for g in res.groups for h in g.hits]
    assert sorted(flat) == sorted(h.section.id for h in res.hits)
    assert [g.score for g in res.groups] == sorted((g.score for g in res.groups), reverse=True)
    assert len({g.org for g in res.groups}) == len(res.groups)
    top = res.hits[0].section.content
    assert "ประปา" in top or "น้ำ" in top


def test_where_and_empty_cases(index):
    provinces = {s.province for s in index.sections}
    p = sorted(x for x in provinces if x)[0]
    res = similar_goals(index, "ถนน", k=10, where={"province": p})
    assert all(h.section.province == p for h in res.hits)
    with pytest.raises(InputError, match="empty"):  # as PlanIndex.search does
        similar_goals(index, "   ", k=3)
    everyone = sorted({s.org for s in index.sections if s.org})
    assert len(similar_goals(index, "ถนน", k=3, exclude_org=everyone)) == 0
    with pytest.raises(ValueError):
        similar_goals(index, "ถนน", k=0)
    d = similar_goals(index, "ถนน", k=3).to_dict()
    assert d["query"] == "ถนน" and isinstance(d["groups"], list)


def test_near_duplicates_flags_copied_text_between_orgs_only():
    text = "ส่งเสริมและพัฒนาคุณภาพชีวิตของประชาชนให้มีความเป็นอยู่ที่ดีขึ้นอย่างยั่งยืน"
    secs = [
        Section.from_text(text, org="อบต.ก"),
        Section.from_text(text + " ", org="อบต.ข", id="copy"),
        Section.from_text(text, org="อบต.ก", id="same-org"),
        Section.from_text("ก่อสร้างถนนคอนกรีตเสริมเหล็กสายหลักของตำบลเชื่อมหมู่บ้าน", org="อบต.ค"),
    ]
    vecs = HashingEmbedder(256).encode([s.content for s in secs])
    dups = near_duplicates(secs, vecs)
    pairs = {frozenset((d.a.org, d.b.org)) for d in dups}
    assert frozenset(("อบต.ก", "อบต.ข")) in pairs
    assert all(d.a.org != d.b.org for d in dups)
    assert all("อบต.ค" not in (d.a.org, d.b.org) for d in dups)
    assert near_duplicates(secs[:1], vecs[:1]) == []
    assert near_duplicates([], np.zeros((0, 256), np.float32)) == []


def test_org_names_match_in_any_common_spelling():
    secs = [
        Section.from_text("ขยายเขตประปาหมู่บ้าน", org="องค์การบริหารส่วนตำบลโขมง"),
        Section.from_text("ขยายเขตประปาหมู่บ้านให้ทั่วถึง", org="อบต. หนองฮาง"),
        Section.from_text("ซ่อมแซมระบบประปาหมู่บ้าน", org="เทศบาลตำบลบ้านอ้อน"),
    ]
    idx = PlanIndex.build(secs, embedder=HashingEmbedder(64))
    hits = idx.search("ประปา", k=5, where={"org": "อบต.โขมง"})
    assert [h.section.org for h in hits] == ["องค์การบริหารส่วนตำบลโขมง"]
    res = similar_goals(
        idx, "ประปาหมู่บ้าน", k=5, exclude_org=["องค์การบริหารส่วนตำบลหนองฮาง", "ทต.บ้านอ้อน"]
    )
    assert [h.section.org for h in res.hits] == ["องค์การบริหารส่วนตำบลโขมง"]
