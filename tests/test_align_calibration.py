"""Strength labels from the share of an item's evidence within the framework; gaps agree."""

from __future__ import annotations

import numpy as np

from plansearch.alignment.calibrate import shares, strength_labels
from plansearch.alignment.pipeline import align
from plansearch.alignment.scorecard import score_card

STATEMENTS = [
    "ก่อสร้างและปรับปรุงถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "ก่อสร้างถนนลาดยางและสะพานเชื่อมระหว่างหมู่บ้าน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์",
    "ส่งเสริมการศึกษาของศูนย์พัฒนาเด็กเล็ก",
    "ปลูกป่าชุมชนและอนุรักษ์ทรัพยากรธรรมชาติและสิ่งแวดล้อม",
]


def test_labels_depend_on_shares_not_on_the_level_of_raw_scores() -> None:
    rng = np.random.default_rng(1)
    ev = (np.abs(rng.normal(size=(50, 7))) * 2 + 0.1).astype(np.float32)
    s = score_card()
    a = strength_labels(ev, s, s.thresholds)
    b = strength_labels(ev + 1.5, s, s.thresholds)  # a framework whose scores run high
    assert (a == b).all()
    assert {"strong", "weak"} <= set(a.ravel())
    p = shares(ev, s.temperature)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    strong = a == "strong"
    assert (p[strong] >= s.thresholds.strong).all()


def test_a_top_link_above_generic_text_is_never_none() -> None:
    ev = np.array([[0.5, 0.45, 0.44, 0.43, 0.42] * 5, [-1.0, -1.2, -1.1, -1.3, -2.0] * 5])
    card = score_card()
    labels = strength_labels(ev, card, card.thresholds)
    assert labels[0, 0] == "weak"  # 25 near-equal targets: small share, still ranked first
    assert labels[1, 0] == "none"  # below generic local text everywhere


def test_a_link_no_stronger_than_generic_text_is_at_most_weak() -> None:
    # two narrow targets (a province's tourism and fruit strategies) and an unrelated
    # item: one target wins a large share only because its one rival is weaker still
    s = score_card()
    ev = np.array([[-0.1, -1.5], [0.0, -2.0], [1.2, -0.5], [0.4, -1.0]], np.float32)
    p = shares(ev, s.temperature)
    assert (p[:, 0] >= s.thresholds.strong).all()  # every top share says "strong"
    labels = strength_labels(ev, s, s.thresholds)
    assert list(labels[:, 0]) == ["weak", "weak", "strong", "strong"]
    # the cap never raises a label
    low = np.array([[-3.0, -3.0]], np.float32)
    assert list(strength_labels(low, s, s.thresholds)[0]) == ["weak", "weak"]


def test_gap_list_never_names_a_target_a_top_ranked_item_supports_strongly(hashing) -> None:
    al = align(STATEMENTS, ["national", "sdg"], embedder=hashing, k=3)
    tops = [(it.best(f), f) for it in al.items for f in al.framework_names]
    strong_tops = {(m.framework, m.target_id) for m, _ in tops if m and m.strength == "strong"}
    assert strong_tops, "fixture must produce at least one strong top link"
    gaps = {(g.framework, g.target_id) for g in al.gaps()}
    assert not (strong_tops & gaps)
    # coverage counts exactly the labels the matches carry
    for c in al.coverage:
        k = al.framework_names.index(c.framework)
        n_strong = sum(
            1
            for it in al.items
            for m in it.matches[k]
            if m.target_id == c.target_id and m.strength == "strong"
        )
        assert c.strong >= n_strong  # top_k matches are a subset of all targets
    # the method line states the rule
    assert "share" in al.method and "temperature" in al.method


def test_the_register_correction_moves_english_text_and_leaves_thai_text_as_it_is(emb) -> None:
    from plansearch.alignment.evidence import foreign_share
    from plansearch.alignment.settings import AlignSettings

    thai = "โครงการก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน"
    english = "Rural roads connect villages to markets in every season."
    off = AlignSettings(card=score_card().replace(register_weight=0.0))
    on_ = align([thai, english], "national", embedder=emb)
    off_ = align([thai, english], "national", embedder=emb, settings=off)
    assert on_.items[0].scores == off_.items[0].scores  # Thai text: measured as it is
    assert on_.items[1].scores != off_.items[1].scores  # English: in the local register
    assert foreign_share(thai) == 0.0 and foreign_share(english) == 1.0
