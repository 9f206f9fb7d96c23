"""One settings object for the alignment score: validated, recorded, honoured by align and bulk."""

from __future__ import annotations

import json

import numpy as np
import pytest

from plansearch.alignment.bulk import align_bulk, prepare_spaces
from plansearch.alignment.evidence import SubtreeLayout, subtree_best_node, subtree_scores
from plansearch.alignment.items import item_vectors
from plansearch.alignment.pipeline import align
from plansearch.alignment.scorecard import ScoreCard, score_card
from plansearch.alignment.settings import (
    DEFAULT_SETTINGS,
    AlignSettings,
    SettingsError,
    Thresholds,
)
from plansearch.errors import PlanSearchError
from plansearch.sections import Section
from plansearch.thai import tokenize

STATEMENTS = [
    "ก่อสร้างและปรับปรุงถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์",
    "ส่งเสริมการศึกษาของศูนย์พัฒนาเด็กเล็ก",
    "ขยายเขตระบบประปาหมู่บ้านและขุดลอกแหล่งน้ำ",
]
OTHER = AlignSettings(
    card=score_card().replace(
        top_nodes=3,
        lexical_weight=0.5,
        dense_weight=1.5,
        logistic_midpoint=1.0,
        logistic_scale=2.0,
        context_weight=0.5,
        programmes_per_bare_target=1,
    )
)


def test_round_trip_fingerprint_and_replace() -> None:
    s = OTHER.replace(thresholds={"strong": 0.5, "partial": 0.3, "weak": 0.1})
    assert s.thresholds == Thresholds(0.5, 0.3, 0.1)
    back = AlignSettings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s and back.fingerprint() == s.fingerprint()
    assert len(s.fingerprint()) == 12 and s.fingerprint() != DEFAULT_SETTINGS.fingerprint()
    assert AlignSettings.from_dict({}) == DEFAULT_SETTINGS  # missing fields: defaults
    with pytest.raises(AttributeError):
        s.context = False  # type: ignore[misc]  # frozen
    with pytest.raises(AttributeError):
        s.card.top_nodes = 4  # type: ignore[misc]  # frozen


@pytest.mark.parametrize(
    "bad",
    [
        {"top_nodes": 0},
        {"top_nodes": 1.5},
        {"lexical_weight": -1.0},
        {"logistic_scale": 0.0},
        {"logistic_midpoint": float("nan")},
        {"context_weight": "0.3"},
        {"no_such_knob": 1},
        {"thresholds": {"strong": 0.1, "partial": 0.3, "weak": 0.0}},
        {"context": "yes"},
        {"anchor_weight": -0.5},
        {"temperature": 0.0},
        {"frozen_weight": 1.5},
        {"catch_all_words": ["", "อื่น"]},
    ],
)
def test_invalid_settings_raise_a_named_error(bad) -> None:
    card_fields = set(ScoreCard.__dataclass_fields__) - {"thresholds"}
    with pytest.raises(SettingsError) as e:
        if set(bad) & card_fields:
            score_card().replace(**bad)
        else:
            AlignSettings.from_dict(bad)
    assert isinstance(e.value, PlanSearchError)


def test_align_records_its_settings(emb) -> None:
    al = align(STATEMENTS, "national", embedder=emb, settings=OTHER)
    assert al.settings == OTHER and al.thresholds == OTHER.effective_thresholds
    assert dict(al.meta)["settings"] == OTHER.fingerprint()
    assert "best 3 subtree nodes" in al.method and "0.5 × Thai lexical" in al.method
    assert json.loads(al.to_json())["settings"] == OTHER.to_dict()
    default = align(STATEMENTS, "national", embedder=emb)
    assert default.settings == DEFAULT_SETTINGS
    # the settings are used, not only recorded
    assert [it.scores_for("national") for it in al.items] != [
        it.scores_for("national") for it in default.items
    ]


def test_shortcuts_replace_fields_of_the_settings(emb) -> None:
    th = Thresholds(0.9, 0.8, 0.7)
    al = align(STATEMENTS, "national", embedder=emb, settings=OTHER, thresholds=th)
    assert al.settings == OTHER.replace(thresholds=th)
    assert al.thresholds == th
    plain = align(STATEMENTS, "national", embedder=emb, context=False)
    assert plain.settings is not None and plain.settings.context_weight == 0.0
    with pytest.raises(TypeError, match="AlignSettings"):
        align(STATEMENTS, "national", embedder=emb, settings={"top_nodes": 2})  # type: ignore[arg-type]


def test_bulk_equals_align_under_non_default_settings(emb) -> None:
    items = [Section.from_text(t, kind="tactic", id=f"t{i}") for i, t in enumerate(STATEMENTS)]
    fws = ["national", "sdg", "dla"]
    al = align(items, fws, embedder=emb, settings=OTHER, k=3)
    prepared = prepare_spaces(fws, emb, card=OTHER.card)
    q = item_vectors(items, None, emb, OTHER.card, OTHER.context_weight)
    toks = [tokenize(s.content) for s in items]
    bulk = align_bulk(q, prepared, top_k=3, item_tokens=toks)
    for k, fw in enumerate(al.frameworks):
        res = bulk[fw.name]
        assert res.card == OTHER.card
        for i, it in enumerate(al.items):
            assert res.target_ids(i) == [m.target_id for m in it.matches[k]]
            got = [round(float(x), 4) for x in res.scores[i]]
            assert got == pytest.approx([m.score for m in it.matches[k]], abs=1.5e-4)


@pytest.mark.parametrize("top_nodes", [1, 2, 3, 5])
def test_subtree_scores_equal_a_brute_force_mean(top_nodes) -> None:
    rng = np.random.default_rng(3)
    roots = np.array([2, 0, 0, 1, 2, 2, 0, 2, 0, 0])  # target 3 has no node
    sims = rng.normal(size=(7, len(roots))).astype(np.float32)
    sims[0, 1] = sims[0, 2]  # a tie
    lay = SubtreeLayout.from_roots(roots, 4)
    got = subtree_scores(sims, lay, top_nodes)
    best = subtree_best_node(sims, lay)
    for t in range(3):
        cols = np.flatnonzero(roots == t)
        want = np.sort(sims[:, cols], axis=1)[:, ::-1][:, :top_nodes].mean(axis=1)
        np.testing.assert_allclose(got[:, t], want, rtol=1e-5)
        assert np.all(sims[np.arange(7), best[:, t]] == sims[:, cols].max(axis=1))
    assert np.all(got[:, 3] == -1.0)
