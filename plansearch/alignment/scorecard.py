"""The score model card: every constant of the alignment score, with its provenance.

``scorecard.json`` beside this module holds each constant's value, how it was chosen
(``a priori``, ``picked`` from a small grid, ``fitted`` by a script), the script, date and
data it came from, and what it measured; plus the measured precision and coverage of the
"strong" label that reports repeat in their method line. :class:`ScoreCard` is the
values, read-only; :meth:`ScoreCard.replace` makes a variant for an experiment (its
fingerprint differs, so nothing cached for the shipped card is reused).

>>> card = score_card()
>>> card.temperature, card.thresholds.strong
(0.35, 0.85)
>>> card.replace(temperature=0.4).fingerprint() != card.fingerprint()
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from ..errors import PlanSearchError

#: Format of ``scorecard.json`` this module reads.
CARD_FORMAT = 1


class SettingsError(PlanSearchError, ValueError):
    """Alignment settings or score-card values are invalid (a negative weight, …)."""


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs of the strength labels on a target's share of the item's evidence.

    >>> Thresholds(strong=0.85, partial=0.6, weak=0.35).label(0.7)
    'partial'
    """

    strong: float
    partial: float
    weak: float

    def __post_init__(self) -> None:
        vals = (self.strong, self.partial, self.weak)
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in vals
        ):
            raise SettingsError(
                f"เกณฑ์ระดับความสอดคล้องต้องเป็นตัวเลข / thresholds must be finite numbers: {vals}"
            )
        if not self.strong >= self.partial >= self.weak:
            raise SettingsError(
                "เกณฑ์ต้องเรียง strong ≥ partial ≥ weak / thresholds must satisfy "
                f"strong ≥ partial ≥ weak, got {vals}"
            )

    def label(self, share: float) -> str:
        """The label a share earns by the cut-offs alone (before the evidence rules of
        :func:`~plansearch.alignment.calibrate.strength_labels`)."""
        if share >= self.strong:
            return "strong"
        if share >= self.partial:
            return "partial"
        if share >= self.weak:
            return "weak"
        return "none"


@dataclass(frozen=True)
class ScoreCard:
    """The values of ``scorecard.json`` (see it for what each one does and where it
    came from). Integers, weights ≥ 0, a positive temperature and logistic scale."""

    top_nodes: int
    dense_weight: float
    lexical_weight: float
    logistic_midpoint: float
    logistic_scale: float
    context_weight: float
    programmes_per_bare_target: int
    bare_target_chars: int
    partition_min_named: int
    catch_all_words: tuple[str, ...]
    subject_min_left: int
    example_weight: float
    example_floor: float
    example_min_peers: int
    frozen_weight: float
    register_weight: float
    parent_weight: float
    anchor_weight: float
    temperature: float
    thresholds: Thresholds
    stand_out: float

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "thresholds":
                if not isinstance(v, Thresholds):
                    raise SettingsError("thresholds must be a Thresholds object")
            elif f.name == "catch_all_words":
                if not isinstance(v, tuple) or not all(isinstance(w, str) and w for w in v):
                    raise SettingsError("catch_all_words must be a tuple of non-empty words")
            elif f.type == "int":
                if (
                    isinstance(v, bool)
                    or not isinstance(v, int)
                    or v < (1 if f.name == "top_nodes" else 0)
                ):
                    raise SettingsError(
                        f"ค่า {f.name} ต้องเป็นจำนวนเต็มไม่ติดลบ / {f.name} must be a whole number ≥ 0 "
                        f"(top_nodes ≥ 1), got {v!r}"
                    )
            elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise SettingsError(
                    f"ค่า {f.name} ต้องเป็นตัวเลข / {f.name} must be a finite number, got {v!r}"
                )
            elif f.name.endswith("_weight") and v < 0:
                raise SettingsError(
                    f"น้ำหนัก {f.name} ต้องไม่ติดลบ / {f.name} must not be negative, got {v!r}"
                )
        if self.logistic_scale <= 0 or self.temperature <= 0:
            raise SettingsError("logistic_scale and temperature must be positive")
        if self.frozen_weight > 1:
            raise SettingsError(f"frozen_weight must be in [0, 1]: {self.frozen_weight!r}")
        if self.register_weight > 1:
            raise SettingsError(f"register_weight must be in [0, 1]: {self.register_weight!r}")

    def replace(self, **changes: Any) -> ScoreCard:
        """A copy with some values changed (``thresholds`` may be a dict)."""
        if isinstance(changes.get("thresholds"), dict):
            changes["thresholds"] = Thresholds(**changes["thresholds"])
        if "catch_all_words" in changes:
            changes["catch_all_words"] = tuple(changes["catch_all_words"])
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise SettingsError(f"ไม่รู้จักค่า / unknown score-card values: {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        out = dataclasses.asdict(self)
        out["catch_all_words"] = list(self.catch_all_words)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ScoreCard:
        """The inverse of :meth:`to_dict` (every value required)."""
        if not isinstance(values, dict):
            raise SettingsError(f"score-card values must be a mapping, not {type(values).__name__}")
        names = {f.name for f in fields(cls)}
        missing = sorted(names - set(values))
        unknown = sorted(set(values) - names)
        if missing or unknown:
            raise SettingsError(f"score card: missing {missing}, unknown {unknown}")
        data = dict(values)
        data["thresholds"] = Thresholds(**data["thresholds"])
        data["catch_all_words"] = tuple(data["catch_all_words"])
        return cls(**data)

    def fingerprint(self) -> str:
        """12 hex characters naming these values (same values → same fingerprint)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@cache
def card_document() -> dict[str, Any]:
    """``scorecard.json`` as stored: values, provenance and measurements."""
    raw = resources.files("plansearch.alignment").joinpath("scorecard.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(raw)
    if doc.get("format") != CARD_FORMAT:
        raise SettingsError(
            f"scorecard.json has format {doc.get('format')!r}; this plansearch reads {CARD_FORMAT}"
        )
    return doc


@cache
def score_card() -> ScoreCard:
    """The shipped score card (loaded once)."""
    consts = card_document()["constants"]
    return ScoreCard.from_dict({name: entry["value"] for name, entry in consts.items()})


#: Framework names as the strength note prints them (Thai first).
_NOTE_LABELS: dict[str, str] = {
    "national": "ยุทธศาสตร์ชาติ",
    "masterplan": "แผนแม่บท",
    "nesdp13": "หมุดหมาย",
    "sdg": "SDGs",
    "dla": "ยุทธศาสตร์ สถ.",
    "custom": "กรอบของแผนเอง (own frameworks)",
}


def _reliability_cells(rows: dict[str, Any]) -> list[str]:
    parts = []
    for name, r in rows.items():
        try:
            sp, sc = float(r["strong_p"]), float(r["strong_cov"])
            pp, pc = float(r["partial_p"]), float(r["partial_cov"])
        except (KeyError, TypeError, ValueError):
            continue
        parts.append(f"{_NOTE_LABELS.get(name, name)} {sp:.2f} / {sc:.0%} ({pp:.2f} / {pc:.0%})")
    return parts


def strength_note(embedder_fingerprint: str, settings_fingerprint: str) -> str:
    """One sentence for the method line: the measured reliability of the strength labels
    per framework — precision / coverage of "strong" (and of "partial or stronger") on
    the dev plans held out one at a time, and on text of other registers (Thai official
    documents, English) — when they were measured with this embedder and settings.

    >>> strength_note("some-other-model", "000000000000").startswith("ระดับ")
    True
    """
    m = card_document().get("measurements") or {}
    plans = m.get("reliability") or {}
    if (
        not plans
        or m.get("embedder") != embedder_fingerprint
        or m.get("card") != settings_fingerprint
    ):
        return (
            "ระดับ 'strong' ยังไม่ได้วัดกับแบบจำลองและค่าตั้งนี้ / strength labels not "
            "measured for this model and settings"
        )
    note = (
        f"ความน่าเชื่อถือที่วัดแล้ว ({m.get('date', '?')}) / measured precision / coverage of "
        f"'strong' (of 'partial or stronger'), dev plans held out one at a time: "
        + ", ".join(_reliability_cells(plans))
    )
    other = _reliability_cells(m.get("registers") or {})
    if other:
        note += "; ข้อความภาษาทางการไทยและภาษาอังกฤษ / Thai official and English text: " + ", ".join(
            other
        )
    return note
