"""Planner questions to ``similar_goals``: a fitting statement of another organisation first.

The questions and the small corpus are written here, in the way planners ask
("อบต.ไหนมี…บ้าง", a ผ.02 project name) — not taken from the blind query set of
``benchmarks/data/similar_queries.jsonl`` or from the evaluation statements. Each
question names its service only with words of a typical project (ลูกระนาด, ศาลา
บำเพ็ญกุศล, ฝายชะลอน้ำ…), never with the words of the statement it should find, so
the statement comes first through the service-area profile and the project-type
knowledge, not by sharing words. The corpus also holds a framework quoted by a plan
(the DLA's, level ``department``) and a policy-area headline: neither is a goal of
another subdistrict.
"""

from __future__ import annotations

import pytest

from plansearch import PlanIndex, Section
from plansearch.search import similar as similar_mod
from plansearch.search import topics as topics_mod
from plansearch.search.similar import SIMILAR_KINDS, SIMILAR_LEVEL, similar_goals

CORPUS = [
    # (id, org, kind, level, text)
    ("road", "อบต.ข", "goal", "local", "ปรับปรุงถนนและทางเท้าให้สัญจรได้สะดวกปลอดภัย"),
    ("crem", "อบต.ค", "tactic", "local", "ปรับปรุงฌาปนสถานและเมรุของตำบลให้ได้มาตรฐาน"),
    ("edu", "อบต.ง", "goal", "local", "ยกระดับคุณภาพการศึกษาของโรงเรียนและศูนย์พัฒนาเด็กเล็ก"),
    ("source", "อบต.ข", "tactic", "local", "พัฒนาแหล่งน้ำเพื่อการเกษตรและขุดลอกหนองคลอง"),
    ("health", "เทศบาลตำบลจ", "goal", "local", "ป้องกันและควบคุมโรคติดต่อในชุมชน"),
    ("culture", "อบต.ฉ", "mission", "local", "อนุรักษ์สืบสานศิลปวัฒนธรรมและประเพณีท้องถิ่น"),
    ("waste", "อบต.ค", "policy", "local", "บริหารจัดการมูลฝอยและสิ่งปฏิกูลให้ถูกหลักสุขาภิบาล"),
    ("elec", "อบต.ง", "goal", "local", "ขยายเขตไฟฟ้าและไฟส่องสว่างให้ทั่วถึงทุกหมู่บ้าน"),
    ("occ", "อบต.ฉ", "goal", "local", "ส่งเสริมอาชีพและเพิ่มรายได้ให้ประชาชนในตำบล"),
    ("welfare", "เทศบาลตำบลจ", "tactic", "local", "จ่ายเบี้ยยังชีพผู้สูงอายุและคนพิการอย่างทั่วถึง"),
    ("tour", "อบต.ข", "goal", "local", "พัฒนาแหล่งท่องเที่ยวและประชาสัมพันธ์การท่องเที่ยวของตำบล"),
    # the DLA's strategy plan as อบต.ค's plan quotes it: not อบต.ค's own goal
    (
        "dla",
        "อบต.ค",
        "tactic",
        "department",
        "พัฒนาถนนและโครงสร้างพื้นฐานขององค์กรปกครองส่วนท้องถิ่นให้สัญจรได้ปลอดภัย",
    ),
    # a policy area: a headline over policy items, like a strategy
    ("area", "อบต.ง", "policy_area", "local", "นโยบายด้านโครงสร้างพื้นฐาน ถนน ทางเท้า"),
    # the asker's own plan
    ("own", "อบต.ก", "goal", "local", "ก่อสร้างถนนคอนกรีตเสริมเหล็กและติดตั้งลูกระนาดในหมู่บ้าน"),
]

QUESTIONS = {
    "อบต.ไหนมีแผนเรื่องลูกระนาดและกระจกโค้งบ้าง": "road",
    "อบต.ไหนมีโครงการศาลาบำเพ็ญกุศลและโรงฆ่าสัตว์บ้าง": "crem",
    "ท้องถิ่นไหนจ้างครูสอนภาษาอังกฤษบ้าง": "edu",
    "มีที่ไหนทำฝายชะลอน้ำบ้าง": "source",
    "ขอดูตัวอย่างแผนทำลายแหล่งเพาะพันธุ์ยุงลาย": "health",
    "โครงการจัดงานลอยกระทงและแห่เทียนพรรษา": "culture",
    "เทศบาลไหนมีรถเก็บขนขยะบ้าง": "waste",
}


def corpus_index(embedder) -> PlanIndex:
    secs = [
        Section.from_text(text, org=org, kind=kind, level=level, id=sid)
        for sid, org, kind, level, text in CORPUS
    ]
    return PlanIndex.build(secs, embedder=embedder)


@pytest.fixture(scope="module")
def index(hashing) -> PlanIndex:
    return corpus_index(hashing)


def words_of(sid: str) -> set[str]:
    from plansearch.thai import tokenize

    text = next(t for i, *_, t in CORPUS if i == sid)
    return set(tokenize(text))


@pytest.fixture
def by_service(monkeypatch):
    """Rank by the service-area profile alone: the hashing embedder of the fast tests
    has no semantics, so its text score of texts without a shared word is noise (the
    real model's ranking is checked under ``model``)."""
    monkeypatch.setattr(similar_mod, "TOPIC_WEIGHT", 1.0)


def firsts(index: PlanIndex, questions) -> dict[str, str]:
    return {
        q: similar_goals(index, q, k=1, exclude_org="อบต.ก").hits[0].section.id for q in questions
    }


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_planner_question_finds_a_fitting_statement_first(index, by_service, question):
    from plansearch.thai import tokenize

    want = QUESTIONS[question]
    assert not set(tokenize(question)) & words_of(want)  # no word in common
    res = similar_goals(index, question, k=3, exclude_org="อบต.ก")
    assert res.hits[0].section.id == want
    assert res.hits[0].topic is not None  # the shared service is named


KNOWN_ONLY_BY_PROJECT_TYPES = [
    "อบต.ไหนมีแผนเรื่องลูกระนาดและกระจกโค้งบ้าง",
    "ขอดูตัวอย่างแผนทำลายแหล่งเพาะพันธุ์ยุงลาย",
]


def test_project_type_knowledge_carries_the_phrasings_no_area_names(index, by_service, monkeypatch):
    """Without the project types, "ลูกระนาด กระจกโค้ง" and "เพาะพันธุ์ยุงลาย" name no
    service, and their statements are no longer first."""
    assert firsts(index, KNOWN_ONLY_BY_PROJECT_TYPES) == {
        q: QUESTIONS[q] for q in KNOWN_ONLY_BY_PROJECT_TYPES
    }
    monkeypatch.setattr(topics_mod, "_builtin_knowledge", lambda name: {})
    monkeypatch.setattr(topics_mod, "_CACHE", type(topics_mod._CACHE)())
    bare = firsts(corpus_index(index.embedder), KNOWN_ONLY_BY_PROJECT_TYPES)
    assert all(bare[q] != QUESTIONS[q] for q in KNOWN_ONLY_BY_PROJECT_TYPES)


def test_quoted_frameworks_and_headlines_are_not_returned(index):
    assert SIMILAR_LEVEL == "local" and "policy_area" not in SIMILAR_KINDS
    res = similar_goals(index, "พัฒนาถนนและโครงสร้างพื้นฐาน", k=20, exclude_org="อบต.ก")
    ids = {h.section.id for h in res.hits}
    assert "road" in ids and not ids & {"dla", "area", "own"}
    assert (
        len(res.hits)
        == sum(1 for _, org, kind, level, _ in CORPUS if org != "อบต.ก" and kind != "policy_area")
        - 1
    )  # every own statement of the others, the DLA's tactic left out
    # asked for, the quoted framework comes back
    quoted = similar_goals(index, "พัฒนาถนน", k=5, where={"level": "department"})
    assert [h.section.id for h in quoted.hits] == ["dla"]
    # a section as the query: its own organisation and its quotes stay out
    dla = next(s for s in index.sections if s.id == "dla")
    assert "dla" not in {h.section.id for h in similar_goals(index, dla, k=20).hits}


def test_an_index_without_own_statements_answers_from_what_it_holds(hashing):
    """An index of quoted frameworks only (no ``local`` level) is not filtered empty."""
    secs = [
        Section.from_text(text, org=org, kind=kind, level="province", id=sid)
        for sid, org, kind, _, text in CORPUS[:4]
    ]
    idx = PlanIndex.build(secs, embedder=hashing)
    assert len(similar_goals(idx, "ถนน", k=3)) == 3


@pytest.mark.model
def test_planner_questions_with_the_real_model():
    """The default ranking (text and service area) of the real model."""
    from plansearch.embed import Embedder

    assert firsts(corpus_index(Embedder()), QUESTIONS) == QUESTIONS
