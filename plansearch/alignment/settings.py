"""Every knob of the alignment score, in one frozen object.

:class:`AlignSettings` holds all constants the alignment pipeline uses (how a
target's subtree is summarised, the weights of the dense and lexical evidence,
the parent-strategy context, the logistic that maps evidence to a score in
(0, 1), the strength thresholds, how bare targets borrow budget programmes).
:func:`plansearch.align` and the bulk API (:mod:`.bulk`) accept one, every
:class:`~plansearch.alignment.results.Alignment` records the one it was computed
with, and :meth:`AlignSettings.fingerprint` names it in reports and caches.

>>> s = AlignSettings()
>>> s.top_nodes, s.lexical_weight, s.calibration
(2, 1.0, 'share')
>>> s2 = s.replace(context_weight=0.0)      # e.g. ไม่ใช้ยุทธศาสตร์แม่เป็นบริบทของกลยุทธ์
>>> AlignSettings.from_dict(s2.to_dict()) == s2
True
>>> s.fingerprint() != s2.fingerprint()
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, fields
from typing import Any

from ..errors import PlanSearchError


class SettingsError(PlanSearchError, ValueError):
    """Alignment settings are invalid (a negative weight, an unknown field, …)."""


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs for the strength labels (measured; see benchmarks/README.md).

    >>> Thresholds(strong=0.4, partial=0.24, weak=0.08).label(0.3)
    'partial'
    """

    strong: float
    partial: float
    weak: float

    def __post_init__(self) -> None:
        vals = (self.strong, self.partial, self.weak)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in vals):
            raise SettingsError(
                f"เกณฑ์ระดับความสอดคล้องต้องเป็นตัวเลข / thresholds must be finite numbers: {vals}"
            )
        if not self.strong >= self.partial >= self.weak:
            raise SettingsError(
                "เกณฑ์ต้องเรียง strong ≥ partial ≥ weak / thresholds must satisfy "
                f"strong ≥ partial ≥ weak, got {vals}"
            )

    def label(self, score: float) -> str:
        if score >= self.strong:
            return "strong"
        if score >= self.partial:
            return "partial"
        if score >= self.weak:
            return "weak"
        return "none"


#: Cut-offs on the final score for ``calibration="score"`` (the rule before 2026-12),
#: measured with ``benchmarks/quality.py`` on the labelled development set (2026-11-21,
#: default model): the lowest score above which a suggested national strategy is a
#: labelled one with precision 0.90 (strong), 0.75 (partial) and 0.50 (weak).
SCORE_THRESHOLDS = Thresholds(strong=0.40, partial=0.24, weak=0.08)
#: Cut-offs on a target's share of the item's evidence (``calibration="share"``): with
#: the temperature fitted so shares behave as probabilities of being the right target,
#: "strong" asks for a 0.85 chance, "partial" 0.6, "weak" 0.35 (chosen a priori).
SHARE_THRESHOLDS = Thresholds(strong=0.85, partial=0.60, weak=0.35)
#: The default strength cut-offs (for the default ``calibration="share"``).
DEFAULT_THRESHOLDS = SHARE_THRESHOLDS
#: How bare targets borrow budget programmes (:attr:`AlignSettings.bare_route`).
BARE_ROUTES: tuple[str, ...] = ("families", "programmes")
#: Strength rules :func:`.scoring.strength_labels` knows.
CALIBRATIONS: tuple[str, ...] = ("share", "score")


@dataclass(frozen=True)
class AlignSettings:
    """All constants of the alignment score (see :mod:`.scoring` for the formula).

    Every field has the default the library ships; change one with
    :meth:`replace`. Pass the object to ``align(..., settings=...)`` or the bulk
    API; the result records it (``Alignment.settings``).
    """

    #: A target's dense score is the mean cosine of its best ``top_nodes`` subtree nodes,
    #: so a target with several matching sub-items beats one with a single lucky match.
    top_nodes: int = 2
    #: Weight of the dense z-score (standard deviations above generic local text).
    dense_weight: float = 1.0
    #: Weight of the Thai lexical coverage (idf-weighted share of the item's words, 0..1).
    lexical_weight: float = 1.0
    #: Combined evidence that maps to a score of 0.5 (generic in-domain text has z = 0).
    logistic_midpoint: float = 2.0
    #: Evidence units per logistic unit (larger = flatter scores).
    logistic_scale: float = 1.0
    #: Weight of the parent strategy's vector added to a tactic's (or project's) vector.
    context_weight: float = 0.3
    #: Standard budget programmes (แผนงาน) attached to each bare target.
    programmes_per_bare_target: int = 2
    #: How bare targets borrow context: ``"families"`` — the framework's targets divide
    #: the conventional strategy families of local plans between them (a family to the
    #: title that names it, else to its umbrella's target, else to the closest title:
    #: :func:`.targets.family_owners`) and a bare target borrows the budget programmes,
    #: the description and the typical project phrasings of the families it holds,
    #: falling back to the ``programmes_per_bare_target`` programmes closest to its title
    #: when it holds none; ``"programmes"`` — always the closest programmes (the rule
    #: before 2026-12).
    bare_route: str = "families"
    #: Remove the names of local government as an organisation ("องค์กรปกครองส่วนท้องถิ่น",
    #: "กรมส่งเสริมการปกครองท้องถิ่น", …) from the texts embedded for alignment: items,
    #: their context and target nodes (:mod:`.subject`). They name the subject of the
    #: whole document, and a target that names it attracts every item that does
    #: (leave-one-plan-out: the DLA's tactics → its strategies 0.459 → 0.541, master
    #: plans 0.899 → 0.892, the rest unchanged; 2026-12-01, fourth session).
    drop_subject: bool = True
    #: A target whose own text is shorter than this (characters) is *bare*.
    bare_target_chars: int = 80
    #: Most the planner's examples can move an item's evidence for a target (z units;
    #: :mod:`.examples`). Chosen a priori to exceed a typical gap between a top target
    #: and the next, so a correction of a near-identical item carries over.
    example_weight: float = 3.0
    #: Similarity to an example, in standard deviations above the call's other texts, an
    #: item needs before the example votes (unrelated items are never moved). On the
    #: frameworks' own hierarchies (national, DLA; no labelled data) pairs of items at
    #: z ≥ 2.5 share their parent 90 % of the time (default model, 2026-12-01).
    example_floor: float = 2.5
    #: With a domain-adapted embedder: weight of the frozen base model's dense z-score in
    #: an ensemble with the adapted model's (:func:`.scoring.mixed_z`); 0.5 weighs the two
    #: models equally (chosen a priori), 0 uses the adapted model alone.
    frozen_weight: float = 0.5
    #: Weight of the parent framework's evidence for a framework that is a level of
    #: another (master plans under the national strategies; :func:`.scoring.parent_prior`):
    #: 1 scores the path, a master plan's evidence plus its strategy's gap to the best
    #: strategy (chosen a priori: the two levels count equally); 0 scores the level alone.
    parent_weight: float = 1.0
    #: Weight of the anchor framework's links for a framework anchored to it (the SDGs
    #: and the NESDP milestones to the national strategy; :func:`.scoring.anchor_prior`):
    #: an item gains ``anchor_weight`` × (its shares of the national strategies) @ (the
    #: crosswalk of the two frameworks' texts, in standard deviations). 0.5 was picked
    #: from {0.5, 1, 1.5, 2} on the leave-one-plan-out dev tasks (both 0.5 and 1 helped
    #: the milestones and the SDGs; see benchmarks/README.md "Quality"); 0 turns it off.
    anchor_weight: float = 0.5
    #: Weight of the evidence an item shares with its parent and children in the plan's
    #: own tree (:func:`.scoring.structure_prior`); 0 scores each item alone.
    structure_weight: float = 0.0
    #: How strength labels are given (:func:`.scoring.strength_labels`): ``"share"`` of
    #: the item's evidence within the framework, or ``"score"`` (absolute score).
    calibration: str = "share"
    #: Softmax temperature of the shares (z units), fitted by maximum likelihood with
    #: ``benchmarks/fit_calibration.py`` on the frameworks' and plans' own hierarchies
    #: (2026-12-01, fourth session, default model: its domain adapter in an ensemble with
    #: the frozen model, each plan-derived link scored with the adapter re-trained
    #: without that plan; tasks: the DLA plan's goals and tactics, seeds 000 and 001's
    #: tactics, seed 000's policy items: 0.364, 0.29–0.40 in leave-one-plan-out folds;
    #: 0.381 before ``drop_subject``, 0.438 before bare targets carried their families'
    #: knowledge, 0.332 before the policy task and the family route).
    temperature: float = 0.36
    #: Strength cut-offs: on the share (``"share"``) or the final score (``"score"``).
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    def __post_init__(self) -> None:
        ints = {
            "top_nodes": (self.top_nodes, 1),
            "programmes_per_bare_target": (self.programmes_per_bare_target, 0),
            "bare_target_chars": (self.bare_target_chars, 0),
        }
        for name, (v, lo) in ints.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise SettingsError(
                    f"ค่า {name} ต้องเป็นจำนวนเต็ม ≥ {lo} / {name} must be an integer ≥ {lo}, got {v!r}"
                )
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ints or f.name in ("thresholds", "calibration", "bare_route"):
                continue
            if f.name == "drop_subject":
                if not isinstance(v, bool):
                    raise SettingsError(f"drop_subject must be True or False, got {v!r}")
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise SettingsError(
                    f"ค่า {f.name} ต้องเป็นตัวเลข / {f.name} must be a finite number, got {v!r}"
                )
            if f.name.endswith("_weight") and v < 0:
                raise SettingsError(
                    f"น้ำหนัก {f.name} ต้องไม่ติดลบ / {f.name} must not be negative, got {v!r}"
                )
        if self.logistic_scale <= 0:
            raise SettingsError(
                f"logistic_scale ต้องมากกว่า 0 / must be positive, got {self.logistic_scale!r}"
            )
        if self.bare_route not in BARE_ROUTES:
            raise SettingsError(
                f"bare_route ต้องเป็น {BARE_ROUTES} / must be one of {BARE_ROUTES}, "
                f"got {self.bare_route!r}"
            )
        if self.calibration not in CALIBRATIONS:
            raise SettingsError(
                f"calibration ต้องเป็น {CALIBRATIONS} / must be one of {CALIBRATIONS}, "
                f"got {self.calibration!r}"
            )
        if self.frozen_weight > 1:
            raise SettingsError(
                f"frozen_weight ต้องอยู่ระหว่าง 0 ถึง 1 / must be in [0, 1]: {self.frozen_weight!r}"
            )
        if self.temperature <= 0:
            raise SettingsError(f"temperature ต้องมากกว่า 0 / must be positive: {self.temperature!r}")
        if not isinstance(self.thresholds, Thresholds):
            raise SettingsError("thresholds must be a Thresholds object")

    def replace(self, **changes: Any) -> AlignSettings:
        """A copy with some fields changed (``thresholds`` may be a dict)."""
        if isinstance(changes.get("thresholds"), dict):
            changes["thresholds"] = Thresholds(**changes["thresholds"])
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise SettingsError(f"ไม่รู้จักค่า / unknown settings: {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``thresholds`` as a nested dict)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlignSettings:
        """The inverse of :meth:`to_dict`; missing fields take their defaults."""
        if not isinstance(data, dict):
            raise SettingsError(f"settings must be a mapping, not {type(data).__name__}")
        return cls().replace(**data)

    def fingerprint(self) -> str:
        """12 hex characters naming these values (same values → same fingerprint)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def describe(self, embedder_name: str = "") -> str:
        """The one-line method statement reports print."""
        model = f"{embedder_name}, " if embedder_name else ""
        th = self.thresholds
        if self.calibration == "share":
            rule = (
                f"strength = target's share of the item's evidence within the framework "
                f"(softmax, temperature {self.temperature:g}) ≥ {th.strong:g} strong / "
                f"{th.partial:g} partial / {th.weak:g} weak; a top link that stands out "
                f"(share ≥ 2/targets) or beats generic local text is at least weak"
            )
        else:
            rule = (
                f"strength = score ≥ {th.strong:g} strong / {th.partial:g} partial / "
                f"{th.weak:g} weak"
            )
        if "+" in embedder_name and self.frozen_weight > 0:
            model += (
                f"mixed {1 - self.frozen_weight:g} : {self.frozen_weight:g} with its frozen base, "
            )
        return (
            f"hybrid: dense ({model}mean of best {self.top_nodes} subtree nodes, z-scored "
            f"against generic local text) + {self.lexical_weight} × Thai lexical coverage; "
            f"parent-strategy context {self.context_weight}; "
            + (
                "names of local government as an organisation not embedded; "
                if self.drop_subject
                else ""
            )
            + (
                f"a framework that is a level of another (master plans) adds "
                f"{self.parent_weight:g} × its parent's gap to the best parent; "
                if self.parent_weight
                else ""
            )
            + (
                f"SDGs and NESDP milestones add {self.anchor_weight:g} × the item's national-"
                f"strategy shares through a crosswalk of the frameworks' texts; "
                if self.anchor_weight
                else ""
            )
            + rule
        )


#: The settings :func:`plansearch.align` uses when given none.
DEFAULT_SETTINGS = AlignSettings()
