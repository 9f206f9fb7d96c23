"""The score model card: every constant once, with where it came from and what it measured."""

from __future__ import annotations

import dataclasses
import json

import pytest

from plansearch.alignment.scorecard import (
    ScoreCard,
    SettingsError,
    card_document,
    score_card,
    strength_note,
)
from plansearch.alignment.settings import DEFAULT_SETTINGS, AlignSettings

HOW = {"a priori", "picked", "fitted"}


def test_every_constant_has_its_provenance() -> None:
    doc = card_document()
    consts = doc["constants"]
    assert set(consts) == {f.name for f in dataclasses.fields(ScoreCard)}
    for name, entry in consts.items():
        assert set(entry) == {"value", "how", "role", "source", "measured"}, name
        assert entry["how"] in HOW, name
        assert isinstance(entry["role"], str) and len(entry["role"]) > 20, name
        src = entry["source"]
        assert set(src) == {"script", "date", "data"}, name
        assert src["date"] and src["date"].startswith("2026-"), name
        if entry["how"] != "a priori":  # picked or fitted: by a script, on named data
            assert src["script"] and src["data"], name


def test_the_card_round_trips_and_names_its_values() -> None:
    card = score_card()
    again = ScoreCard.from_dict(json.loads(json.dumps(card.to_dict())))
    assert again == card and again.fingerprint() == card.fingerprint()
    changed = card.replace(temperature=0.5, thresholds={"strong": 0.9, "partial": 0.6, "weak": 0.3})
    assert changed.fingerprint() != card.fingerprint()
    with pytest.raises(SettingsError, match="unknown"):
        card.replace(no_such_constant=1)
    with pytest.raises(SettingsError, match="missing"):
        ScoreCard.from_dict({"top_nodes": 2})


def test_the_measured_strength_applies_to_the_shipped_card() -> None:
    """The method line repeats precision/coverage measured with these very values: a
    changed constant must be re-measured (``benchmarks/quality.py --update-method-line``)."""
    m = card_document()["measurements"]
    assert m["card"] == DEFAULT_SETTINGS.fingerprint()
    note = strength_note(m["embedder"], DEFAULT_SETTINGS.fingerprint())
    assert "measured precision / coverage of 'strong'" in note
    for name in ("national", "masterplan", "nesdp13", "sdg", "dla", "custom"):
        row = m["reliability"][name]
        assert 0 < row["strong_p"] <= 1 and 0 < row["strong_cov"] <= row["partial_cov"] <= 1
        assert 0 <= row["none_right"] <= 1 and row["n"] > 0
    for name in ("national", "masterplan", "nesdp13", "sdg"):  # other registers
        row = m["registers"][name]
        assert 0 <= row["partial_cov"] <= 1 and row["n"] > 0
        assert ("SDGs" in note) and "Thai official and English" in note
    other = AlignSettings(card=score_card().replace(temperature=0.5))
    assert "not measured" in strength_note(m["embedder"], other.fingerprint())


def test_settings_hold_only_what_a_user_sets() -> None:
    assert {f.name for f in dataclasses.fields(AlignSettings)} == {"thresholds", "context", "card"}
