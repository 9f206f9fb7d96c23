"""The local items an alignment ranks targets for, and their query vectors.

A :class:`~plansearch.Plan` gives its own sections of the kinds that play a role in the
ผ.02 blocks (the registry's block model: strategies, tactics, projects), or, when it has
none, its vision, missions and goals. A plain list gives sections or strings. Each
item is embedded as an e5 query with its ancestors in the plan as context.

>>> items, plan = items_from(["ก่อสร้างถนนคอนกรีตเสริมเหล็ก"])
>>> items[0].kind, plan is None
('goal', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..embed.base import l2_normalise
from ..frameworks.registry import aligned_kinds, fallback_kinds
from ..sections import Plan, Section
from ..thai import tokenize
from .evidence import foreign_share
from .prepare import frozen_embedder
from .scorecard import ScoreCard
from .subject import without_subject

if TYPE_CHECKING:
    from ..embed.base import BaseEmbedder


def items_from(
    local: Plan | Sequence[Section] | Sequence[str] | str,
) -> tuple[list[Section], Plan | None]:
    """``(items, plan)``: what ``align(local)`` ranks targets for (``plan`` is ``None``
    for a plain list)."""
    if isinstance(local, Plan):
        kinds = aligned_kinds()
        items = [s for s in local.sections if s.level == "local" and s.kind in kinds]
        if not items:  # a plan that states only its vision, missions and goals
            fallback = fallback_kinds()
            items = [s for s in local.sections if s.level == "local" and s.kind in fallback]
        return items, local
    if isinstance(local, str):
        local = [local]
    items = []
    for i, x in enumerate(local):
        if isinstance(x, Section):
            items.append(x)
        elif isinstance(x, str):
            if not x.strip():
                raise ValueError(f"local item {i} is empty")
            items.append(Section.from_text(x, kind="goal", id=f"item-{i + 1:04d}"))
        else:
            raise TypeError(f"local items must be Section or str, not {type(x).__name__}")
    return items, None


def item_vectors(
    items: Sequence[Section],
    plan: Plan | None,
    emb: BaseEmbedder,
    card: ScoreCard,
    context_weight: float,
    contexts: Sequence[str] | None = None,
) -> np.ndarray:
    """The items' query vectors, each with its context added, then re-normalised.

    An item's context is its ancestors in the plan: ``context_weight`` × its parent's
    vector (a tactic's strategy, a project's tactic or strategy) and
    ``context_weight²`` × its grandparent's (a project's strategy, when its parent is
    a tactic). Parents are looked up among the plan's sections, or among ``items``
    when there is no plan. ``contexts`` (one string per item, ``""`` for none) gives
    the context of plain items instead, e.g. each project name's tactic. With
    ``context_weight`` 0 the vectors are the plain query embeddings.
    """

    def text(t: str) -> str:
        return without_subject(t, card.subject_min_left)

    q = emb.encode([text(s.content) for s in items], kind="query", show_progress=len(items) > 512)
    cw = context_weight
    if cw == 0:
        return q
    add: list[tuple[int, str, float]] = []  # (item, context text, weight)
    if contexts is not None:
        add = [(i, c, cw) for i, c in enumerate(contexts) if c and c.strip()]
    else:
        pool = {s.id: s for s in (plan.sections if plan is not None else items)}
        for i, s in enumerate(items):
            parent = pool.get(s.parent_id) if s.parent_id else None
            if parent is None:
                continue
            add.append((i, parent.content, cw))
            grand = pool.get(parent.parent_id) if parent.parent_id else None
            if grand is not None and s.kind == "project" and parent.kind == "tactic":
                add.append((i, grand.content, cw * cw))
    if not add:
        return q
    cv = emb.encode([text(c) for _, c, _ in add], kind="query", show_progress=False)
    q = q.copy()
    for k, (i, _, w) in enumerate(add):
        q[i] = q[i] + w * cv[k]
    return l2_normalise(q)


@dataclass(frozen=True)
class ItemQueries:
    """The items as the evidence reads them: query vectors (adapted model), the frozen
    base model's (``None`` without an ensemble), the texts, their Thai words and their
    share of non-Thai letters."""

    vectors: np.ndarray
    frozen: np.ndarray | None
    texts: list[str]
    tokens: list[list[str]]
    #: each item's share of non-Thai letters (:func:`.evidence.foreign_share`)
    foreign: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        items: Sequence[Section],
        plan: Plan | None,
        emb: BaseEmbedder,
        card: ScoreCard,
        context_weight: float,
        contexts: Sequence[str] | None = None,
    ) -> ItemQueries:
        """Embed and tokenise ``items`` (with the frozen view when the card asks)."""
        q = item_vectors(items, plan, emb, card, context_weight, contexts)
        frozen = frozen_embedder(emb) if card.frozen_weight > 0 else None
        qf = (
            item_vectors(items, plan, frozen, card, context_weight, contexts)
            if frozen is not None
            else None
        )
        texts = [s.content for s in items]
        tokens = [tokenize(t) for t in texts]
        # read from the words, as bulk alignment reads it (plansearch.alignment.bulk)
        foreign = np.array([foreign_share("".join(t)) for t in tokens], np.float32)
        return cls(q, qf, texts, tokens, foreign)
