"""The alignment score: the one place it is computed (pure functions over arrays).

For local items ``i`` and the targets ``t`` of one framework (a target is scored
over its whole subtree of nodes ``n``, see :mod:`.targets`)::

    sim[i, n]     = cos(item_i, node_n)                     item as e5 "query", node as "passage"
    dense[i, t]   = mean of the top_nodes largest sim[i, n], n in subtree(t)
    z[i, t]       = (dense[i, t] − μ) / σ                    μ, σ: dense scores of the standard
                                                             budget programmes (generic local text)
    lex[i, t]     = Σ idf(w), w ∈ words(i) ∩ words(subtree t) / Σ idf(w), w ∈ words(i)
    evidence[i,t] = dense_weight · z + lexical_weight · lex
    score[i, t]   = 1 / (1 + exp(−(evidence − logistic_midpoint) / logistic_scale))

All constants come from one :class:`~.settings.AlignSettings`. :func:`plansearch.align`
(:mod:`.engine`) and the bulk API (:mod:`.bulk`) call these functions and nothing else
computes a score. Everything is vectorised: ``items × nodes`` similarity is one matrix
product and the per-target reduction is a ``reduceat``, so bulk alignment of 100k items
against hundreds of targets is dominated by BLAS.

Later stages (an embedding adapter, examples from corrections, whole-plan assignment,
per-framework calibration) plug in as more evidence terms over the same ``(items,
targets)`` arrays: vectors come in already embedded, and :func:`evidence` is the one
sum every term joins.

>>> import numpy as np
>>> lay = SubtreeLayout.from_roots(np.array([0, 0, 1]), 2)
>>> subtree_scores(np.array([[0.9, 0.5, 0.8]], np.float32), lay, top_nodes=2)
array([[0.7, 0.8]], dtype=float32)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..thai import tokenize
from .settings import DEFAULT_SETTINGS, AlignSettings

if TYPE_CHECKING:
    from .targets import TargetSpace

#: Deprecated aliases of the default settings (use :class:`AlignSettings`).
TOP_NODES = DEFAULT_SETTINGS.top_nodes
LEXICAL_WEIGHT = DEFAULT_SETTINGS.lexical_weight
SCORE_MIDPOINT = DEFAULT_SETTINGS.logistic_midpoint


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
    top_nodes: int = DEFAULT_SETTINGS.top_nodes,
    *,
    layout: SubtreeLayout | None = None,
) -> DenseScores:
    """Cosine of each item to each target, over the target's whole subtree."""
    lay = layout or SubtreeLayout.of(space)
    sims = (q @ node_vecs.T).astype(np.float32)
    return DenseScores(subtree_scores(sims, lay, top_nodes), subtree_best_node(sims, lay))


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


# -------------------------------------------------------------------------- lexical
class Vocabulary:
    """Word ids and inverse document frequencies over a collection of token lists."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        self.index = {t: i for i, t in enumerate(sorted(df))}
        n = max(len(docs), 1)
        self.idf = np.array(
            [math.log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in sorted(df)],
            dtype=np.float32,
        )

    def matrix(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Binary document-term matrix (unknown words dropped)."""
        rows, cols = [], []
        for i, d in enumerate(docs):
            for t in set(d):
                j = self.index.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float32)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(docs), len(self.index)))


def word_matrix(item_tokens: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Binary item × word matrix over the items' own vocabulary, and that vocabulary."""
    index: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for toks in item_tokens:
        for t in set(toks):
            indices.append(index.setdefault(t, len(index)))
        indptr.append(len(indices))
    m = sparse.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float32),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(len(item_tokens), len(index)),
    )
    return m, list(index)


class LexicalModel:
    """A target space's Thai words, idf-weighted, ready to score items' coverage.

    The idf is computed over the space's nodes; a word the framework never uses still
    counts in an item's denominator, with the mean idf.
    """

    def __init__(self, space: TargetSpace) -> None:
        node_toks = [tokenize(n.content) for n in space.nodes]
        doc_sets: list[set[str]] = [set() for _ in range(len(space))]
        for n, nt in zip(space.nodes, node_toks, strict=True):
            doc_sets[n.root].update(nt)
        self.node_tokens: list[set[str]] = [set(t) for t in node_toks]
        self.target_tokens: list[set[str]] = doc_sets
        self.vocab = Vocabulary(node_toks)
        d = self.vocab.matrix([sorted(s) for s in doc_sets])
        #: (V, T) dense: idf of word v if target t's subtree contains it
        self.weights = np.asarray((sparse.diags(self.vocab.idf) @ d.T).toarray(), np.float32)
        self.mean_idf = float(self.vocab.idf.mean()) if len(self.vocab.idf) else 1.0

    def projection(self, terms: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Map the items' ``terms`` onto this space: (terms × words) matrix, idf per term."""
        col = np.array([self.vocab.index.get(t, -1) for t in terms], dtype=np.int64)
        known = col >= 0
        idf = self.vocab.idf[np.maximum(col, 0)] if len(col) else np.zeros(0, np.float32)
        w = np.where(known, idf, self.mean_idf).astype(np.float64)
        kc = np.flatnonzero(known)
        to_space = sparse.csr_matrix(
            (np.ones(len(kc), dtype=np.float32), (kc, col[kc])),
            shape=(len(terms), len(self.vocab.index)),
        )
        return to_space, w

    def term_weights(self, terms: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
        """``(terms × targets)`` idf hit weights and the per-term denominator weights."""
        to_space, w = self.projection(terms)
        return sparse.csr_matrix(to_space @ sparse.csr_matrix(self.weights)), w

    def coverage(self, item_tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """``lex[i, t]``, ``(items, targets)`` in [0, 1]."""
        words, terms = word_matrix(item_tokens)
        hits, w = self.term_weights(terms)
        return coverage_from_words(words, hits, w)


def coverage_from_words(
    words: sparse.csr_matrix,
    hits: sparse.csr_matrix,
    denom_weights: np.ndarray,
    column_group: np.ndarray | None = None,
) -> np.ndarray:
    """``lex[i, t]`` from an item × term matrix, term × target hits and term weights.

    ``denom_weights`` is ``(terms,)``, or ``(terms, frameworks)`` when ``hits`` spans
    several frameworks: then ``column_group[t]`` is the framework of column ``t``.
    """
    denom = (words @ denom_weights).astype(np.float32)
    denom[denom == 0] = 1.0
    hit = np.asarray((words @ hits).toarray(), np.float32)
    per_col = denom[:, None] if denom.ndim == 1 else denom[:, column_group]
    return (hit / per_col).astype(np.float32)


@dataclass(frozen=True)
class LexicalScores:
    coverage: np.ndarray  # (items, targets): idf-weighted share of the item's words found
    item_tokens: list[list[str]]
    target_tokens: list[set[str]]
    node_tokens: list[set[str]]  # per node of the space (evidence: shared words)


def lexical_scores(
    item_texts: Sequence[str],
    space: TargetSpace,
    item_tokens: list[list[str]] | None = None,
    *,
    model: LexicalModel | None = None,
) -> LexicalScores:
    """How much of each item's (idf-weighted) vocabulary each target's subtree contains."""
    toks = item_tokens if item_tokens is not None else [tokenize(t) for t in item_texts]
    lm = model or LexicalModel(space)
    words, terms = word_matrix(toks)
    hits, w = lm.term_weights(terms)
    cov = coverage_from_words(words, hits, w)
    return LexicalScores(cov, toks, lm.target_tokens, lm.node_tokens)


# --------------------------------------------------------------------------- combine
def evidence(
    z: np.ndarray,
    lexical: np.ndarray,
    settings: AlignSettings = DEFAULT_SETTINGS,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """``dense_weight · z + lexical_weight · lex (+ extra)``: the evidence the logistic maps.

    ``extra`` holds further evidence terms already weighted, e.g. the planner's
    examples' vote (:func:`.examples.example_votes` × ``example_weight``).
    """
    if settings.dense_weight == 1.0:
        ev = z + settings.lexical_weight * lexical
    else:
        ev = settings.dense_weight * z + settings.lexical_weight * lexical
    return ev if extra is None else ev + extra


def logistic(x: np.ndarray, settings: AlignSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """Evidence → score in (0, 1); ``logistic_midpoint`` maps to 0.5."""
    return (
        1.0
        / (
            1.0
            + np.exp(np.clip(-(x - settings.logistic_midpoint) / settings.logistic_scale, -80, 80))
        )
    ).astype(np.float32)


def final_score(
    z: np.ndarray,
    lexical: np.ndarray,
    settings: AlignSettings = DEFAULT_SETTINGS,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """Combine dense z-score and lexical coverage, squashed to (0, 1) by a logistic."""
    return logistic(evidence(z, lexical, settings, extra), settings)


def score_from_dense(
    dense: np.ndarray,
    mu: float | np.ndarray,
    sd: float | np.ndarray,
    lexical: np.ndarray | None,
    settings: AlignSettings = DEFAULT_SETTINGS,
    extra: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(z, score)`` from subtree dense scores, the background and lexical coverage.

    ``lexical`` ``None`` scores dense evidence only (coverage taken as 0); ``extra``
    is added to the evidence (see :func:`evidence`).
    """
    z = standardise(dense, mu, sd)
    lex = np.zeros_like(z) if lexical is None else lexical
    return z, final_score(z, lex, settings, extra)


def score_block(
    sims: np.ndarray,
    layout: SubtreeLayout,
    mu: float | np.ndarray,
    sd: float | np.ndarray,
    lexical: np.ndarray | None,
    settings: AlignSettings = DEFAULT_SETTINGS,
) -> np.ndarray:
    """Final scores ``(rows, targets)`` from item × node cosines: the whole pipeline."""
    dense = subtree_scores(sims, layout, settings.top_nodes)
    return score_from_dense(dense, mu, sd, lexical, settings)[1]


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


# ------------------------------------------------------------------- whole plan
def structure_prior(ev: np.ndarray, parent: np.ndarray, weight: float) -> np.ndarray:
    """Evidence shared along a plan's own tree (collective assignment).

    ``parent[i]`` is the row of item ``i``'s parent among the items (a tactic's
    strategy, a project's tactic), or -1. Each item gains ``weight`` × the mean
    *centred* evidence (each row minus its mean over targets) of its tree neighbours
    — its parent and its children — so a tactic inherits its strategy's preference
    and a strategy pools what its tactics say, without any item's overall level
    changing the others'::

        ev'[i] = ev[i] + weight · mean_{j ∈ parent(i) ∪ children(i)} (ev[j] − mean_t ev[j])
    """
    parent = np.asarray(parent, dtype=np.int64)
    if weight == 0 or not len(ev) or not (parent >= 0).any():
        return ev
    centred = ev - ev.mean(axis=1, keepdims=True)
    acc = np.zeros_like(ev, dtype=np.float64)
    cnt = np.zeros(len(ev))
    child = np.flatnonzero(parent >= 0)
    np.add.at(acc, child, centred[parent[child]])  # from the parent
    np.add.at(cnt, child, 1)
    np.add.at(acc, parent[child], centred[child])  # from the children
    np.add.at(cnt, parent[child], 1)
    has = cnt > 0
    out = ev.astype(np.float64).copy()
    out[has] += weight * acc[has] / cnt[has, None]
    return out.astype(np.float32)


# ------------------------------------------------------------------------- strength
STRENGTH_CODES: tuple[str, ...] = ("strong", "partial", "weak", "none")


def shares(ev: np.ndarray, temperature: float) -> np.ndarray:
    """Row softmax of ``ev / temperature``: each target's share of an item's evidence.

    Within one framework the shares sum to 1, whatever the framework's size or how
    high its raw scores run, so the same share means the same thing everywhere.
    """
    x = np.asarray(ev, dtype=np.float64) / temperature
    if x.shape[1] == 0:
        return x.astype(np.float32)
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def strength_labels(
    ev: np.ndarray, final: np.ndarray, settings: AlignSettings = DEFAULT_SETTINGS
) -> np.ndarray:
    """Strength label of every (item, target) of one framework: ``(items, targets)`` str.

    ``settings.calibration`` picks the rule:

    * ``"share"`` (default): the label depends on the target's share of the item's
      evidence within the framework, :func:`shares` with ``settings.temperature``
      (fitted by ``benchmarks/fit_calibration.py`` on the frameworks' and plans' own
      hierarchies — sub-strategy → strategy, tactic → strategy — never on the
      labelled dev set): ``share ≥ thresholds.strong`` is strong, ``≥ partial``
      partial, ``≥ weak`` weak; strong and partial also need evidence above generic
      local text (> 0), else the link is at most weak (in a framework of two or three
      specific strategies, a share says little on its own; on the dev tasks the cap
      changes no strong label). The top-ranked target is at least "weak" when the
      item's evidence for it is above generic local text (> 0) or its share is at
      least twice a uniform share (``2 / targets``): a link the method ranks first
      is "none" only when it neither stands out among the framework's targets nor
      beats generic local text.
    * ``"score"``: thresholds on the final score (the rule before 2026-12).
    """
    if settings.calibration == "score":
        lab = np.array(STRENGTH_CODES, dtype=object)
        th = settings.thresholds
        code = np.where(
            final >= th.strong,
            0,
            np.where(final >= th.partial, 1, np.where(final >= th.weak, 2, 3)),
        )
        return lab[code]
    p = shares(ev, settings.temperature)
    th = settings.thresholds
    code = np.where(p >= th.strong, 0, np.where(p >= th.partial, 1, np.where(p >= th.weak, 2, 3)))
    # a link no stronger than generic local text is at most weak, however few or weak
    # its rivals (a province's two strategies must not split every item "strong")
    code = np.where((code < 2) & (ev <= 0), 2, code)
    if ev.shape[1]:
        top = np.argmax(ev, axis=1)
        rows = np.arange(len(ev))
        stands_out = p[rows, top] >= 2.0 / ev.shape[1]  # twice a uniform share
        floor = (ev[rows, top] > 0) | stands_out
        code[rows, top] = np.where(floor, np.minimum(code[rows, top], 2), code[rows, top])
    return np.array(STRENGTH_CODES, dtype=object)[code]


def topk_stable(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` largest values and their columns, ties by lower column.

    Same order as ``np.argsort(-row, kind="stable")[:k]`` without sorting whole rows.
    """
    n, t = scores.shape
    k = min(k, t)
    if k == 0:
        return np.zeros((n, 0), np.int32), np.zeros((n, 0), scores.dtype)
    if k < t:
        kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
        above = scores > kth[:, None]
        need = k - above.sum(axis=1)
        tie = scores == kth[:, None]
        pick = above | (tie & (np.cumsum(tie, axis=1) <= need[:, None]))
        cols = np.nonzero(pick)[1].reshape(n, k)
    else:
        cols = np.broadcast_to(np.arange(t), (n, t))
    vals = np.take_along_axis(scores, cols, axis=1)
    o = np.argsort(-vals, axis=1, kind="stable")
    return (
        np.take_along_axis(cols, o, axis=1).astype(np.int32),
        np.take_along_axis(vals, o, axis=1),
    )
