"""The names of local government as an organisation are not embedded as content
(:mod:`plansearch.alignment.subject`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansearch import align, reference_from_sections
from plansearch.alignment.items import item_vectors
from plansearch.alignment.prepare import prepare_space
from plansearch.alignment.scorecard import score_card
from plansearch.alignment.settings import AlignSettings
from plansearch.alignment.subject import SUBJECT_PHRASES
from plansearch.alignment.subject import without_subject as _without
from plansearch.frameworks import space_from_reference
from plansearch.sections import Section

ITEM = "เสริมสร้างขีดความสามารถแก่องค์กรปกครองส่วนท้องถิ่นในการจัดเก็บรายได้"
CARD = score_card()
MIN_LEFT = CARD.subject_min_left


def without_subject(text: str) -> str:
    return _without(text, MIN_LEFT)


def test_the_names_are_removed_and_the_rest_kept() -> None:
    assert without_subject(ITEM) == "เสริมสร้างขีดความสามารถแก่ ในการจัดเก็บรายได้"
    assert without_subject("ยกระดับกรมส่งเสริมการปกครองท้องถิ่นสู่องค์กรดิจิทัล") == ("ยกระดับ สู่องค์กรดิจิทัล")
    assert without_subject("พัฒนาบุคลากรของ อปท. ให้มีสมรรถนะสูง") == "พัฒนาบุคลากรของ ให้มีสมรรถนะสูง"
    # text without the names, and text that would be left almost empty, stay as they are
    assert without_subject("ก่อสร้างถนนคอนกรีตเสริมเหล็ก") == "ก่อสร้างถนนคอนกรีตเสริมเหล็ก"
    assert without_subject("ของ อปท.") == "ของ อปท."


@given(
    st.lists(st.sampled_from([*SUBJECT_PHRASES, "ถนน", "การศึกษา", " ", "ของ", "ก"]), max_size=12)
)
def test_never_empty_idempotent_and_complete(parts: list[str]) -> None:
    text = "".join(parts)
    out = without_subject(text)
    assert without_subject(out) == out
    if out != text:
        assert len(out.replace(" ", "")) >= MIN_LEFT
        assert not any(p in out for p in SUBJECT_PHRASES)


def test_the_card_states_the_rule_and_the_method_line_says_it(hashing) -> None:
    with pytest.raises(ValueError):
        CARD.replace(subject_min_left=-1)
    al = align([ITEM], "national", embedder=hashing)
    assert "names of local government as an organisation not embedded" in al.method


def test_items_and_targets_are_embedded_without_the_names(hashing) -> None:
    secs = [Section.from_text(ITEM, kind="goal", id="i1")]
    on = item_vectors(secs, None, hashing, CARD, CARD.context_weight)
    assert np.allclose(on, hashing.encode([without_subject(ITEM)], kind="query"))
    assert not np.allclose(on, hashing.encode([ITEM], kind="query"))
    title = "การบริหารและพัฒนาทรัพยากรบุคคลขององค์กรปกครองส่วนท้องถิ่นเพื่อรองรับภารกิจ" * 2
    ref = reference_from_sections(
        [Section.from_text(title, kind="strategy", id="S1")], name="own", level="local"
    )
    space = space_from_reference(ref)
    p_on = prepare_space(space, hashing, CARD)
    assert np.allclose(p_on.node_vecs[0], hashing.encode([without_subject(title)])[0])
    assert not np.allclose(p_on.node_vecs[0], hashing.encode([title])[0])


def test_a_target_naming_the_organisation_no_longer_attracts_items_that_do(hashing) -> None:
    targets = [
        "การพัฒนาบุคลากรขององค์กรปกครองส่วนท้องถิ่นและกรมส่งเสริมการปกครองท้องถิ่น",
        "การส่งเสริมอาชีพและรายได้ของประชาชน",
    ]
    ref = reference_from_sections(
        [Section.from_text(t, kind="strategy", id=f"S{i}") for i, t in enumerate(targets, 1)],
        name="own",
        level="local",
    )
    item = "ส่งเสริมอาชีพและรายได้ของประชาชนร่วมกับองค์กรปกครองส่วนท้องถิ่นและกรมส่งเสริมการปกครองท้องถิ่น"
    dense_only = AlignSettings(card=CARD.replace(lexical_weight=0.0))
    on = align([item], ref, settings=dense_only, embedder=hashing, k=2)
    # what the texts as written would say: the cosine gap between the two targets
    raw = hashing.encode([item], kind="query") @ hashing.encode(targets, kind="passage").T
    cut = (
        hashing.encode([without_subject(item)], kind="query")
        @ hashing.encode([without_subject(t) for t in targets], kind="passage").T
    )
    assert cut[0, 1] - cut[0, 0] > raw[0, 1] - raw[0, 0]  # the livelihood target gains
    assert on.best("own") == ["S2"]


@given(st.text(max_size=300))
def test_any_text_gives_text(text: str) -> None:
    out = without_subject(text)
    assert isinstance(out, str)
    assert without_subject(out) == out
    if out != text:  # something was removed and enough is left
        assert len(out.replace(" ", "")) >= MIN_LEFT


def test_oversized_binary_and_non_thai_text() -> None:
    huge = ("องค์กรปกครองส่วนท้องถิ่นพัฒนาถนน " * 20_000).strip()
    out = without_subject(huge)
    assert "องค์กรปกครองส่วนท้องถิ่น" not in out and out.count("พัฒนาถนน") == 20_000
    weird = "\x00\x01\ufffd\u200b" * 10 + "อปท."
    assert without_subject(weird) == weird[: -len("อปท.")]
    assert without_subject("Local Administrative Organization budget") == (
        "Local Administrative Organization budget"
    )
    assert without_subject("") == ""
