"""The one BM25 / IDF: Thai terms, document frequencies, idf weightings and term weights.

Every word weighting in plansearch is computed here, so lexical search, the Milvus
store, the service-area profiles and the alignment's lexical coverage agree on how
rare a term is (the search sides count :func:`tokenize`'s terms; the profiles and the
alignment count plain words, :func:`plansearch.thai.tokenize`):

* :func:`tokenize` — the BM25 terms of a text: PyThaiNLP ``newmm`` words plus the
  dictionary parts of long compounds (:func:`compound_parts`);
* :func:`document_frequencies` / :func:`matrix_document_frequencies` — in how many
  documents each term occurs (a term counts once per document);
* :func:`bm25_idf` — Okapi BM25's ``log(1 + (n − df + ½) / (df + ½))`` (lexical
  search, the Milvus store, :class:`Vocabulary` for the alignment);
* :func:`plain_idf` — ``log(1 + n / df)``, the weighting the service-area profiles
  use for their words and key phrases (kept as it was measured: the profiles were
  never tuned with BM25's idf, so it is a second named weighting, not a second
  implementation);
* :func:`bm25_norm`, :func:`bm25_weight`, :func:`tf_from_weight` — the BM25 term
  weight ``idf · tf·(k1+1) / (tf + k1·(1−b+b·dl/avgdl))`` and its inverse in ``tf``.

The functions take Python numbers or numpy arrays and keep the arrays' precision
(float32 in, float32 out), so each caller computes exactly what it did before.

>>> round(float(bm25_idf(1, 10)), 4), round(float(plain_idf(1, 10)), 4)
(1.9924, 2.3979)
>>> v = Vocabulary([["ถนน", "น้ำ"], ["น้ำ"]])
>>> v.index, v.matrix([["น้ำ", "ไฟฟ้า"]]).toarray().tolist()
({'ถนน': 0, 'น้ำ': 1}, [[0.0, 1.0]])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from .. import thai

#: Okapi BM25 parameters (the usual defaults; Lucene and rank_bm25 use the same).
K1: float = 1.5
B: float = 0.75

#: Compound words at least this long are also indexed as their dictionary parts,
#: each part at least ``PART_MIN_CHARS`` long (shorter parts are mostly noise:
#: "ไฟฟ้า" → "ไฟ" + "ฟ้า").
COMPOUND_MIN_CHARS: int = 6
PART_MIN_CHARS: int = 3
_COMPOUND_MAX_CHARS = 40

T = TypeVar("T", bound=Hashable)
Number = Any  # a Python number or a numpy array (the operations below work on both)


# ------------------------------------------------------------------------ terms
@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(w for w in thai_words() if len(w) >= PART_MIN_CHARS)


@lru_cache(maxsize=500_000)
def compound_parts(token: str) -> tuple[str, ...]:
    """Dictionary words that make up a compound token (fewest parts), or ``()``.

    newmm keeps dictionary compounds whole (``"ถนนลูกรัง"``, ``"น้ำประปา"``,
    ``"คอนกรีตเสริมเหล็ก"``), so a query for ``"ถนน"`` would miss them; indexing the
    parts as well fixes that. (Cached by the token alone: the result depends on
    nothing else but PyThaiNLP's fixed word list.)

    >>> compound_parts("ถนนลูกรัง")
    ('ถนน', 'ลูกรัง')
    """
    n = len(token)
    if n < COMPOUND_MIN_CHARS or n > _COMPOUND_MAX_CHARS or not thai.thai_ratio(token):
        return ()
    words = _dictionary()
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (parts, previous cut)
    best[0] = (0, 0)
    for end in range(PART_MIN_CHARS, n + 1):
        for start in range(0, end - PART_MIN_CHARS + 1):
            prev = best[start]
            if prev is None or (start == 0 and end == n):
                continue
            cur = best[end]
            if token[start:end] in words and (cur is None or prev[0] + 1 < cur[0]):
                best[end] = (prev[0] + 1, start)
    if best[n] is None:
        return ()
    parts: list[str] = []
    end = n
    while end > 0:
        _, start = best[end]  # type: ignore[misc]
        parts.append(token[start:end])
        end = start
    stop = thai._stopwords()
    return tuple(p for p in reversed(parts) if p not in stop)


def tokenize(text: str) -> list[str]:
    """BM25 terms of documents and queries: PyThaiNLP newmm words plus compound parts.

    Thai has no spaces between words, so a regex or whitespace tokenizer would see
    ``"ก่อสร้างถนนคอนกรีตเสริมเหล็ก"`` as one token and never match ``"ถนน"``.

    >>> tokenize("ซ่อมแซมถนนลูกรัง")
    ['ซ่อมแซม', 'ซ่อม', 'แซม', 'ถนนลูกรัง', 'ถนน', 'ลูกรัง']
    """
    out: list[str] = []
    for tok in thai.tokenize(text):
        out.append(tok)
        out.extend(compound_parts(tok))
    return out


# ---------------------------------------------------------- document frequencies
def document_frequencies(docs: Iterable[Iterable[T]]) -> Counter[T]:
    """How many documents contain each term (a term counts once per document).

    >>> document_frequencies([["น้ำ", "น้ำ", "ถนน"], ["น้ำ"]])
    Counter({'น้ำ': 2, 'ถนน': 1})
    """
    df: Counter[T] = Counter()
    for d in docs:
        df.update(set(d))
    return df


def matrix_document_frequencies(counts: sp.csr_matrix) -> np.ndarray:
    """Document frequency of each column of a CSR document × term count matrix
    (canonical: no duplicate entries in a row), as ``int64``."""
    return np.bincount(counts.indices, minlength=counts.shape[1])


# ----------------------------------------------------------------------- weights
def bm25_idf(df: Number, n: Number) -> Number:
    """Okapi BM25 idf ``log(1 + (n − df + ½) / (df + ½))``: always ≥ 0, even for a term
    in every document (Lucene's variant). ``df`` in float32 gives float32."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


def plain_idf(df: Number, n: Number) -> Number:
    """``log(1 + n / df)`` (``df`` below 1 counts as 1): the weighting of the
    service-area profiles' words and key phrases."""
    return np.log1p(n / np.maximum(df, 1.0))


def bm25_norm(dl: Number, avgdl: float, k1: float = K1, b: float = B) -> Number:
    """The length normalisation ``k1·(1 − b + b·dl/avgdl)`` of a document of ``dl`` terms."""
    return k1 * (1.0 - b + b * dl / avgdl)


def bm25_weight(tf: Number, norm: Number, k1: float = K1, idf: Number = 1.0) -> Number:
    """BM25 weight of a term seen ``tf`` times: ``idf · tf·(k1+1) / (tf + norm)``."""
    return idf * tf * (k1 + 1.0) / (tf + norm)


def tf_from_weight(weight: float, norm: float, k1: float = K1) -> float:
    """The term count a :func:`bm25_weight` (with ``idf=1``) was computed from.

    The weight is an increasing function of ``tf``, so it can be inverted; the
    result is rounded to the count it was (at least 1).

    >>> tf_from_weight(float(bm25_weight(3, bm25_norm(10, 12.0))), bm25_norm(10, 12.0))
    3.0
    """
    return max(1.0, float(round(weight * norm / (k1 + 1.0 - weight))))


# -------------------------------------------------------------------- vocabulary
class Vocabulary:
    """Term ids (sorted terms), document frequencies and BM25 idf of token lists.

    ``index`` maps each term to its column; ``df`` (float64) and ``idf`` (BM25,
    float32) are per column; :meth:`matrix` is the binary document × term matrix of
    any token lists over this vocabulary (unknown terms are dropped).

    >>> v = Vocabulary([["ถนน"], ["ถนน", "ประปา"]])
    >>> v.df.tolist(), [round(float(x), 3) for x in v.idf]
    ([2.0, 1.0], [0.182, 0.693])
    """

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        df = document_frequencies(docs)
        terms = sorted(df)
        self.index: dict[str, int] = {t: i for i, t in enumerate(terms)}
        self.df = np.array([df[t] for t in terms], dtype=np.float64)
        n = max(len(docs), 1)
        self.idf: np.ndarray = np.asarray(bm25_idf(self.df, n), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.index)

    def matrix(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Binary document-term matrix (unknown words dropped)."""
        rows, cols = [], []
        for i, d in enumerate(docs):
            for t in dict.fromkeys(d):  # not set(d): the same order in every process
                j = self.index.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(docs), len(self.index)))
