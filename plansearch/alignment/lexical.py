"""Lexical evidence: how much of an item's Thai vocabulary a target's subtree contains.

For local items ``i`` and the targets ``t`` of one framework::

    lex[i, t] = Σ idf(w), w ∈ words(i) ∩ words(subtree t) / Σ idf(w), w ∈ words(i)

The idf is computed over the space's nodes with the one BM25 idf of the package
(:class:`plansearch.search.bm25.Vocabulary`); a word the framework never uses still counts
in an item's denominator, with the mean idf. Everything is sparse matrix algebra, so bulk
alignment of 100k items is one sparse product per chunk.

>>> from plansearch.frameworks import builtin_space
>>> cov = lexical_scores(["ส่งเสริมการท่องเที่ยวเชิงเกษตร"], builtin_space("national")).coverage
>>> cov.shape
(1, 6)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from ..search.bm25 import Vocabulary
from ..thai import tokenize

if TYPE_CHECKING:
    from ..frameworks.space import TargetSpace


def word_matrix(item_tokens: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Binary item × word matrix over the items' own vocabulary, and that vocabulary."""
    index: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for toks in item_tokens:
        # first-seen order, never a set's: float32 sums then add up in the same order in
        # every process (a set's order follows the per-process string hash)
        for t in dict.fromkeys(toks):
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
        #: (V, T): idf of word v if target t's subtree contains it
        self.weights = sparse.csr_matrix(
            np.asarray((sparse.diags(self.vocab.idf) @ d.T).toarray(), np.float32)
        )
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
        return sparse.csr_matrix(to_space @ self.weights), w

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
    return LexicalScores(lm.coverage(toks), lm.target_tokens, lm.node_tokens)


_LEXICAL: dict[str, LexicalModel] = {}
#: Lexical models remembered (each holds its space's vocabulary and word weights).
CACHED_MODELS = 64


def lexical_model(space: TargetSpace) -> LexicalModel:
    """The space's :class:`LexicalModel`, tokenised once per space (remembered by the
    space's fingerprint: every node's text)."""
    key = space.fingerprint
    model = _LEXICAL.get(key)
    if model is None:
        if len(_LEXICAL) >= CACHED_MODELS:
            _LEXICAL.clear()
        _LEXICAL[key] = model = LexicalModel(space)
    return model
