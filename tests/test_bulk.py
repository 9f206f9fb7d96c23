"""Bulk alignment (plansearch.alignment.bulk) ranks exactly like align()."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from plansearch import Section
from plansearch.alignment.bulk import align_bulk, align_matrix, prepare_spaces, topk_stable
from plansearch.alignment.calibrate import logistic
from plansearch.alignment.evidence import (
    anchor_prior,
    dense_scores,
    evidence,
    foreign_share,
    in_register,
    parent_prior,
    register_of,
    zscore,
)
from plansearch.alignment.items import item_vectors
from plansearch.alignment.lexical import lexical_scores
from plansearch.alignment.pipeline import align
from plansearch.alignment.scorecard import score_card
from plansearch.thai import tokenize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic_corpus as sc

S = score_card()
FRAMEWORKS = ["national", "nesdp13", "sdg", "dla", "nesdp12"]


@pytest.fixture(scope="module")
def items() -> list[Section]:
    secs = sc.generate(1500, seed=4)
    return [s for s in secs if s.kind in ("tactic", "project", "strategy")][:160]


@pytest.fixture(scope="module")
def prepared(emb):
    return prepare_spaces(FRAMEWORKS, emb)


def _item_vectors(items, plan, emb):
    """The items' query vectors as align() computes them (parent context included)."""
    return item_vectors(items, plan, emb, S, S.context_weight)


def final_score(z, lexical):
    return logistic(evidence(z, lexical, S), S)


def test_same_top_k_and_scores_as_align(emb, items, prepared) -> None:
    al = align(items, FRAMEWORKS, embedder=emb, k=4)
    q = _item_vectors(items, None, emb)
    toks = [tokenize(s.content) for s in items]
    bulk = align_bulk(q, prepared, top_k=4, item_tokens=toks, chunk_size=37)
    assert list(bulk) == [f.name for f in al.frameworks]
    for k, fw in enumerate(al.frameworks):
        res = bulk[fw.name]
        assert res.ids.shape == (len(items), min(4, len(fw.target_ids)))
        assert res.ids.dtype == np.int32 and res.scores.dtype == np.float32
        for i, it in enumerate(al.items):
            want = [m.target_id for m in it.matches[k]]
            assert res.target_ids(i) == want, (fw.name, i)
            got = [round(float(x), 4) for x in res.scores[i]]
            assert got == pytest.approx([m.score for m in it.matches[k]], abs=1.5e-4)


def test_scores_equal_reference_scoring_maths(emb, items, prepared) -> None:
    q = _item_vectors(items, None, emb)
    toks = [tokenize(s.content) for s in items]
    texts = [s.content for s in items]

    def ev(prep):
        dense = dense_scores(q, prep.node_vecs, prep.space, S.top_nodes).combined
        # an item in another language: its cosines in the register of local plans
        level, scale = register_of(q, prep.register.pool)
        foreign = np.array([foreign_share("".join(t)) for t in toks], np.float32)
        dense = in_register(dense, level, scale, prep.register, S.register_weight * foreign)
        z = zscore(dense, prep.background)
        return evidence(z, lexical_scores(texts, prep.space, toks).coverage, S)

    for prep in prepared:
        extra = 0.0
        if prep.parent is not None:  # master plans are scored with their national strategy
            extra = parent_prior(ev(prep.parent), np.array(prep.space.target_parents), 1.0)
        if prep.anchor is not None:  # SDGs and milestones take the national links' crosswalk
            extra = extra + anchor_prior(ev(prep.anchor), prep.walk, S.anchor_weight, S.temperature)
        final = logistic(ev(prep) + extra, S)
        want = np.argsort(-final, axis=1, kind="stable")[:, :5]
        ids, scores = align_matrix(q, prep, top_k=5, item_tokens=toks, chunk_size=50)
        np.testing.assert_array_equal(ids, want)
        np.testing.assert_allclose(scores, np.take_along_axis(final, want, 1), atol=1e-6)


def test_chunking_and_dense_only(emb, items, prepared) -> None:
    q = _item_vectors(items, None, emb)
    prep = prepared[0]
    a = align_matrix(q, prep, top_k=3, chunk_size=1)
    b = align_matrix(q, prep, top_k=3, chunk_size=10_000)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], atol=1e-6)  # BLAS gemv vs gemm: last bits
    # without tokens: the dense-only ranking of the reference maths
    z = zscore(dense_scores(q, prep.node_vecs, prep.space, S.top_nodes).combined, prep.background)
    final = final_score(z, np.zeros_like(z))
    np.testing.assert_array_equal(a[0], np.argsort(-final, axis=1, kind="stable")[:, :3])


@pytest.mark.parametrize("top_nodes", [1, 3])
def test_other_top_nodes_use_reference_path(emb, items, prepared, top_nodes) -> None:
    q = _item_vectors(items[:20], None, emb)
    prep = prepared[2]
    assert prep.space.name == "nesdp13" and prep.anchor is not None
    ids, _ = align_matrix(q, prep, top_k=2, top_nodes=top_nodes)

    def z_of(p):  # no item tokens: no register correction
        return zscore(dense_scores(q, p.node_vecs, p.space, top_nodes).combined, p.background)

    z = z_of(prep) + anchor_prior(
        evidence(z_of(prep.anchor), 0.0, S), prep.walk, S.anchor_weight, S.temperature
    )
    final = final_score(z, np.zeros_like(z))
    np.testing.assert_array_equal(ids, np.argsort(-final, axis=1, kind="stable")[:, :2])


def test_topk_stable_breaks_ties_like_stable_argsort() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(300, 17)).astype(np.float32)  # many ties
    for k in (1, 3, 17, 40):
        ids, vals = topk_stable(x, k)
        want = np.argsort(-x, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(ids, want)
        np.testing.assert_array_equal(vals, np.take_along_axis(x, want, 1))


def test_bad_input(emb, prepared) -> None:
    q = emb.encode(["ถนน"], kind="query")
    with pytest.raises(ValueError, match="top_k"):
        align_matrix(q, prepared[0], top_k=0)
    with pytest.raises(ValueError, match="shape"):
        align_matrix(np.zeros((2, 7), np.float32), prepared[0])
    with pytest.raises(ValueError, match="token lists"):
        align_matrix(q, prepared[0], item_tokens=[["ถนน"], ["น้ำ"]])
    ids, scores = align_matrix(np.zeros((0, q.shape[1]), np.float32), prepared[0])
    assert ids.shape[0] == 0 and scores.shape[0] == 0


def test_bulk_equals_align_for_text_in_another_language(emb, prepared) -> None:
    """English items are re-expressed in the register of local plans in both paths."""
    texts = [
        "Rural roads connect villages to markets in every season.",
        "Older people receive a monthly allowance from the local government.",
        "โครงการก่อสร้างถนนคอนกรีตเสริมเหล็ก (concrete road) หมู่ที่ 4",
    ]
    al = align(texts, FRAMEWORKS, embedder=emb, k=3)
    secs = [Section.from_text(t, kind="goal", id=f"e{k}") for k, t in enumerate(texts)]
    q = _item_vectors(secs, None, emb)
    toks = [tokenize(t) for t in texts]
    bulk = align_bulk(q, prepared, top_k=3, item_tokens=toks)
    for k, fw in enumerate(al.frameworks):
        for i, it in enumerate(al.items):
            assert bulk[fw.name].target_ids(i) == [m.target_id for m in it.matches[k]]
            got = [round(float(x), 4) for x in bulk[fw.name].scores[i]]
            assert got == pytest.approx([m.score for m in it.matches[k]], abs=1.5e-4)
