"""Scoring local items against target spaces: dense (embeddings) + lexical (Thai words).

Everything is vectorised: ``items × nodes`` similarity is one matrix product and
the per-target maximum over a subtree is a ``reduceat``, so bulk alignment of 100k
items against hundreds of targets is dominated by BLAS.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..thai import tokenize
from .targets import TargetSpace

#: A target's dense score is the mean of its best ``TOP_NODES`` subtree nodes, so a
#: target with several matching sub-items beats one with a single lucky match.
TOP_NODES = 2
#: Weight of lexical coverage (0..1) added to the dense z-score.
LEXICAL_WEIGHT = 1.0
#: Combined z-score that maps to a score of 0.5 (z of generic in-domain text is 0).
SCORE_MIDPOINT = 2.0


def subtree_max(sims: np.ndarray, roots: np.ndarray, n_targets: int) -> np.ndarray:
    """Per row, the maximum of ``sims`` over the columns of each target.

    ``roots[j]`` is the target of column ``j``. Returns ``(rows, n_targets)``.
    """
    order = np.argsort(roots, kind="stable")
    r_sorted = roots[order]
    starts = np.searchsorted(r_sorted, np.arange(n_targets))
    out = np.full((sims.shape[0], n_targets), -1.0, dtype=np.float32)
    present = np.isin(np.arange(n_targets), r_sorted)
    if sims.shape[1] == 0:
        return out
    red = np.maximum.reduceat(sims[:, order], starts[present], axis=1)
    out[:, present] = red
    return out


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


@dataclass(frozen=True)
class LexicalScores:
    coverage: np.ndarray  # (items, targets): idf-weighted share of the item's words found
    item_tokens: list[list[str]]
    target_tokens: list[set[str]]
    node_tokens: list[set[str]]  # per node of the space (evidence: shared words)


def lexical_scores(
    item_texts: Sequence[str], space: TargetSpace, item_tokens: list[list[str]] | None = None
) -> LexicalScores:
    """How much of each item's (idf-weighted) vocabulary each target's subtree contains."""
    toks = item_tokens if item_tokens is not None else [tokenize(t) for t in item_texts]
    node_toks = [tokenize(n.content) for n in space.nodes]
    doc_sets: list[set[str]] = [set() for _ in range(len(space))]
    for n, nt in zip(space.nodes, node_toks, strict=True):
        doc_sets[n.root].update(nt)
    doc_toks = [sorted(d) for d in doc_sets]
    vocab = Vocabulary(node_toks)
    q = vocab.matrix(toks)
    d = vocab.matrix(doc_toks)
    idf = sparse.diags(vocab.idf)
    hit = (q @ idf @ d.T).toarray()
    # words the framework never uses still count in the denominator (with a mean idf)
    mean_idf = float(vocab.idf.mean()) if len(vocab.idf) else 1.0
    denom = np.array(
        [
            sum(float(vocab.idf[vocab.index[t]]) if t in vocab.index else mean_idf for t in set(tk))
            for tk in toks
        ],
        dtype=np.float32,
    )
    denom[denom == 0] = 1.0
    cov = (hit / denom[:, None]).astype(np.float32)
    return LexicalScores(cov, toks, doc_sets, [set(t) for t in node_toks])


@dataclass(frozen=True)
class DenseScores:
    combined: np.ndarray  # (items, targets): mean cosine of the best TOP_NODES nodes
    best_node: np.ndarray  # (items, targets): index into space.nodes of the best node


def dense_scores(
    q: np.ndarray, node_vecs: np.ndarray, space: TargetSpace, top_nodes: int = TOP_NODES
) -> DenseScores:
    """Cosine of each item to each target, over the target's whole subtree."""
    roots = np.array([n.root for n in space.nodes], dtype=np.int64)
    sims = (q @ node_vecs.T).astype(np.float32)
    n_items, n_targets = sims.shape[0], len(space)
    combined = np.zeros((n_items, n_targets), dtype=np.float32)
    best_node = np.zeros((n_items, n_targets), dtype=np.int64)
    for t in range(n_targets):
        cols = np.flatnonzero(roots == t)
        if not len(cols):
            combined[:, t] = -1.0
            continue
        sub = sims[:, cols]
        best_node[:, t] = cols[np.argmax(sub, axis=1)]
        n = min(top_nodes, len(cols))
        if n == 1:
            combined[:, t] = sub.max(axis=1)
        else:
            top = np.partition(sub, len(cols) - n, axis=1)[:, len(cols) - n :]
            combined[:, t] = top.mean(axis=1)
    return DenseScores(combined, best_node)


def zscore(raw: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Dense scores in standard deviations above generic in-domain text.

    ``background`` holds the raw scores of generic local-government statements (the
    standard budget programmes) against the same targets. Measuring items against
    that distribution makes scores comparable across frameworks and models without
    any labels, and keeps every difference between targets (no clipping, no ties).
    """
    mu = float(background.mean())
    sd = float(background.std()) or 1e-6
    return ((raw - mu) / sd).astype(np.float32)


def final_score(z: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Combine dense z-score and lexical coverage, squashed to (0, 1) by a logistic."""
    raw = z + LEXICAL_WEIGHT * lexical
    return (1.0 / (1.0 + np.exp(-(raw - SCORE_MIDPOINT)))).astype(np.float32)
