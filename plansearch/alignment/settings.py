"""What a user chooses about an alignment, in one frozen object.

:class:`AlignSettings` holds the few choices a user makes — their own strength cut-offs,
whether a tactic is read with its strategy as context — and the score model card the
method runs with (:mod:`.scorecard`: every fitted or chosen constant, with its
provenance). :func:`plansearch.align` and the bulk API accept one, every
:class:`~plansearch.alignment.results.Alignment` records the one it was computed with,
and :meth:`AlignSettings.fingerprint` names it in reports and caches.

>>> s = AlignSettings()
>>> s.context, s.effective_thresholds.strong
(True, 0.85)
>>> s2 = s.replace(context=False)      # ไม่ใช้ยุทธศาสตร์แม่เป็นบริบทของกลยุทธ์
>>> AlignSettings.from_dict(s2.to_dict()) == s2
True
>>> s.fingerprint() != s2.fingerprint()
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

from .scorecard import ScoreCard, SettingsError, Thresholds, score_card

__all__ = ["DEFAULT_SETTINGS", "AlignSettings", "SettingsError", "Thresholds"]


@dataclass(frozen=True)
class AlignSettings:
    """A user's choices for :func:`plansearch.align`.

    ``thresholds`` replaces the card's strength cut-offs (on a target's share of the
    item's evidence); ``context=False`` scores each item on its own text (no parent
    strategy as context); ``card`` is the score model card (the shipped one by
    default; a variant from ``score_card().replace(...)`` for an experiment).
    """

    thresholds: Thresholds | None = None
    context: bool = True
    card: ScoreCard = field(default_factory=score_card)

    def __post_init__(self) -> None:
        if self.thresholds is not None and not isinstance(self.thresholds, Thresholds):
            raise SettingsError("thresholds must be a Thresholds object or None")
        if not isinstance(self.context, bool):
            raise SettingsError(f"context must be True or False, got {self.context!r}")
        if not isinstance(self.card, ScoreCard):
            raise SettingsError("card must be a ScoreCard (plansearch.alignment.score_card())")

    @property
    def effective_thresholds(self) -> Thresholds:
        """The strength cut-offs in force: the user's, else the card's."""
        return self.thresholds if self.thresholds is not None else self.card.thresholds

    @property
    def context_weight(self) -> float:
        """Weight of the parent's vector in an item's query vector (0 without context)."""
        return self.card.context_weight if self.context else 0.0

    def replace(self, **changes: Any) -> AlignSettings:
        """A copy with some fields changed (``thresholds`` may be a dict)."""
        if isinstance(changes.get("thresholds"), dict):
            changes["thresholds"] = Thresholds(**changes["thresholds"])
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise SettingsError(
                f"ไม่รู้จักค่า / unknown settings: {sorted(unknown)} (constants of the method are "
                "in the score card: settings.replace(card=score_card().replace(...)))"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the card's values included)."""
        return {
            "thresholds": None if self.thresholds is None else dataclasses.asdict(self.thresholds),
            "context": self.context,
            "card": self.card.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlignSettings:
        """The inverse of :meth:`to_dict`; missing fields take their defaults."""
        if not isinstance(data, dict):
            raise SettingsError(f"settings must be a mapping, not {type(data).__name__}")
        unknown = set(data) - {"thresholds", "context", "card"}
        if unknown:
            raise SettingsError(f"ไม่รู้จักค่า / unknown settings: {sorted(unknown)}")
        th = data.get("thresholds")
        card = data.get("card")
        return cls(
            thresholds=Thresholds(**th) if isinstance(th, dict) else th,
            context=data.get("context", True),
            card=ScoreCard.from_dict(card) if card is not None else score_card(),
        )

    def fingerprint(self) -> str:
        """12 hex characters naming these values (same values → same fingerprint)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def describe(self, embedder_name: str = "") -> str:
        """The one-line method statement reports print."""
        c = self.card
        th = self.effective_thresholds
        model = f"{embedder_name}, " if embedder_name else ""
        if "+" in embedder_name and c.frozen_weight > 0:
            model += f"mixed {1 - c.frozen_weight:g} : {c.frozen_weight:g} with its frozen base, "
        rule = (
            f"strength = target's share of the item's evidence within the framework "
            f"(softmax, temperature {c.temperature:g}) ≥ {th.strong:g} strong / "
            f"{th.partial:g} partial / {th.weak:g} weak; a top link that stands out "
            f"(share ≥ {c.stand_out:g}/targets) or beats generic local text is at least weak"
        )
        return (
            f"hybrid: dense ({model}mean of best {c.top_nodes} subtree nodes, z-scored "
            f"against generic local text) + {c.lexical_weight} × Thai lexical coverage; "
            f"parent-strategy context {self.context_weight}; "
            "names of local government as an organisation not embedded; "
            + (
                f"a framework that is a level of another (master plans) adds "
                f"{c.parent_weight:g} × its parent's gap to the best parent; "
                if c.parent_weight
                else ""
            )
            + (
                f"SDGs and NESDP milestones add {c.anchor_weight:g} × the item's national-"
                f"strategy shares through a crosswalk of the frameworks' texts; "
                if c.anchor_weight
                else ""
            )
            + rule
        )


#: The settings :func:`plansearch.align` uses when given none.
DEFAULT_SETTINGS = AlignSettings()
