"""Consistent answers (issue 12, defect 10): empty queries and unknown filter values
raise ``InputError`` in ``PlanIndex.search`` and ``similar_goals`` alike; province and
organisation filters match every common spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansearch import HashingEmbedder, InputError, PlanIndex, Section, read_jsonl
from plansearch.search.filters import canonical_province, normalise_where
from plansearch.search.similar import similar_goals

DATA = Path(__file__).parent / "data" / "index_sections.jsonl"


@pytest.fixture(scope="module")
def index() -> PlanIndex:
    extra = [
        Section.from_text("ปรับปรุงระบบประปาหมู่บ้าน", org="อบต.นาอ้อ", province="จังหวัดเลย"),
        Section.from_text("ส่งเสริมการท่องเที่ยวเชิงเกษตร", org="อบต.นาอ้อ", province="จ.เลย"),
    ]
    return PlanIndex.build([*read_jsonl(DATA), *extra], embedder=HashingEmbedder(64))


@pytest.mark.parametrize("query", ["", "   ", "\n\t ", "\u3000"])
def test_empty_query_raises_in_search_and_similar(index, query):
    with pytest.raises(InputError, match="empty"):
        index.search(query)
    with pytest.raises(InputError, match="empty"):
        similar_goals(index, query)
    with pytest.raises(InputError, match="empty"):
        similar_goals(index, query, topics=None)


@pytest.mark.parametrize(
    ("where", "listed"),
    [
        ({"level": "bogus"}, "local"),
        ({"kind": "x"}, "goal"),
        ({"kind": ["goal", "nope"]}, "tactic"),
    ],
)
def test_unknown_closed_value_lists_the_valid_ones(index, where, listed):
    with pytest.raises(InputError, match=rf"unknown {next(iter(where))}.*{listed}"):
        index.search("ถนน", where=where)
    with pytest.raises(InputError, match=listed):
        similar_goals(index, "ถนน", where=where)
    with pytest.raises(InputError):  # even on an empty index
        PlanIndex(HashingEmbedder(8)).search("ถนน", where=where)


def test_closed_values_are_case_and_space_tolerant(index):
    assert normalise_where({"level": " Local ", "kind": "GOAL"}) == {
        "level": frozenset({"local"}),
        "kind": frozenset({"goal"}),
    }
    hits = index.search("ถนน", k=3, where={"kind": "Tactic"}, mode="dense")
    assert hits and all(h.section.kind == "tactic" for h in hits)


@pytest.mark.parametrize("spelling", ["เลย", "จังหวัดเลย", "จ.เลย", "จ. เลย", " จังหวัด เลย "])
def test_every_province_spelling_matches(index, spelling):
    hits = index.search("ประปา", k=10, where={"province": spelling}, mode="dense", relevance=None)
    assert {h.section.org for h in hits} == {"อบต.นาอ้อ"}
    assert len(hits) == 2  # stored as "จังหวัดเลย" and "จ.เลย": both are เลย


def test_province_values_are_canonical(index):
    assert "เลย" in index.values("province")
    assert not any(str(p).startswith(("จังหวัด", "จ.")) for p in index.values("province"))
    assert canonical_province("กรุงเทพฯ") == "กรุงเทพมหานคร"


@pytest.mark.parametrize("spelling", ["อบต.นาอ้อ", "อบต. นาอ้อ", "องค์การบริหารส่วนตำบลนาอ้อ"])
def test_every_org_spelling_matches(index, spelling):
    found = index.search("ประปา", k=10, where={"org": spelling}, mode="dense", relevance=None)
    assert len(found) == 2
    res = similar_goals(index, "ประปาหมู่บ้าน", k=10, exclude_org=spelling, topics=None)
    assert res.hits and all(h.section.org != "อบต.นาอ้อ" for h in res.hits)
