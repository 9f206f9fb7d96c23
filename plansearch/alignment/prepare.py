"""Prepare: a target space embedded once, with its background (no scoring here).

Preparing a framework gives bare targets their borrowed content (:mod:`.bare`), embeds
every node as an e5 passage (the names of local government as an organisation left out,
:mod:`.subject`), and scores the standard budget programmes — *generic local text* —
against the targets: the background whose mean and spread calibrate every item's dense
score (:func:`.evidence.zscore`). With a domain-adapted embedder the same space is also
prepared with the frozen base model (the ensemble's other view); a framework that is a
level of another (master plans) or anchored to one (SDGs, milestones) carries that one
prepared too, and the crosswalk between them.

Prepared spaces are remembered by the full fingerprint of what they depend on: the
embedder's, the space's (every node) and the score card's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..frameworks.knowledge import local_register_texts, programme_texts
from ..frameworks.space import TargetSpace
from .bare import with_borrowed_knowledge
from .evidence import Register, SubtreeLayout, background_stats, crosswalk, subtree_scores
from .lexical import LexicalModel, lexical_model
from .scorecard import ScoreCard
from .subject import without_subject

if TYPE_CHECKING:
    from ..embed.base import BaseEmbedder

#: Framework vectors remembered in memory (each entry: one framework's texts); the
#: disk cache (:mod:`plansearch.embed.cache`) keeps them across runs.
CACHED_VECTORS = 256
#: Prepared spaces remembered (per embedder, space and score card).
CACHED_SPACES = 64

_VECTORS: OrderedDict[tuple[str, str, tuple[str, ...]], np.ndarray] = OrderedDict()
_PREPARED: OrderedDict[tuple[str, str, str], PreparedSpace] = OrderedDict()


def framework_vectors(emb: BaseEmbedder, texts: Sequence[str], kind: str) -> np.ndarray:
    """``emb.encode(texts, kind)``, remembered for frameworks reused across calls, in
    memory and on disk (:mod:`plansearch.embed.cache`, keyed by model fingerprint)."""
    key = (emb.fingerprint, kind, tuple(texts))
    vec = _VECTORS.get(key)
    if vec is None:
        from ..embed.cache import encode_cached as encode_on_disk  # persists across runs

        vec = encode_on_disk(emb, list(texts), kind)
        if len(_VECTORS) >= CACHED_VECTORS:
            _VECTORS.popitem(last=False)
        _VECTORS[key] = vec
    return vec


def frozen_embedder(emb: BaseEmbedder) -> BaseEmbedder | None:
    """The frozen base model of a domain-adapted embedder (``None`` when not adapted):
    what alignment ensembles with the adapted model (score card ``frozen_weight``)."""
    get = getattr(emb, "frozen_embedder", None)
    return get() if callable(get) else None


@dataclass(frozen=True)
class PreparedSpace:
    """A target space embedded once: node vectors and the background.

    ``background`` holds the dense scores of the standard budget programmes against the
    targets; its mean and standard deviation calibrate items' dense scores.
    """

    space: TargetSpace
    node_vecs: np.ndarray
    background: np.ndarray
    card: ScoreCard
    #: The same space prepared with the frozen base model (domain-adapted embedder and
    #: ``card.frozen_weight`` > 0): the ensemble's other view.
    frozen: PreparedSpace | None = None
    #: The coarser framework this one is a level of, prepared the same way, when
    #: ``card.parent_weight`` > 0.
    parent: PreparedSpace | None = None
    #: The anchor framework, prepared the same way, and the crosswalk from its targets
    #: to these, when ``card.anchor_weight`` > 0.
    anchor: PreparedSpace | None = None
    walk: np.ndarray | None = None
    #: The register of local plans for this embedder (``card.register_weight`` > 0):
    #: items' cosines are re-expressed in it before the z-score.
    register: Register | None = None

    @cached_property
    def layout(self) -> SubtreeLayout:
        return SubtreeLayout.of(self.space)

    @property
    def lexical(self) -> LexicalModel:
        return lexical_model(self.space)

    @property
    def mu_sd(self) -> tuple[float, float]:
        return background_stats(self.background)

    def anchor_walk(self) -> np.ndarray | None:
        """The crosswalk from the anchor framework, mixed like the dense scores: with a
        domain-adapted embedder, ``frozen_weight`` of the frozen model's crosswalk."""
        walk = self.walk
        fwalk = self.frozen.walk if self.frozen is not None else None
        if walk is None or fwalk is None or self.card.frozen_weight <= 0:
            return walk
        w = np.float32(self.card.frozen_weight)
        return ((np.float32(1) - w) * walk + w * fwalk).astype(np.float32)


def own_vectors(prep: PreparedSpace) -> np.ndarray:
    """Each target's own node vector (its title and description), ``(targets, dim)``:
    the first node of each target's subtree is the target itself."""
    roots = np.array([n.root for n in prep.space.nodes], dtype=np.int64)
    _, first = np.unique(roots, return_index=True)
    return prep.node_vecs[first]


def prepare_space(space: TargetSpace, emb: BaseEmbedder, card: ScoreCard) -> PreparedSpace:
    """Borrow content for bare targets, embed every node, score the background; with
    the frozen view, the parent level and the anchor as the card asks.

    Remembered per (embedder, space, card) fingerprints, so repeated ``align`` calls
    against the same frameworks neither re-embed nor re-tokenise.
    """
    key = (emb.fingerprint, space.fingerprint, card.fingerprint())
    hit = _PREPARED.get(key)
    if hit is not None:
        _PREPARED.move_to_end(key)
        return hit
    prepared = _embed(space, emb, card)
    frozen = None
    if card.frozen_weight > 0:
        base = frozen_embedder(emb)
        if base is not None:
            frozen = prepare_space(space, base, card.replace(frozen_weight=0.0))
    parent = None
    if space.parent is not None and card.parent_weight > 0:
        parent = prepare_space(space.parent, emb, card)
    anchor = walk = None
    if space.anchor is not None and card.anchor_weight > 0:
        anchor = prepare_space(space.anchor, emb, card)
        walk = crosswalk(own_vectors(anchor), own_vectors(prepared))
    prepared = replace(prepared, frozen=frozen, parent=parent, anchor=anchor, walk=walk)
    if len(_PREPARED) >= CACHED_SPACES:
        _PREPARED.popitem(last=False)
    _PREPARED[key] = prepared
    return prepared


def _embed(space: TargetSpace, emb: BaseEmbedder, card: ScoreCard) -> PreparedSpace:
    def encode(texts: Sequence[str], kind: str) -> np.ndarray:
        return framework_vectors(emb, texts, kind)

    prog_q = encode(programme_texts(), "query")
    space = with_borrowed_knowledge(space, encode, card)
    node_vecs = encode(
        [without_subject(n.content, card.subject_min_left) for n in space.nodes], "passage"
    )
    register = None
    if card.register_weight > 0:
        register = Register.of(encode(local_register_texts(), "passage"), prog_q)
    background = background_scores(prog_q, node_vecs, space, card)
    return PreparedSpace(space, node_vecs, background, card, register=register)


def background_scores(
    prog_q: np.ndarray, node_vecs: np.ndarray, space: TargetSpace, card: ScoreCard
) -> np.ndarray:
    """The standard budget programmes' subtree scores against the targets: the
    background of the z-scores (Thai local text: in the register of local plans)."""
    return subtree_scores(
        (prog_q @ node_vecs.T).astype(np.float32), SubtreeLayout.of(space), card.top_nodes
    )


def clear_caches() -> None:
    """Forget every framework vector and prepared space held in memory (the disk cache
    stays): for a caller that swaps an embedder's weights under the same fingerprint."""
    _VECTORS.clear()
    _PREPARED.clear()
