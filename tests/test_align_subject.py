"""The names of local government as an organisation are not embedded as content
(``AlignSettings.drop_subject``, :mod:`plansearch.alignment.subject`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansearch import align, reference_from_sections
from plansearch.alignment.engine import item_vectors
from plansearch.alignment.settings import AlignSettings, SettingsError
from plansearch.alignment.subject import MIN_LEFT, SUBJECT_PHRASES, without_subject
from plansearch.alignment.targets import prepare_space, space_from_reference
from plansearch.sections import Section

ITEM = "เสริมสร้างขีดความสามารถแก่องค์กรปกครองส่วนท้องถิ่นในการจัดเก็บรายได้"


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


def test_setting_is_validated_and_recorded() -> None:
    with pytest.raises(SettingsError):
        AlignSettings(drop_subject="yes")  # type: ignore[arg-type]
    off = AlignSettings(drop_subject=False)
    assert AlignSettings.from_dict(off.to_dict()) == off
    assert off.fingerprint() != AlignSettings().fingerprint()
    assert AlignSettings().drop_subject is True


def test_items_and_targets_are_embedded_without_the_names(hashing) -> None:
    secs = [Section.from_text(ITEM, kind="goal", id="i1")]
    on = item_vectors(secs, None, hashing, AlignSettings())
    off = item_vectors(secs, None, hashing, AlignSettings(drop_subject=False))
    assert np.allclose(on, hashing.encode([without_subject(ITEM)], kind="query"))
    assert np.allclose(off, hashing.encode([ITEM], kind="query"))
    title = "การบริหารและพัฒนาทรัพยากรบุคคลขององค์กรปกครองส่วนท้องถิ่นเพื่อรองรับภารกิจ" * 2
    ref = reference_from_sections(
        [Section.from_text(title, kind="strategy", id="S1")], name="own", level="local"
    )
    space = space_from_reference(ref)
    p_on = prepare_space(space, hashing, AlignSettings())
    p_off = prepare_space(space, hashing, AlignSettings(drop_subject=False))
    assert np.allclose(p_on.node_vecs[0], hashing.encode([without_subject(title)])[0])
    assert np.allclose(p_off.node_vecs[0], hashing.encode([title])[0])


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
    kw = {"embedder": hashing, "k": 2}
    on = align([item], ref, settings=AlignSettings(lexical_weight=0.0), **kw)
    off = align([item], ref, settings=AlignSettings(lexical_weight=0.0, drop_subject=False), **kw)
    gap_on = np.subtract(*on.items[0].scores_for("own")[::-1])
    gap_off = np.subtract(*off.items[0].scores_for("own")[::-1])
    assert gap_on > gap_off  # the livelihood target gains on the organisation's names
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
