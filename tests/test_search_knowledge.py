"""Search uses the service-area knowledge (issue 9): re-ranking, policy in similar goals."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from plansearch import InputError, PlanIndex, read_jsonl
from plansearch.cli import main
from plansearch.embed.hashing import HashingEmbedder
from plansearch.search.index import DEFAULT_SEARCH_TOPICS
from plansearch.search.similar import SIMILAR_KINDS, similar_goals
from plansearch.search.topics import profiler_for, rerank_by_topic

DATA = Path(__file__).parent / "data" / "search_knowledge_sections.jsonl"
GOALS = {"kind": "goal"}  # the four goals: electricity (boilerplate), water, road, occupation


@pytest.fixture(scope="module")
def index() -> PlanIndex:
    return PlanIndex.build(read_jsonl(DATA), embedder=HashingEmbedder(256))


def ids(hits) -> list[str]:
    return [h.section.id for h in hits]


def test_rerank_lifts_the_same_service_above_shared_boilerplate(index):
    q = "น้ำประปาหมู่บ้าน"
    plain = ids(index.search(q, k=4, where=GOALS, topics=None))
    # text alone: the electricity / occupation goals share "ประชาชนในหมู่บ้าน" and win
    assert plain.index("water") > plain.index("elec")
    ranked = index.search(q, k=4, where=GOALS, topics="services")
    assert ids(ranked)[0] == "water"
    assert ids(ranked).index("water") < ids(ranked).index("elec")
    assert all(h.topic is not None and 0.0 <= h.topic <= 1.0 + 1e-6 for h in ranked)
    assert [h.rank for h in ranked] == [1, 2, 3, 4]
    assert all(a.score >= b.score for a, b in itertools.pairwise(ranked))
    assert (
        "topic" in ranked[0].to_dict() and "topic" not in index.search(q, topics=None)[0].to_dict()
    )


def test_rerank_is_the_default_and_keeps_filters(index):
    assert DEFAULT_SEARCH_TOPICS == "services"
    q = "น้ำประปาหมู่บ้าน"
    assert ids(index.search(q, k=4, where=GOALS)) == ids(
        index.search(q, k=4, where=GOALS, topics="services")
    )
    for mode in ("dense", "lexical", "hybrid"):
        hits = index.search(q, k=3, where={"org": "อบต.ข"}, mode=mode)
        assert hits and all(h.section.org == "อบต.ข" for h in hits)


def test_rerank_helper_is_shared_and_orders_by_mixed_score(index):
    prof = profiler_for(index.embedder, "services")
    texts = [s.content for s in index.sections]
    vec = index.embedder.encode(["น้ำประปาหมู่บ้าน"], kind="query")[0]
    r = rerank_by_topic(
        prof, "น้ำประปาหมู่บ้าน", vec, texts, index.vectors_for(), [1.0] * len(texts), k=3
    )
    assert len(r.order) == 3
    assert [r.score[i] for i in r.order] == sorted((r.score[i] for i in r.order), reverse=True)
    assert "ประปา" in texts[r.order[0]]  # equal text scores: the service decides
    empty = rerank_by_topic(prof, "x", vec, [], index.vectors_for()[:0], [], k=3)
    assert empty.order == ()
    with pytest.raises(ValueError):
        rerank_by_topic(prof, "x", vec, texts, index.vectors_for(), [1.0], k=3)


def test_similar_goals_returns_policy_items_but_not_headlines(index):
    assert "policy" in SIMILAR_KINDS
    assert not {"vision", "strategy", "indicator"} & set(SIMILAR_KINDS)
    res = similar_goals(index, "ขยายเขตประปาหมู่บ้าน", k=10, exclude_org="อบต.ก")
    kinds = {h.section.kind for h in res.hits}
    assert "policy" in kinds
    assert not kinds & {"vision", "strategy"}
    assert res.hits[0].section.id in {"policy-water", "water"}


@pytest.mark.parametrize("query", ["water supply for villages", "\x00\x01\ufffd\x7f", "%PDF-1.4"])
def test_odd_queries_behave_as_without_reranking(index, query):
    plain = index.search(query, k=3, topics=None)
    ranked = index.search(query, k=3)
    assert len(ranked) == len(plain)
    assert all(math.isfinite(h.score) for h in ranked)


def test_empty_query_still_raises(index):
    for topics in (None, "services"):
        with pytest.raises(InputError, match="empty"):
            index.search("  \n ", topics=topics)
    assert PlanIndex(HashingEmbedder(64)).search("ถนน") == []


def test_cli_no_topics_ranks_by_text_alone(tmp_path, capsys):
    out = tmp_path / "idx"
    assert main(["index", str(DATA), "--out", str(out), "--embedder", "hashing"]) == 0
    capsys.readouterr()
    idx = PlanIndex.load(out)
    q = "น้ำประปาหมู่บ้าน"
    seen = []
    for flags, topics in (([], "services"), (["--no-topics"], None)):
        assert main(["search", q, "--index", str(out), "--k", "5", "--json", *flags]) == 0
        got = [h["section"]["id"] for h in json.loads(capsys.readouterr().out)]
        assert got == ids(idx.search(q, k=5, topics=topics))
        seen.append(got)
    assert seen[0] != seen[1]  # the flag changes the ranking on this query
