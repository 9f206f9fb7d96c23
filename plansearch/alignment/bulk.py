"""Bulk alignment: top-k targets for very many items, as arrays (no per-item objects).

:func:`~plansearch.align` builds rich :class:`~plansearch.alignment.results.Match`
objects with evidence for every item, which is what a report needs but is slow
for a national corpus (100k+ tactics). :func:`align_matrix` computes the *same*
scores — it calls the same functions of :mod:`.evidence` and :mod:`.calibrate` with
the same :class:`~.scorecard.ScoreCard` — but only returns the top ``k`` target
indexes and scores, processing items in chunks so memory stays bounded (``chunk ×
nodes`` floats at a time).

Ties are broken like :func:`~plansearch.align`: higher score first, then the
lower target index.

>>> from plansearch import HashingEmbedder
>>> from plansearch.alignment.bulk import align_matrix, prepare_spaces
>>> emb = HashingEmbedder(64)
>>> prepared = prepare_spaces("sdg", emb)                           # doctest: +SKIP
>>> q = emb.encode(["ขยายเขตระบบประปาหมู่บ้าน"], kind="query")
>>> ids, scores = align_matrix(q, prepared[0], top_k=3)              # doctest: +SKIP
>>> ids.shape, scores.dtype                                          # doctest: +SKIP
((1, 3), dtype('float32'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..frameworks.space import TargetSpace, resolve
from .calibrate import logistic, topk_stable
from .evidence import (
    Register,
    SubtreeLayout,
    anchor_prior,
    evidence,
    foreign_share,
    in_register,
    mixed_z,
    parent_prior,
    register_of,
    subtree_scores,
)
from .lexical import coverage_from_words, word_matrix
from .prepare import PreparedSpace, prepare_space
from .scorecard import ScoreCard, score_card

__all__ = [
    "CHUNK_SIZE",
    "BulkResult",
    "PreparedLike",
    "align_bulk",
    "align_matrix",
    "prepare_spaces",
    "topk_stable",
]

#: Items scored per chunk (memory ≈ chunk × (nodes + 4 × targets) × 4 bytes).
CHUNK_SIZE: int = 4096
#: What :func:`align_matrix` takes: one framework from :func:`prepare_spaces`.
PreparedLike = PreparedSpace


@dataclass(frozen=True)
class BulkResult:
    """Top-``k`` targets of every item in one framework.

    ``ids[i, r]`` is the index (into ``space.target_ids``) of item ``i``'s rank
    ``r + 1`` target and ``scores[i, r]`` its final score in (0, 1), computed
    with ``card``.
    """

    space: TargetSpace
    ids: np.ndarray  # (n, k) int32
    scores: np.ndarray  # (n, k) float32
    card: ScoreCard

    def target_ids(self, i: int) -> list[str]:
        """Target ids of item ``i``, best first."""
        return [self.space.target_ids[int(t)] for t in self.ids[i]]


def prepare_spaces(
    against: Any, embedder: Any, plan: Any = None, *, card: ScoreCard | None = None
) -> list[PreparedSpace]:
    """Resolve and embed the frameworks of ``against`` once (as :func:`align` does)."""
    c = card or score_card()
    return [prepare_space(s, embedder, c) for s in resolve(against, plan)]


def prep_dim(prepared: PreparedSpace) -> int:
    return int(prepared.node_vecs.shape[1])


def _check(q: np.ndarray, dim: int, item_tokens: Sequence[Sequence[str]] | None) -> np.ndarray:
    q = np.ascontiguousarray(q, dtype=np.float32)
    if q.ndim != 2 or q.shape[1] != dim:
        raise ValueError(f"item_vectors must have shape (n, {dim}), got {q.shape}")
    if item_tokens is not None and len(item_tokens) != len(q):
        raise ValueError(f"{len(item_tokens)} token lists for {len(q)} item vectors")
    return q


def align_matrix(
    item_vectors: np.ndarray,
    prepared: PreparedSpace,
    *,
    top_k: int = 3,
    item_tokens: Sequence[Sequence[str]] | None = None,
    chunk_size: int = CHUNK_SIZE,
    card: ScoreCard | None = None,
    top_nodes: int | None = None,
    frozen_vectors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` ``(target indexes (n, k) int32, final scores (n, k) float32)``.

    ``item_vectors`` are the items' query vectors (as :func:`align` computes them,
    parent context included: :func:`plansearch.alignment.items.item_vectors`),
    ``prepared`` one framework from :func:`prepare_spaces`. ``item_tokens`` are the
    items' Thai words (``plansearch.thai.tokenize``); with them the scores equal
    :func:`align`'s, without them the lexical coverage is taken as 0 (dense-only
    ranking). ``card`` defaults to the one the space was prepared with;
    ``top_nodes`` overrides its value. ``frozen_vectors``: see :func:`align_bulk`.
    """
    cfg = card or prepared.card
    if top_nodes is not None:
        cfg = cfg.replace(top_nodes=top_nodes)
    res = align_bulk(
        item_vectors,
        [prepared],
        top_k=top_k,
        item_tokens=item_tokens,
        chunk_size=chunk_size,
        card=cfg,
        frozen_vectors=frozen_vectors,
    )
    r = res[prepared.space.name]
    return r.ids, r.scores


def _blocks(prepared: list[PreparedSpace], cfg: ScoreCard) -> list[PreparedSpace]:
    """The frameworks to score: those asked for, then any parent level they need."""
    blocks = list(prepared)
    for p in prepared:
        for extra, weight in ((p.parent, cfg.parent_weight), (p.anchor, cfg.anchor_weight)):
            if extra is not None and weight > 0 and _find(blocks, extra.space) < 0:
                blocks.append(extra)
    return blocks


def _find(blocks: Sequence[PreparedSpace], space: TargetSpace) -> int:
    key = (space.name, space.target_ids)
    return next((b for b, p in enumerate(blocks) if (p.space.name, p.space.target_ids) == key), -1)


def _stack(
    blocks: Sequence[PreparedSpace],
) -> tuple[SubtreeLayout, np.ndarray, np.ndarray, np.ndarray]:
    """Every framework's targets side by side: one layout over all nodes, per-column
    background mean and spread (float32, as :func:`.evidence.standardise` uses them)."""
    roots, mus, sds = [], [], []
    col0 = 0
    for p in blocks:
        t = len(p.space)
        roots.append(p.layout.roots + col0)
        mu, sd = p.mu_sd
        mus.append(np.full(t, np.float32(mu), np.float32))
        sds.append(np.full(t, np.float32(sd), np.float32))
        col0 += t
    layout = SubtreeLayout.from_roots(np.concatenate(roots), col0)
    vecs = np.ascontiguousarray(np.vstack([p.node_vecs for p in blocks]), np.float32)
    return layout, vecs, np.concatenate(mus), np.concatenate(sds)


def align_bulk(
    item_vectors: np.ndarray,
    prepared: Sequence[PreparedSpace],
    *,
    top_k: int = 3,
    item_tokens: Sequence[Sequence[str]] | None = None,
    chunk_size: int = CHUNK_SIZE,
    card: ScoreCard | None = None,
    frozen_vectors: np.ndarray | None = None,
) -> dict[str, BulkResult]:
    """:func:`align_matrix` over several frameworks: ``{framework name: BulkResult}``.

    All frameworks are scored together: per chunk of items, one matrix product
    with every framework's nodes, one ``reduceat`` over every target, one sparse
    product for the lexical side, then the top ``k`` within each framework.
    ``card`` defaults to the one the first space was prepared with.

    With a domain-adapted embedder :func:`align` mixes the adapted and the frozen
    model (the card's ``frozen_weight``): pass the items' frozen-model vectors as
    ``frozen_vectors`` (``ItemQueries.of(...).frozen``, :mod:`.items`). A
    framework that is a level of another (master plans) is scored with its parent
    level, which is added (and not returned) when it is not among ``prepared``; so is
    the anchor of an anchored framework (the national strategy for the SDGs).
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    prepared = list(prepared)
    if not prepared:
        return {}
    cfg = card or prepared[0].card
    q_all = _check(item_vectors, prep_dim(prepared[0]), item_tokens)
    n = len(q_all)
    blocks = _blocks(prepared, cfg)
    spans, fw_of_col = [], []
    col0 = 0
    for f, p in enumerate(blocks):
        spans.append((col0, col0 + len(p.space)))
        fw_of_col.append(np.full(len(p.space), f))
        col0 += len(p.space)
    layout, all_vecs, mu_all, sd_all = _stack(blocks)
    View = tuple[np.ndarray, SubtreeLayout, np.ndarray, np.ndarray, np.ndarray, float, Any]
    views: list[View]

    # an item in another language is re-expressed in the register of local plans (its
    # letters read from its words: without item_tokens, no correction)
    foreign = np.zeros(n, np.float32)
    if item_tokens is not None:
        foreign = np.array([foreign_share("".join(t)) for t in item_tokens], np.float32)

    def register(q: np.ndarray, reg: Register | None) -> Any:
        """(the register, each item's level and scale), or None (no correction)."""
        if reg is None or cfg.register_weight <= 0 or not foreign.any():
            return None
        return (reg, *register_of(q, reg.pool))

    views = [
        (
            q_all,
            layout,
            all_vecs,
            mu_all,
            sd_all,
            1.0 - cfg.frozen_weight,
            register(q_all, blocks[0].register),
        )
    ]
    frozen = [p.frozen for p in blocks]
    if cfg.frozen_weight > 0 and all(fp is not None for fp in frozen):
        if frozen_vectors is None:
            raise ValueError(
                "these frameworks were prepared with a domain-adapted embedder: pass "
                "frozen_vectors (the items' vectors from frozen_embedder(embedder)), or "
                "a card with frozen_weight=0"
            )
        qf = _check(frozen_vectors, prep_dim(frozen[0]), item_tokens)  # type: ignore[arg-type]
        if len(qf) != n:
            raise ValueError(f"{len(qf)} frozen vectors for {n} item vectors")
        flay, fvecs, fmu, fsd = _stack([fp for fp in frozen if fp is not None])
        freg = register(qf, frozen[0].register if frozen[0] is not None else None)
        views.append((qf, flay, fvecs, fmu, fsd, cfg.frozen_weight, freg))
    groups = np.concatenate(fw_of_col)
    lexical = None
    if item_tokens is not None:
        words, terms = word_matrix(item_tokens)
        hs, ws = [], []
        for p in blocks:
            h, w = p.lexical.term_weights(terms)
            hs.append(h)
            ws.append(w)
        lexical = (words, sparse.hstack(hs, format="csr"), np.stack(ws, axis=1))
    # a level of another framework: (its columns, its parent's columns, parent of each target)
    levels = []
    for f, p in enumerate(prepared):
        if p.parent is not None and cfg.parent_weight > 0:
            pb = _find(blocks, p.parent.space)
            levels.append((spans[f], spans[pb], np.array(p.space.target_parents)))
    # a framework anchored to another: (its columns, the anchor's columns, the crosswalk)
    anchored = []
    for f, p in enumerate(prepared):
        walk = p.anchor_walk()
        if p.anchor is not None and walk is not None and cfg.anchor_weight > 0:
            anchored.append((spans[f], spans[_find(blocks, p.anchor.space)], walk))
    k_of = [min(top_k, b - a) for a, b in spans[: len(prepared)]]
    top_ids = [np.zeros((n, k), dtype=np.int32) for k in k_of]
    top_scores = [np.zeros((n, k), dtype=np.float32) for k in k_of]
    step = max(1, chunk_size)
    for a in range(0, n, step):
        b = min(n, a + step)
        parts: list[tuple[np.ndarray, Any, Any, float]] = []
        for q, lay, vecs, mu, sd, weight, reg in views:
            dense = subtree_scores(q[a:b] @ vecs.T, lay, cfg.top_nodes)
            if reg is not None:
                w = cfg.register_weight * foreign[a:b]
                dense = in_register(dense, reg[1][a:b], reg[2][a:b], reg[0], w)
            parts.append((dense, mu, sd, weight))
        z = mixed_z(parts)
        cov = np.zeros_like(z)
        if lexical is not None:
            words, h, w = lexical
            cov = coverage_from_words(words[a:b], h, w, groups)
        ev = evidence(z, cov, cfg)
        # parents and anchors (the national strategy) have no prior of their own, so
        # their columns still hold the plain evidence the priors read
        for (c0, c1), (p0, p1), cols in levels:
            ev[:, c0:c1] = ev[:, c0:c1] + parent_prior(ev[:, p0:p1], cols, cfg.parent_weight)
        for (c0, c1), (a0, a1), walk in anchored:
            ev[:, c0:c1] = ev[:, c0:c1] + anchor_prior(
                ev[:, a0:a1], walk, cfg.anchor_weight, cfg.temperature
            )
        final = logistic(ev, cfg)
        for f, (c0, c1) in enumerate(spans[: len(prepared)]):
            top_ids[f][a:b], top_scores[f][a:b] = topk_stable(final[:, c0:c1], k_of[f])
    return {
        p.space.name: BulkResult(p.space, top_ids[f], top_scores[f], cfg)
        for f, p in enumerate(prepared)
    }
