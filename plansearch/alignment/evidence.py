"""Evidence: pure functions from item and node vectors to a named :class:`FrameworkEvidence`.

For local items ``i`` and the targets ``t`` of one framework (a target is scored over
its whole subtree of nodes ``n``, :mod:`plansearch.frameworks.space`)::

    sim[i, n]     = cos(item_i, node_n)                     item as e5 "query", node as "passage"
    dense[i, t]   = mean of the top_nodes largest sim[i, n], n in subtree(t)
    z[i, t]       = (dense[i, t] − μ) / σ                    μ, σ: dense scores of the standard
                                                             budget programmes (generic local text)
    lex[i, t]     = idf-weighted share of the item's words in subtree t (:mod:`.lexical`)
    evidence[i,t] = dense_weight · z + lexical_weight · lex + priors + examples

Before the z-score, an item in another language (English) has its cosines re-expressed
in the register of local plans (:func:`in_register`: by the level and spread of its
similarities to texts written like local plans), so it is measured in the same units as
local text.

The priors: a framework that is a level of another (master plans) inherits its parent's
evidence (:func:`parent_prior`); one anchored to another (SDGs, milestones) takes the
item's anchor shares through a crosswalk of the two frameworks' texts
(:func:`anchor_prior`); the planner's examples vote (:mod:`.examples`). All constants
come from one :class:`~.scorecard.ScoreCard`; :mod:`.calibrate` turns evidence into
scores and strength labels. Everything is vectorised: ``items × nodes`` similarity is one
matrix product and the per-target reduction a ``reduceat``.

>>> import numpy as np
>>> lay = SubtreeLayout.from_roots(np.array([0, 0, 1]), 2)
>>> subtree_scores(np.array([[0.9, 0.5, 0.8]], np.float32), lay, top_nodes=2)
array([[0.7, 0.8]], dtype=float32)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibrate import shares
from .lexical import LexicalScores, lexical_scores
from .scorecard import ScoreCard

if TYPE_CHECKING:
    from ..frameworks.space import TargetSpace
    from .examples import ExampleSet
    from .items import ItemQueries
    from .prepare import PreparedSpace


# ---------------------------------------------------------------------------- dense
@dataclass(frozen=True)
class SubtreeLayout:
    """Which columns (nodes) belong to which target, sorted for ``reduceat``.

    ``order`` sorts the nodes by target (stable); ``present`` are the targets that
    have at least one node, ``starts``/``sizes`` their runs in sorted order.
    """

    n_targets: int
    roots: np.ndarray  # (nodes,) target of each node, original order
    order: np.ndarray
    present: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray

    @classmethod
    def from_roots(cls, roots: np.ndarray, n_targets: int) -> SubtreeLayout:
        roots = np.asarray(roots, dtype=np.int64)
        order = np.argsort(roots, kind="stable")
        r_sorted = roots[order]
        present = np.unique(r_sorted)
        starts = np.searchsorted(r_sorted, present)
        sizes = np.diff(np.append(starts, len(r_sorted)))
        return cls(n_targets, roots, order, present, starts, sizes)

    @classmethod
    def of(cls, space: TargetSpace) -> SubtreeLayout:
        return cls.from_roots(np.array([n.root for n in space.nodes], dtype=np.int64), len(space))


def _top2_mean(sims: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Mean of the 2 largest values per column group (groups contiguous, all non-empty)."""
    m1 = np.maximum.reduceat(sims, starts, axis=1)
    group_of_col = np.repeat(np.arange(len(starts)), sizes)
    at_max = sims == m1[:, group_of_col]
    n_max = np.add.reduceat(at_max, starts, axis=1, dtype=np.int32)
    rest = np.where(at_max, np.float32(-np.inf), sims)
    m2 = np.maximum.reduceat(rest, starts, axis=1)
    m2 = np.where(n_max >= 2, m1, m2)
    out = np.where(sizes >= 2, (m1 + m2) / np.float32(2), m1)
    return out.astype(np.float32)


def subtree_scores(sims: np.ndarray, layout: SubtreeLayout, top_nodes: int) -> np.ndarray:
    """``dense[i, t]``: mean of the ``top_nodes`` largest ``sims[i, n]`` over target t's nodes.

    ``sims`` is ``(rows, nodes)`` in the space's node order. A target without
    nodes scores -1 (below any cosine of real text).
    """
    sims = np.asarray(sims, dtype=np.float32)
    out = np.full((sims.shape[0], layout.n_targets), -1.0, dtype=np.float32)
    if not len(layout.present) or sims.shape[0] == 0:
        return out
    s = sims[:, layout.order]
    if top_nodes == 1:
        out[:, layout.present] = np.maximum.reduceat(s, layout.starts, axis=1)
    elif top_nodes == 2:
        out[:, layout.present] = _top2_mean(s, layout.starts, layout.sizes)
    else:
        for k, (a, size) in enumerate(zip(layout.starts, layout.sizes, strict=True)):
            sub = s[:, a : a + size]
            n = min(top_nodes, int(size))
            if n == 1:
                col = sub.max(axis=1)
            else:
                col = np.partition(sub, size - n, axis=1)[:, size - n :].mean(axis=1)
            out[:, layout.present[k]] = col
    return out


def subtree_best_node(sims: np.ndarray, layout: SubtreeLayout) -> np.ndarray:
    """``(rows, targets)``: the node (index into the space's nodes) with the highest sim.

    Ties go to the earlier node. Targets without nodes get 0.
    """
    best = np.zeros((sims.shape[0], layout.n_targets), dtype=np.int64)
    for t in layout.present:
        cols = np.flatnonzero(layout.roots == t)
        best[:, t] = cols[np.argmax(sims[:, cols], axis=1)]
    return best


@dataclass(frozen=True)
class DenseScores:
    combined: np.ndarray  # (items, targets): mean cosine of the best top_nodes nodes
    best_node: np.ndarray  # (items, targets): index into space.nodes of the best node


def dense_scores(
    q: np.ndarray,
    node_vecs: np.ndarray,
    space: TargetSpace,
    top_nodes: int,
    *,
    layout: SubtreeLayout | None = None,
) -> DenseScores:
    """Cosine of each item to each target, over the target's whole subtree."""
    lay = layout or SubtreeLayout.of(space)
    sims = (q @ node_vecs.T).astype(np.float32)
    return DenseScores(subtree_scores(sims, lay, top_nodes), subtree_best_node(sims, lay))


# ------------------------------------------------------------------------ register
@dataclass(frozen=True)
class Register:
    """The register of local plans for one embedder: texts written in it (``pool``,
    passage vectors of :func:`~plansearch.frameworks.knowledge.local_register_texts`)
    and where generic local text's similarities to them sit (mean ``level`` and
    ``scale`` over the standard budget programmes, :func:`register_of`)."""

    pool: np.ndarray
    level: float
    scale: float

    @classmethod
    def of(cls, pool: np.ndarray, generic_queries: np.ndarray) -> Register:
        level, scale = register_of(generic_queries, pool)
        return cls(np.asarray(pool, np.float32), float(level.mean()), float(scale.mean()))


def register_of(q: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's register: the median (level) and 1.4826 × median absolute deviation
    (scale) of its cosines to texts in the register of local plans. Text in another
    language or register (English, official prose) sits lower and narrower; the
    median and MAD ignore the few texts an item is actually about.

    >>> lvl, scl = register_of(np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32))
    >>> lvl.tolist(), scl.tolist()
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    """
    sims = np.asarray(q, np.float32) @ np.asarray(pool, np.float32).T
    level = np.median(sims, axis=1)
    scale = np.float32(1.4826) * np.median(np.abs(sims - level[:, None]), axis=1)
    return level.astype(np.float32), scale.astype(np.float32)


_THAI = re.compile(r"[\u0e00-\u0e7f]")


def foreign_share(text: str) -> float:
    """Share of an item's letters that are not Thai: 0 for Thai text, 1 for English.

    Local plans are written in Thai; the register correction (:func:`in_register`)
    applies to an item in this share, so Thai text of any style is measured as it
    is and English report prose is re-expressed in the register of local plans.

    >>> foreign_share("ถนนคอนกรีต"), foreign_share("rural roads"), foreign_share("123")
    (0.0, 1.0, 0.0)
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(not _THAI.match(c) for c in letters) / len(letters)


def in_register(
    scores: np.ndarray,
    level: np.ndarray,
    scale: np.ndarray,
    register: Register,
    weight: float | np.ndarray,
) -> np.ndarray:
    """Cosine scores of items (rows) re-expressed in the register of local plans::

        out[i] = register.level + (scores[i] − level[i]) · register.scale / scale[i]

    (``weight`` of the way there: one weight, or one per item). English report prose,
    whose cosines to Thai text run lower and narrower, is measured as if written in Thai
    local wording, so its evidence is not all below generic local text. The item's
    ranking of nodes and targets is unchanged.

    >>> reg = Register(np.zeros((1, 2), np.float32), 0.2, 0.1)
    >>> in_register(np.array([[0.3, 0.5]]), np.array([0.1]), np.array([0.05]), reg, 1.0)
    array([[0.6, 1. ]], dtype=float32)
    """
    w = np.broadcast_to(np.asarray(weight, np.float32), (len(scores),))
    if not (w > 0).any():
        return np.asarray(scores, np.float32)
    scale = np.maximum(np.asarray(scale, np.float32), np.float32(1e-6))
    moved = register.level + (scores - level[:, None]) * (register.scale / scale[:, None])
    out = scores + w[:, None] * (moved - scores)
    return np.asarray(out, np.float32)


def view_scores(
    q: np.ndarray, prep: PreparedSpace, card: ScoreCard, foreign: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One embedding view of items against a prepared space: ``(raw subtree scores,
    subtree scores in the register of local plans, node cosines in that register)``;
    ``foreign`` is each item's :func:`foreign_share` (``None``: all Thai)."""
    sims = (q @ prep.node_vecs.T).astype(np.float32)
    raw = subtree_scores(sims, prep.layout, card.top_nodes)
    reg = prep.register
    if reg is None or card.register_weight <= 0 or foreign is None or not foreign.any():
        return raw, raw, sims
    level, scale = register_of(q, reg.pool)
    w = card.register_weight * np.asarray(foreign, np.float32)
    return raw, in_register(raw, level, scale, reg, w), in_register(sims, level, scale, reg, w)


def standardise(raw: np.ndarray, mu: float | np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    """``(raw − mu) / sd`` in float32 (``mu``/``sd`` scalars or one per target column)."""
    return ((raw - mu) / sd).astype(np.float32)


def mixed_z(views: Sequence[tuple[np.ndarray, Any, Any, float]]) -> np.ndarray:
    """Dense z-scores of several embedding views of the same targets, averaged.

    Each view is ``(dense, mu, sd, weight)``: one model's subtree scores and the mean
    and spread of its own background (generic local text), so each model is measured
    in its own standard deviations before the weighted mean — e.g. the domain-adapted
    model and the frozen model it adapts, an ensemble that keeps what each knows.

    >>> a = np.array([[1.0, 0.5]], np.float32)
    >>> mixed_z([(a, 0.5, 0.25, 0.5), (a, 0.0, 0.5, 0.5)])
    array([[2. , 0.5]], dtype=float32)
    """
    total = sum(w for *_, w in views)
    if not views or total <= 0:
        raise ValueError("mixed_z needs at least one view with a positive weight")
    out = None
    for dense, mu, sd, w in views:
        z = standardise(dense, mu, sd) * np.float32(w / total)
        out = z if out is None else out + z
    assert out is not None
    return out.astype(np.float32)


def background_stats(background: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of a background score matrix (σ never 0)."""
    return float(background.mean()), float(background.std()) or 1e-6


def zscore(raw: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Dense scores in standard deviations above generic in-domain text.

    ``background`` holds the raw scores of generic local-government statements (the
    standard budget programmes) against the same targets. Measuring items against
    that distribution makes scores comparable across frameworks and models without
    any labels, and keeps every difference between targets (no clipping, no ties).
    """
    mu, sd = background_stats(background)
    return standardise(raw, mu, sd)


# --------------------------------------------------------------------------- combine
def evidence(
    z: np.ndarray, lexical: np.ndarray, card: ScoreCard, extra: np.ndarray | None = None
) -> np.ndarray:
    """``dense_weight · z + lexical_weight · lex (+ extra)``: an item's evidence for each
    target, in standard deviations above generic local text. ``extra`` holds further
    terms already weighted (priors, the planner's examples' vote)."""
    if card.dense_weight == 1.0:
        ev = z + card.lexical_weight * lexical
    else:
        ev = card.dense_weight * z + card.lexical_weight * lexical
    return ev if extra is None else ev + extra


# ------------------------------------------------------------- framework levels
def parent_prior(parent_ev: np.ndarray, cols: np.ndarray, weight: float) -> np.ndarray:
    """Evidence each target inherits from its parent in a coarser framework (path score).

    Some frameworks are levels of another: the 23 master plans sit under the six
    national strategies. A master plan is then only as plausible as its strategy:
    ``parent_ev`` is the items' evidence for the parent framework's targets, ``cols[t]``
    the column of target ``t``'s parent (-1 for none)::

        extra[i, t] = weight · (parent_ev[i, cols[t]] − max_p parent_ev[i, p])

    Targets under the item's best parent lose nothing, so the top path keeps its
    score; the others lose the gap between their parent and the best one.

    >>> parent_prior(np.array([[2.0, 1.0]]), np.array([0, 1, 1, -1]), 1.0)
    array([[ 0., -1., -1.,  0.]], dtype=float32)
    """
    parent_ev = np.asarray(parent_ev, dtype=np.float32)
    cols = np.asarray(cols, dtype=np.int64)
    out = np.zeros((parent_ev.shape[0], len(cols)), dtype=np.float32)
    if weight == 0 or not parent_ev.size or not (cols >= 0).any():
        return out
    gap = parent_ev - parent_ev.max(axis=1, keepdims=True)
    has = cols >= 0
    out[:, has] = np.float32(weight) * gap[:, cols[has]]
    return out


def crosswalk(anchor_vecs: np.ndarray, target_vecs: np.ndarray) -> np.ndarray:
    """How close each anchor target is to each target of another framework, in standard
    deviations within the anchor target's row: ``(anchor targets, targets)`` float32.

    The rows are the cosines between the frameworks' own texts (each target's title and
    description), centred and scaled per anchor target, so every anchor target spreads
    the same amount of evidence whatever its wording's length.

    >>> crosswalk(np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32))
    array([[ 1., -1.],
           [-1.,  1.]], dtype=float32)
    """
    sims = np.asarray(anchor_vecs, np.float64) @ np.asarray(target_vecs, np.float64).T
    if sims.shape[1] < 2:
        return np.zeros(sims.shape, np.float32)
    sd = sims.std(axis=1, keepdims=True)
    return ((sims - sims.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)).astype(
        np.float32
    )


def anchor_prior(
    anchor_ev: np.ndarray, walk: np.ndarray, weight: float, temperature: float
) -> np.ndarray:
    """Evidence a framework takes from the item's links in the framework it is anchored to.

    The national strategy is the link a plan states most reliably; the SDGs and the
    NESDP milestones are not levels of it, but their texts overlap it unevenly (NS5's
    environment text is close to SDG13–15, NS3's human capital to SDG4). An item's
    shares of the anchor's targets (:func:`shares`, calibrated probabilities) weight the
    rows of the :func:`crosswalk`::

        extra[i, t] = weight · Σ_a share(i, a) · walk[a, t]

    >>> anchor_prior(np.array([[1.0, 1.0]]), np.array([[2.0, -2.0], [0.0, 0.0]]), 0.5, 1.0)
    array([[ 0.5, -0.5]], dtype=float32)
    """
    anchor_ev = np.asarray(anchor_ev, dtype=np.float32)
    walk = np.asarray(walk, dtype=np.float32)
    if weight == 0 or not anchor_ev.size or not walk.size:
        return np.zeros((anchor_ev.shape[0], walk.shape[1]), np.float32)
    return (np.float32(weight) * (shares(anchor_ev, temperature) @ walk)).astype(np.float32)


def _same_nodes(
    other_sims: np.ndarray, other: PreparedSpace, prep: PreparedSpace, sims: np.ndarray
) -> np.ndarray:
    """The other view's node cosines in ``prep``'s node order. A bare target's borrowed
    nodes depend on the embedder, so the frozen view may lack some of the adapted view's
    nodes: those keep the adapted view's cosine, in the frozen view's units."""
    if [n.id for n in other.space.nodes] == [n.id for n in prep.space.nodes]:
        return other_sims
    where = {n.id: j for j, n in enumerate(other.space.nodes)}
    mu, sd = prep.mu_sd
    fmu, fsd = other.mu_sd
    out = (sims - mu) / sd * fsd + fmu
    for j, n in enumerate(prep.space.nodes):
        k = where.get(n.id)
        if k is not None:
            out[:, j] = other_sims[:, k]
    return out.astype(np.float32)


# ------------------------------------------------------------------- per framework
@dataclass(frozen=True)
class FrameworkEvidence:
    """One framework's evidence for every item: what :mod:`.calibrate` and
    :mod:`.results` read.

    ``dense`` holds the (adapted) model's subtree cosines and each target's best node
    (the evidence a match names: the node closest to the item in the same ensemble of
    views the score reads), ``lexical`` the Thai words, ``evidence`` the combined
    ``(items, targets)`` evidence in z units (dense ensemble + lexical + priors + votes).
    """

    prepared: PreparedSpace
    dense: DenseScores
    lexical: LexicalScores
    evidence: np.ndarray

    @property
    def space(self) -> TargetSpace:
        return self.prepared.space


def framework_evidence(
    queries: ItemQueries,
    prep: PreparedSpace,
    card: ScoreCard,
    extra: np.ndarray | None = None,
    examples: ExampleSet | None = None,
) -> FrameworkEvidence:
    """The items' evidence for one prepared framework (``extra``: priors, already weighted)."""
    raw, combined, sims = view_scores(queries.vectors, prep, card, queries.foreign)
    lex = lexical_scores(queries.texts, prep.space, queries.tokens, model=prep.lexical)
    views = [(combined, *prep.mu_sd, 1.0)]
    node_views = [(sims, *prep.mu_sd, 1.0)]
    fprep = prep.frozen
    if fprep is not None and queries.frozen is not None:  # ensemble with the frozen model
        _, fdense, fsims = view_scores(queries.frozen, fprep, card, queries.foreign)
        views = [
            (combined, *prep.mu_sd, 1.0 - card.frozen_weight),
            (fdense, *fprep.mu_sd, card.frozen_weight),
        ]
        node_views = [
            (sims, *prep.mu_sd, 1.0 - card.frozen_weight),
            (_same_nodes(fsims, fprep, prep, sims), *fprep.mu_sd, card.frozen_weight),
        ]
    z = mixed_z(views)
    # the evidence a match quotes: the node the ensemble finds closest, as the score does
    dense = DenseScores(raw, subtree_best_node(mixed_z(node_views), prep.layout))
    if examples is not None:
        votes = examples.votes(queries.vectors, prep.space, card)
        if votes is not None:
            extra = card.example_weight * votes + (0 if extra is None else extra)
    return FrameworkEvidence(prep, dense, lex, evidence(z, lex.coverage, card, extra))


def evidence_for(
    queries: ItemQueries,
    prepared: Sequence[PreparedSpace],
    card: ScoreCard,
    examples: ExampleSet | None = None,
) -> list[FrameworkEvidence]:
    """Every framework's evidence, in the order of ``prepared``.

    Coarser levels are scored first: a master plan's evidence includes its national
    strategy's gap to the best one (:func:`parent_prior`), an SDG's what the item's
    national strategies say through the crosswalk (:func:`anchor_prior`). A parent or
    anchor that was not asked for is scored for the prior alone.
    """
    done: dict[tuple[str, tuple[str, ...]], FrameworkEvidence] = {}

    def key(p: PreparedSpace) -> tuple[str, tuple[str, ...]]:
        return (p.space.name, p.space.target_ids)

    def plain(p: PreparedSpace) -> FrameworkEvidence:
        if key(p) not in done:
            done[key(p)] = framework_evidence(queries, p, card, examples=examples)
        return done[key(p)]

    for prep in sorted(prepared, key=lambda p: p.parent is not None or p.anchor is not None):
        extra = None
        if prep.parent is not None:
            cols = np.array(prep.space.target_parents)
            extra = parent_prior(plain(prep.parent).evidence, cols, card.parent_weight)
        walk = prep.anchor_walk()
        if prep.anchor is not None and walk is not None:
            add = anchor_prior(
                plain(prep.anchor).evidence, walk, card.anchor_weight, card.temperature
            )
            extra = add if extra is None else extra + add
        done[key(prep)] = framework_evidence(queries, prep, card, extra, examples)
    return [done[key(p)] for p in prepared]
