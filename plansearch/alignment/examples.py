"""Learning from the planner: confirmed and rejected links change later suggestions.

A planner who confirms "ก่อสร้างถนนลูกรังเพื่อการเกษตร → national NS2", or rejects a
suggested link, gives an :class:`Example`. ``align(..., examples=[...])`` adds a
nearest-neighbour vote to the evidence of every target (:func:`example_votes`): each
example votes for (or, rejected, against) its target with a weight that grows with
how similar the item is to the example's text, and is **zero** for items not clearly
more similar to it than generic local-government text is. So a correction moves the
suggestions of similar items and leaves unrelated ones exactly as they were.

The similarity is measured in standard deviations above how similar the example is to
the other texts of the same call (the items being aligned and the other examples; the
standard budget programmes are added when there are fewer than the score card's
``example_min_peers``), so the
rule holds for any embedding model and any style of plan::

    z[i, e]    = (cos(item_i, example_e) − μ_e) / σ_e     μ_e, σ_e: the call's texts vs e
    κ[i, e]    = max(0, z[i, e] − example_floor)
    vote[i, t] = Σ_e sign_e · κ[i, e] · [target_e = t] / max(1, Σ_e κ[i, e])
    evidence  += example_weight · vote                    sign: +1 accepted, −1 rejected

The normalisation bounds what examples can do: an item's evidence for a target moves by
at most ``example_weight`` (in z units), however many examples there are; one close
example moves it by up to that much, several agree or cancel out.

>>> ex = Example("ก่อสร้างถนนลูกรังเพื่อการเกษตร", "national", "NS2")
>>> ex.accepted
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import PlanSearchError
from .scorecard import ScoreCard

if TYPE_CHECKING:
    from ..frameworks.space import TargetSpace


class ExampleError(PlanSearchError, ValueError):
    """An example link is malformed (empty text, unknown target of an aligned framework)."""


@dataclass(frozen=True)
class Example:
    """A link the planner confirmed (``accepted=True``) or rejected.

    ``text`` is the local item's text, ``framework`` the framework's name as in
    ``Alignment.framework_names`` (``"national"``, ``"sdg"``, a custom
    framework's name…), ``target_id`` the target's id (``"NS2"``).
    """

    text: str
    framework: str
    target_id: str
    accepted: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ExampleError("ตัวอย่างต้องมีข้อความ / an example needs the item's text")
        for name in ("framework", "target_id"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise ExampleError(f"ตัวอย่างต้องระบุ {name} / an example needs a {name}")
        if not isinstance(self.accepted, bool):
            raise ExampleError("accepted must be True or False")

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Example:
        """From ``{"text": …, "framework": …, "target_id": …, "accepted": true}``."""
        if not isinstance(data, Mapping):
            raise ExampleError(f"an example must be a mapping, not {type(data).__name__}")
        try:
            return cls(
                data["text"],  # type: ignore[arg-type]  # validated in __post_init__
                data["framework"],  # type: ignore[arg-type]
                data["target_id"],  # type: ignore[arg-type]
                data.get("accepted", True),  # type: ignore[arg-type]
            )
        except KeyError as e:
            raise ExampleError(f"ตัวอย่างขาดช่อง {e} / example field missing: {e}") from None


def coerce_examples(
    examples: Iterable[Example | Mapping[str, object]] | None,
) -> tuple[Example, ...]:
    """Examples given as objects or dicts, validated."""
    if examples is None:
        return ()
    out = []
    for e in examples:
        out.append(e if isinstance(e, Example) else Example.from_dict(e))
    return tuple(out)


def example_votes(
    item_vecs: np.ndarray,
    example_vecs: np.ndarray,
    background_vecs: np.ndarray,
    examples: Sequence[Example],
    target_ids: Sequence[str],
    card: ScoreCard,
) -> np.ndarray:
    """``vote[i, t]`` (items × targets) of ``examples`` that belong to this framework.

    ``example_vecs`` are the examples' query vectors (row per example, same order),
    ``background_vecs`` the generic local texts' query vectors. Examples of other
    frameworks must already be filtered out by the caller; an unknown ``target_id``
    raises :class:`ExampleError`.
    """
    votes = np.zeros((len(item_vecs), len(target_ids)), dtype=np.float32)
    if not len(examples) or not len(item_vecs):
        return votes
    col = {t: j for j, t in enumerate(target_ids)}
    bad = sorted({e.target_id for e in examples if e.target_id not in col})
    if bad:
        raise ExampleError(
            f"ไม่มีเป้าหมาย {bad} ในกรอบ {examples[0].framework} / unknown target ids {bad} "
            f"in framework {examples[0].framework!r}; known: {list(target_ids)}"
        )
    sims = (item_vecs @ example_vecs.T).astype(np.float32)  # (items, examples)
    among = (example_vecs @ example_vecs.T).astype(np.float32)
    mu = np.zeros(len(examples), np.float32)
    sd = np.ones(len(examples), np.float32)
    for e in range(len(examples)):
        peers = [sims[:, e], np.delete(among[:, e], e)]
        if len(item_vecs) + len(examples) - 1 < card.example_min_peers:  # add generic text
            peers.append((background_vecs @ example_vecs[e]).astype(np.float32))
        bg = np.concatenate(peers)
        mu[e], sd[e] = bg.mean(), max(float(bg.std()), 1e-6)
    z = (sims - mu) / sd
    kappa = np.maximum(z - card.example_floor, 0.0).astype(np.float32)
    sign = np.array([1.0 if e.accepted else -1.0 for e in examples], dtype=np.float32)
    onehot = np.zeros((len(examples), len(target_ids)), dtype=np.float32)
    onehot[np.arange(len(examples)), [col[e.target_id] for e in examples]] = sign
    norm = np.maximum(kappa.sum(axis=1, keepdims=True), 1.0)
    return ((kappa @ onehot) / norm).astype(np.float32)


@dataclass(frozen=True)
class ExampleSet:
    """The examples of one :func:`plansearch.align` call with their query vectors and
    the generic local text they are measured against (row per example)."""

    examples: tuple[Example, ...]
    vectors: np.ndarray
    background: np.ndarray

    def votes(
        self, item_vecs: np.ndarray, space: TargetSpace, card: ScoreCard
    ) -> np.ndarray | None:
        """:func:`example_votes` of the examples that belong to ``space`` (``None``
        when none does)."""
        mine = [k for k, e in enumerate(self.examples) if e.framework == space.name]
        if not mine:
            return None
        return example_votes(
            item_vecs,
            self.vectors[mine],
            self.background,
            [self.examples[k] for k in mine],
            space.target_ids,
            card,
        )
