"""Framework levels (master plans scored with their national strategy) and the
ensemble of a domain-adapted embedder with its frozen base model."""

from __future__ import annotations

import numpy as np
import pytest

from plansearch import HashingEmbedder, align, reference
from plansearch.alignment.bulk import align_bulk, prepare_spaces
from plansearch.alignment.items import item_vectors
from plansearch.alignment.prepare import frozen_embedder
from plansearch.alignment.scorecard import score_card
from plansearch.alignment.settings import AlignSettings, SettingsError
from plansearch.embed.base import BaseEmbedder, l2_normalise
from plansearch.thai import tokenize

CARD = score_card()


def card(**values: float) -> AlignSettings:
    """Default settings with some score-card values changed."""
    return AlignSettings(card=CARD.replace(**values))


ITEMS = [
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "ส่งเสริมอาชีพและรายได้ของกลุ่มแม่บ้านเกษตรกร",
    "จัดการขยะมูลฝอยและรณรงค์คัดแยกขยะในครัวเรือน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุและคนพิการ",
    "พัฒนาศักยภาพบุคลากรขององค์การบริหารส่วนตำบล",
    "ป้องกันและแก้ไขปัญหายาเสพติดในชุมชน",
]


def _ns_of_master_plans() -> dict[str, str]:
    ref = reference("national")
    out = {}
    for t in ref.of_type("master_plan"):
        top = t
        while top.parent_id:
            top = ref.get(top.parent_id)
        out[t.id] = top.id
    return out


def test_master_plans_follow_their_national_strategy_when_the_parent_dominates(hashing):
    heavy = card(parent_weight=100.0)
    al = align(ITEMS, "national", embedder=hashing, settings=heavy)
    parent = _ns_of_master_plans()
    for it in al.items:
        assert parent[it.best("masterplan").target_id] == it.best("national").target_id


def test_parent_weight_changes_master_plan_scores_not_the_national_ones(hashing):
    on = align(ITEMS, "national", embedder=hashing)
    off = align(ITEMS, "national", embedder=hashing, settings=card(parent_weight=0.0))
    assert [it.scores_for("national") for it in on.items] == [
        it.scores_for("national") for it in off.items
    ]
    assert [it.scores_for("masterplan") for it in on.items] != [
        it.scores_for("masterplan") for it in off.items
    ]
    # the top path keeps its score: a master plan under the best strategy loses nothing
    parent = _ns_of_master_plans()
    ids = on.framework("masterplan").target_ids
    for a, b in zip(on.items, off.items, strict=True):
        best_ns = a.best("national").target_id
        for t, tid in enumerate(ids):
            if parent[tid] == best_ns:
                assert a.scores_for("masterplan")[t] == pytest.approx(
                    b.scores_for("masterplan")[t], abs=1e-4
                )


def test_master_plans_alone_are_still_scored_with_the_national_strategy(hashing):
    both = align(ITEMS, "national", embedder=hashing)
    alone = align(ITEMS, "masterplan", embedder=hashing)
    assert [f.name for f in alone.frameworks] == ["masterplan"]
    assert [it.scores_for("masterplan") for it in alone.items] == [
        it.scores_for("masterplan") for it in both.items
    ]


# ------------------------------------------------------------------- ensemble
class Rotated(BaseEmbedder):
    """A stand-in for a domain-adapted embedder: a fixed rotation of a hashing model's
    vectors (its "adapter"), with the hashing model as its frozen base."""

    def __init__(self, base: HashingEmbedder, seed: int = 0) -> None:
        self.base = base
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.normal(size=(base.dimension, base.dimension)))
        # mostly the base, partly rotated: related to the base but not the same model
        self.m = (np.eye(base.dimension) + 0.8 * q).astype(np.float32)

    @property
    def dimension(self) -> int:
        return self.base.dimension

    @property
    def fingerprint(self) -> str:
        return self.base.fingerprint + "+rotated"

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        v = self.base._encode(texts, batch_size=batch_size, show_progress=show_progress)
        return l2_normalise(v @ self.m)

    def frozen_embedder(self) -> BaseEmbedder:
        return self.base


@pytest.fixture(scope="module")
def rotated() -> Rotated:
    return Rotated(HashingEmbedder(256))


def _scores(al, fw="sdg"):
    return np.array([it.scores_for(fw) for it in al.items])


def test_frozen_weight_zero_is_the_adapted_model_and_one_the_frozen_model(rotated):
    class Plain(Rotated):  # the same rotation, but no frozen base to mix with
        @property
        def fingerprint(self) -> str:
            return super().fingerprint + "-alone"

        def frozen_embedder(self):  # type: ignore[override]
            return None

    plain = Plain(rotated.base)
    adapted_only = align(ITEMS, "sdg", embedder=rotated, settings=card(frozen_weight=0))
    assert np.array_equal(_scores(adapted_only), _scores(align(ITEMS, "sdg", embedder=plain)))
    frozen_only = align(ITEMS, "sdg", embedder=rotated, settings=card(frozen_weight=1))
    base_alone = align(ITEMS, "sdg", embedder=rotated.base)
    np.testing.assert_allclose(_scores(frozen_only), _scores(base_alone), atol=1e-4)
    mixed = _scores(align(ITEMS, "sdg", embedder=rotated))
    assert not np.allclose(mixed, _scores(adapted_only), atol=1e-3)
    assert not np.allclose(mixed, _scores(base_alone), atol=1e-3)


def test_bulk_equals_align_for_an_adapted_embedder(rotated):
    al = align(ITEMS, ["national", "sdg"], embedder=rotated, k=3)
    prepared = prepare_spaces(["national", "sdg"], rotated)
    from plansearch import Section

    secs = [Section.from_text(t, kind="goal", id=f"i{k}") for k, t in enumerate(ITEMS)]
    q = item_vectors(secs, None, rotated, CARD, CARD.context_weight)
    base = frozen_embedder(rotated)
    assert base is not None
    qf = item_vectors(secs, None, base, CARD, CARD.context_weight)
    toks = [tokenize(t) for t in ITEMS]
    with pytest.raises(ValueError, match="frozen_vectors"):
        align_bulk(q, prepared, top_k=3, item_tokens=toks)
    bulk = align_bulk(q, prepared, top_k=3, item_tokens=toks, frozen_vectors=qf)
    for fw in ("national", "masterplan", "sdg"):
        for i, it in enumerate(al.items):
            assert bulk[fw].target_ids(i) == [m.target_id for m in it.for_framework(fw)]
            assert bulk[fw].scores[i].tolist() == pytest.approx(
                [m.score for m in it.for_framework(fw)], abs=1.5e-4
            )


def test_frozen_weight_must_be_a_share():
    with pytest.raises(SettingsError):
        card(frozen_weight=1.5)
    with pytest.raises(SettingsError):
        card(frozen_weight=-0.1)


def test_method_line_says_when_strength_was_not_measured(hashing):
    al = align(ITEMS[:1], "national", embedder=hashing)
    assert "not measured for this model and settings" in al.method


@pytest.mark.model
def test_method_line_carries_the_measured_strength_precision():
    from plansearch.alignment.scorecard import card_document

    al = align(ITEMS[:1], "national")
    m = card_document()["measurements"]
    assert m["embedder"] in al.meta[0][1] or al.meta[0][1] == m["embedder"]
    assert "measured precision / coverage of 'strong'" in al.method
    assert "ยุทธศาสตร์ชาติ" in al.method and "mixed 0.5 : 0.5" in al.method


# ------------------------------------------------------------------ anchored frameworks


def test_anchor_adds_the_national_shares_through_the_crosswalk(hashing):
    from plansearch.alignment.calibrate import shares
    from plansearch.alignment.evidence import anchor_prior
    from plansearch.alignment.prepare import prepare_space

    on = align(ITEMS, ["national", "sdg"], embedder=hashing)
    off = align(ITEMS, ["national", "sdg"], embedder=hashing, settings=card(anchor_weight=0))
    # the anchor's own scores do not move; the anchored framework's do
    assert [it.scores_for("national") for it in on.items] == [
        it.scores_for("national") for it in off.items
    ]
    assert [it.scores_for("sdg") for it in on.items] != [it.scores_for("sdg") for it in off.items]
    # aligning against the SDGs alone scores the national strategy behind the scenes
    alone = align(ITEMS, "sdg", embedder=hashing)
    assert [it.scores_for("sdg") for it in alone.items] == [it.scores_for("sdg") for it in on.items]
    # the prior is the national shares times the crosswalk, in evidence units
    sdg = next(s for s in prepare_spaces("sdg", hashing) if s.space.name == "sdg")
    assert sdg.walk is not None and sdg.walk.shape == (6, 17)
    np.testing.assert_allclose(sdg.walk.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(sdg.walk.std(axis=1), 1, atol=1e-4)
    ev = np.array([[3.0, 0, 0, 0, 0, 0]])
    prior = anchor_prior(ev, sdg.walk, 0.5, 0.33)
    np.testing.assert_allclose(prior, 0.5 * shares(ev, 0.33) @ sdg.walk, atol=1e-6)
    assert prepare_space(sdg.anchor.space, hashing, CARD) is not None


def test_align_adds_exactly_the_anchor_prior(hashing):
    # a flat logistic keeps every score far from 0 and 1, so the evidence can be read back
    flat = card(logistic_scale=50.0)
    on = align(ITEMS, ["national", "sdg"], embedder=hashing, settings=flat, k=6)
    no_anchor = flat.replace(card=flat.card.replace(anchor_weight=0.0))
    off = align(ITEMS, "sdg", embedder=hashing, settings=no_anchor)
    sdg = next(s for s in prepare_spaces("sdg", hashing, card=flat.card) if s.space.name == "sdg")
    assert sdg.walk is not None
    ns_ids = list(on.framework("national").target_ids)

    def ev(scores: tuple[float, ...]) -> np.ndarray:
        x = np.array(scores)
        return 50.0 * np.log(x / (1 - x))

    for a, b in zip(on.items, off.items, strict=True):
        share = np.zeros(len(ns_ids))
        for m in a.matches[0]:
            share[ns_ids.index(m.target_id)] = m.share
        want = flat.card.anchor_weight * share @ sdg.walk
        got = ev(a.scores_for("sdg")) - ev(b.scores_for("sdg"))
        np.testing.assert_allclose(got, want, atol=0.05)  # 4-decimal scores, 4-decimal shares


def test_the_ensemble_quotes_evidence_when_the_views_borrow_different_nodes(rotated):
    """A bare target borrows the budget programmes closest to its title by each model:
    the adapted and the frozen view may hold different nodes; the evidence still names
    a node of the adapted view's target."""
    from plansearch.alignment.prepare import prepare_space
    from plansearch.frameworks import reference_from_dict, space_from_reference

    ref = reference_from_dict(
        {
            "name": "bare_fixture",
            "title": "ยุทธศาสตร์ที่มีแต่ชื่อ",
            "level": "province",
            "items": [
                {"id": "P1", "title": "ยุทธศาสตร์การท่องเที่ยว"},
                {"id": "P2", "title": "ยุทธศาสตร์อัญมณี"},
            ],
        }
    )
    space = space_from_reference(ref)
    adapted = prepare_space(space, rotated, CARD)
    assert adapted.frozen is not None
    ids = [n.id for n in adapted.space.nodes]
    assert ids != [n.id for n in adapted.frozen.space.nodes]  # the case under test
    al = align(ITEMS, ref, embedder=rotated, k=2)
    for it in al.items:
        for m in it.for_framework("bare_fixture"):
            assert m.evidence.sub_id in ids


def test_the_frozen_views_node_cosines_follow_the_adapted_views_nodes():
    from types import SimpleNamespace

    from plansearch.alignment.evidence import _same_nodes

    def prep(ids, mu, sd):
        nodes = [SimpleNamespace(id=i) for i in ids]
        return SimpleNamespace(space=SimpleNamespace(nodes=nodes), mu_sd=(mu, sd))

    adapted, frozen = prep(["a", "b", "c"], 0.5, 0.1), prep(["c", "a"], 0.2, 0.2)
    sims = np.array([[0.6, 0.7, 0.4]], np.float32)
    fsims = np.array([[0.9, 0.1]], np.float32)
    out = _same_nodes(fsims, frozen, adapted, sims)
    # a and c from the frozen view (by id), b (frozen lacks it) the adapted cosine in the
    # frozen view's units: 2 standard deviations above its background either way
    np.testing.assert_allclose(out, [[0.1, 0.2 + 2 * 0.2, 0.9]], atol=1e-6)
    same = prep(["a", "b", "c"], 0.2, 0.2)
    three = np.array([[0.1, 0.2, 0.3]], np.float32)
    assert _same_nodes(three, same, adapted, sims) is three
