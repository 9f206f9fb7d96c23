"""Bulk alignment: top-k targets for very many items, as arrays (no per-item objects).

:func:`~plansearch.align` builds rich :class:`~plansearch.alignment.results.Match`
objects with evidence for every item, which is what a report needs but is slow
for a national corpus (100k+ tactics). :func:`align_matrix` computes the *same*
ranking with the same scoring maths (:mod:`.scoring`: mean of the best
``TOP_NODES`` nodes of each target's subtree, z-scored against generic local
text, plus lexical coverage, squashed by a logistic) but only returns the top
``k`` target indexes and scores, processing items in chunks so memory stays
bounded (``chunk × nodes`` floats at a time).

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
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from ..thai import tokenize
from .scoring import TOP_NODES, Vocabulary, dense_scores, final_score, zscore
from .targets import TargetSpace

#: Items scored per chunk (memory ≈ chunk × (nodes + 4 × targets) × 4 bytes).
CHUNK_SIZE: int = 4096


class PreparedLike(Protocol):
    """What :func:`align_matrix` needs from a prepared space (``engine._Prepared``)."""

    @property
    def space(self) -> TargetSpace: ...
    @property
    def node_vecs(self) -> np.ndarray: ...
    @property
    def background(self) -> np.ndarray: ...


@dataclass(frozen=True)
class BulkResult:
    """Top-``k`` targets of every item in one framework.

    ``ids[i, r]`` is the index (into ``space.target_ids``) of item ``i``'s rank
    ``r + 1`` target and ``scores[i, r]`` its final score in (0, 1).
    """

    space: TargetSpace
    ids: np.ndarray  # (n, k) int32
    scores: np.ndarray  # (n, k) float32

    def target_ids(self, i: int) -> list[str]:
        """Target ids of item ``i``, best first."""
        return [self.space.target_ids[int(t)] for t in self.ids[i]]


def prepare_spaces(against: Any, embedder: Any, plan: Any = None) -> list[PreparedLike]:
    """Resolve and embed the frameworks of ``against`` once (as :func:`align` does)."""
    from .engine import _prepare, _resolve_frameworks

    return [_prepare(s, embedder) for s in _resolve_frameworks(against, plan)]


class _Lexical:
    """A space's lexical side, precomputed once: idf-weighted target word sets."""

    def __init__(self, space: TargetSpace) -> None:
        node_toks = [tokenize(n.content) for n in space.nodes]
        doc_sets: list[set[str]] = [set() for _ in range(len(space))]
        for n, nt in zip(space.nodes, node_toks, strict=True):
            doc_sets[n.root].update(nt)
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
        # unknown words count in the denominator with the mean idf (as lexical_scores)
        w = np.where(known, idf, self.mean_idf).astype(np.float64)
        kc = np.flatnonzero(known)
        to_space = sparse.csr_matrix(
            (np.ones(len(kc), dtype=np.float32), (kc, col[kc])),
            shape=(len(terms), len(self.vocab.index)),
        )
        return to_space, w

    def coverage(
        self, words: sparse.csr_matrix, proj: tuple[sparse.csr_matrix, np.ndarray]
    ) -> np.ndarray:
        """Coverage ``(items, targets)`` from a binary item × term matrix."""
        to_space, w = proj
        denom = (words @ w).astype(np.float32)
        denom[denom == 0] = 1.0
        hit = np.asarray((words @ to_space) @ self.weights, dtype=np.float32)
        return (hit / denom[:, None]).astype(np.float32)


def _word_matrix(item_tokens: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Binary item × word matrix over the items' own vocabulary."""
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


def _combined_top2(sims: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
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


def _dense_chunk(
    q: np.ndarray,
    prep: PreparedLike,
    order: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    present: np.ndarray,
    top_nodes: int,
) -> np.ndarray:
    if top_nodes != 2:  # the reference implementation, one target at a time
        return dense_scores(q, prep.node_vecs, prep.space, top_nodes).combined
    n_targets = len(prep.space)
    sims = (q @ prep.node_vecs[order].T).astype(np.float32)
    out = np.full((len(q), n_targets), -1.0, dtype=np.float32)
    if len(starts):
        out[:, present] = _combined_top2(sims, starts, sizes)
    return out


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


def align_matrix(
    item_vectors: np.ndarray,
    prepared: PreparedLike,
    *,
    top_k: int = 3,
    item_tokens: Sequence[Sequence[str]] | None = None,
    chunk_size: int = CHUNK_SIZE,
    top_nodes: int = TOP_NODES,
    _words: tuple[sparse.csr_matrix, list[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` ``(target indexes (n, k) int32, final scores (n, k) float32)``.

    ``item_vectors`` are the items' query vectors (as :func:`align` computes them,
    parent context included), ``prepared`` one framework from
    :func:`prepare_spaces`. ``item_tokens`` are the items' Thai words
    (``plansearch.thai.tokenize``); with them the scores equal :func:`align`'s,
    without them the lexical coverage is taken as 0 (dense-only ranking).
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    q_all = np.ascontiguousarray(item_vectors, dtype=np.float32)
    if q_all.ndim != 2 or q_all.shape[1] != prep_dim(prepared):
        raise ValueError(
            f"item_vectors must have shape (n, {prep_dim(prepared)}), got {q_all.shape}"
        )
    n = len(q_all)
    space = prepared.space
    k = min(top_k, len(space))
    roots = np.array([nd.root for nd in space.nodes], dtype=np.int64)
    order = np.argsort(roots, kind="stable")
    r_sorted = roots[order]
    present = np.unique(r_sorted)
    starts = np.searchsorted(r_sorted, present)
    sizes = np.diff(np.append(starts, len(r_sorted)))
    mu_sd = prepared.background
    cover = None
    if item_tokens is not None:
        if len(item_tokens) != n:
            raise ValueError(f"{len(item_tokens)} token lists for {n} item vectors")
        words, terms = _words if _words is not None else _word_matrix(item_tokens)
        lx = _Lexical(space)
        cover = (lx, words, lx.projection(terms))
    ids = np.zeros((n, k), dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    for a in range(0, n, max(1, chunk_size)):
        b = min(n, a + max(1, chunk_size))
        raw = _dense_chunk(q_all[a:b], prepared, order, starts, sizes, present, top_nodes)
        z = zscore(raw, mu_sd)
        if cover is None:
            lex = np.zeros_like(z)
        else:
            lxs, words, proj = cover
            lex = lxs.coverage(words[a:b], proj)
        final = final_score(z, lex)
        ids[a:b], scores[a:b] = topk_stable(final, k)
    return ids, scores


def prep_dim(prepared: PreparedLike) -> int:
    return int(prepared.node_vecs.shape[1])


def align_bulk(
    item_vectors: np.ndarray,
    prepared: Sequence[PreparedLike],
    *,
    top_k: int = 3,
    item_tokens: Sequence[Sequence[str]] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict[str, BulkResult]:
    """:func:`align_matrix` over several frameworks: ``{framework name: BulkResult}``.

    All frameworks are scored together: per chunk of items, one matrix product
    with every framework's nodes, one ``reduceat`` over every target, one sparse
    product for the lexical side, then the top ``k`` within each framework.
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    prepared = list(prepared)
    if not prepared:
        return {}
    if (
        TOP_NODES != 2
        or any(len(p.space) == 0 for p in prepared)
        or any(len({nd.root for nd in p.space.nodes}) != len(p.space) for p in prepared)
    ):  # a target without nodes: use the per-framework path
        words = _word_matrix(item_tokens) if item_tokens is not None else None
        out: dict[str, BulkResult] = {}
        for p in prepared:
            ids, sc = align_matrix(
                item_vectors,
                p,
                top_k=top_k,
                item_tokens=item_tokens,
                chunk_size=chunk_size,
                _words=words,
            )
            out[p.space.name] = BulkResult(p.space, ids, sc)
        return out
    q_all = np.ascontiguousarray(item_vectors, dtype=np.float32)
    dim = prep_dim(prepared[0])
    if q_all.ndim != 2 or q_all.shape[1] != dim:
        raise ValueError(f"item_vectors must have shape (n, {dim}), got {q_all.shape}")
    n = len(q_all)
    vecs, starts, sizes, mus, sds, spans = [], [], [], [], [], []
    col0 = node0 = 0
    for p in prepared:
        roots = np.array([nd.root for nd in p.space.nodes], dtype=np.int64)
        order = np.argsort(roots, kind="stable")
        vecs.append(p.node_vecs[order])
        st = np.searchsorted(roots[order], np.arange(len(p.space)))
        starts.append(st + node0)
        sizes.append(np.diff(np.append(st, len(roots))))
        t = len(p.space)
        # zscore() subtracts/divides by Python floats, i.e. in float32: same here
        mus.append(np.full(t, np.float32(float(p.background.mean())), np.float32))
        sds.append(np.full(t, np.float32(float(p.background.std()) or 1e-6), np.float32))
        spans.append((col0, col0 + t))
        col0 += t
        node0 += len(roots)
    all_vecs = np.ascontiguousarray(np.vstack(vecs), dtype=np.float32)
    all_starts, all_sizes = np.concatenate(starts), np.concatenate(sizes)
    mu, sd = np.concatenate(mus), np.concatenate(sds)
    lex = None
    if item_tokens is not None:
        if len(item_tokens) != n:
            raise ValueError(f"{len(item_tokens)} token lists for {n} item vectors")
        words, terms = _word_matrix(item_tokens)
        hs, ws, fw_of_col = [], [], []
        for f, p in enumerate(prepared):
            lx = _Lexical(p.space)
            to_space, w = lx.projection(terms)
            hs.append(to_space @ sparse.csr_matrix(lx.weights))
            ws.append(w)
            fw_of_col.append(np.full(len(p.space), f))
        lex = (
            words,
            sparse.hstack(hs, format="csr"),
            np.stack(ws, axis=1),
            np.concatenate(fw_of_col),
        )
    k_of = [min(top_k, b - a) for a, b in spans]
    top_ids = [np.zeros((n, k), dtype=np.int32) for k in k_of]
    top_scores = [np.zeros((n, k), dtype=np.float32) for k in k_of]
    step = max(1, chunk_size)
    for a in range(0, n, step):
        b = min(n, a + step)
        sims = q_all[a:b] @ all_vecs.T
        raw = _combined_top2(sims, all_starts, all_sizes)
        z = ((raw - mu) / sd).astype(np.float32)
        if lex is None:
            cov = np.zeros_like(z)
        else:
            words, h, w, fw = lex
            wc = words[a:b]
            denom = (wc @ w).astype(np.float32)
            denom[denom == 0] = 1.0
            cov = (np.asarray((wc @ h).toarray(), np.float32) / denom[:, fw]).astype(np.float32)
        final = final_score(z, cov)
        for f, (c0, c1) in enumerate(spans):
            top_ids[f][a:b], top_scores[f][a:b] = topk_stable(final[:, c0:c1], k_of[f])
    return {
        p.space.name: BulkResult(p.space, top_ids[f], top_scores[f]) for f, p in enumerate(prepared)
    }
