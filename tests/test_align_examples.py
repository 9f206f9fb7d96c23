"""Learning from the planner: examples move similar items' suggestions, never unrelated ones."""

from __future__ import annotations

import numpy as np
import pytest

from plansearch.alignment import Example, ExampleError
from plansearch.alignment.examples import example_votes
from plansearch.alignment.pipeline import align
from plansearch.alignment.scorecard import score_card
from plansearch.alignment.settings import AlignSettings
from plansearch.errors import PlanSearchError

ROAD = "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน หมู่ที่ 5 บ้านหนองบัว"
ROAD_EXAMPLE = "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน หมู่ที่ 3 บ้านโคกสูง"
ELDERLY = "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์"
ITEMS = [ROAD, ELDERLY]


def test_a_correction_moves_a_similar_item_and_not_an_unrelated_one(emb) -> None:
    before = align(ITEMS, ["national", "sdg"], embedder=emb, k=6)
    road_best = before.items[0].best("national").target_id
    # the planner corrects the road link to a target the method did not suggest first
    wanted = next(t for t in ("NS6", "NS1", "NS5") if t != road_best)
    ex = [Example(ROAD_EXAMPLE, "national", wanted)]
    after = align(ITEMS, ["national", "sdg"], embedder=emb, k=6, examples=ex)
    assert after.items[0].best("national").target_id == wanted
    # the unrelated item is exactly as before, in every framework
    assert after.items[1].scores_for("national") == before.items[1].scores_for("national")
    assert after.items[1].scores_for("sdg") == before.items[1].scores_for("sdg")
    # the SDGs are anchored to the national strategy: the corrected item's SDG scores
    # follow its corrected national link; without the anchor they do not move at all
    off = AlignSettings(card=score_card().replace(anchor_weight=0.0))
    b0 = align(ITEMS, ["national", "sdg"], embedder=emb, k=6, settings=off)
    a0 = align(ITEMS, ["national", "sdg"], embedder=emb, k=6, settings=off, examples=ex)
    for it_a, it_b in zip(a0.items, b0.items, strict=True):
        assert it_a.scores_for("sdg") == it_b.scores_for("sdg")


def test_a_rejection_pushes_the_target_down(emb) -> None:
    before = align([ROAD], "national", embedder=emb, k=6)
    first = before.items[0].best("national").target_id
    ex = [Example(ROAD_EXAMPLE, "national", first, accepted=False)]
    after = align([ROAD], "national", embedder=emb, k=6, examples=ex)
    i = before.framework("national").target_ids.index(first)
    assert after.items[0].scores_for("national")[i] < before.items[0].scores_for("national")[i]


def test_examples_as_dicts_and_for_other_frameworks(emb) -> None:
    base = align(ITEMS, "national", embedder=emb)
    # an example for a framework not aligned changes nothing
    other = align(ITEMS, "national", embedder=emb, examples=[Example(ROAD, "sdg", "SDG9")])
    assert [it.scores for it in other.items] == [it.scores for it in base.items]
    d = align(
        ITEMS,
        "national",
        embedder=emb,
        examples=[{"text": ROAD_EXAMPLE, "framework": "national", "target_id": "NS6"}],
    )
    assert d.items[0].scores != base.items[0].scores


@pytest.mark.parametrize(
    "bad",
    [
        {"text": "  ", "framework": "national", "target_id": "NS2"},
        {"text": ROAD, "framework": "", "target_id": "NS2"},
        {"text": ROAD, "framework": "national"},
        {"text": ROAD, "framework": "national", "target_id": "NS2", "accepted": "yes"},
    ],
)
def test_malformed_examples_raise_a_named_error(emb, bad) -> None:
    with pytest.raises(ExampleError) as e:
        align(ITEMS, "national", embedder=emb, examples=[bad])
    assert isinstance(e.value, PlanSearchError)


def test_unknown_target_of_an_aligned_framework(emb) -> None:
    with pytest.raises(ExampleError, match="NS9"):
        align(ITEMS, "national", embedder=emb, examples=[Example(ROAD, "national", "NS9")])


def test_vote_is_bounded_and_zero_for_dissimilar_items() -> None:
    rng = np.random.default_rng(0)
    bg = rng.normal(size=(12, 16)).astype(np.float32)
    bg /= np.linalg.norm(bg, axis=1, keepdims=True)
    ex_vec = bg[:1] * 0 + rng.normal(size=(1, 16)).astype(np.float32)
    ex_vec /= np.linalg.norm(ex_vec)
    items = np.vstack([ex_vec, -ex_vec]).astype(np.float32)  # identical, opposite
    exs = [Example("x", "f", "B")] * 3
    low = score_card().replace(example_floor=1.0)
    v = example_votes(items, np.repeat(ex_vec, 3, axis=0), bg, exs, ["A", "B"], low)
    assert v[0, 1] == pytest.approx(1.0) and v[0, 0] == 0.0  # capped at 1, however many
    assert np.all(v[1] == 0.0)
