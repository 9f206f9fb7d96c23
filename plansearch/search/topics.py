"""Service-area profiles: which local public service a statement is about.

Two goals are "similar" to a planner when they serve the same public duty: piped
water, rural roads, the elderly, waste. Sentence embeddings of short Thai plan
statements are dominated by the shared boilerplate of plan-speak ("ส่งเสริม… พัฒนา…
ให้ประชาชนมีคุณภาพชีวิตที่ดี"), so two statements about different services often sit
closer than two about the same one. A :class:`TopicProfiler` maps each statement to a
distribution over the service areas of a reference (by default the built-in
``services``: the duties of local government under the Decentralisation Act 2542,
s.16) from three signals, each z-scored across the areas and added with equal weight:

* **dense** — cosine of the statement's vector to each area's description;
* **words** — idf-weighted Thai words shared with the description and with the
  area's typical project types (the knowledge file ``project_types``, each under its
  local function): a project type adds the words of its phrasings that no *other*
  area's description uses (``ลูกระนาด``, ``ฝายน้ำล้น``, ``ศาลาบำเพ็ญกุศล``), never
  a word the Act's description gives another area (a tourism festival does not make
  ``ประเพณี`` a tourism word);
* **phrases** — the area's keywords found in the statement as substrings (Thai
  compounds such as ``ประปาหมู่บ้าน`` are often one token, so substrings find them).

The sum is divided by √3 (the spread of three independent unit-variance signals), so a
statement on which only one signal speaks (no service word at all) keeps a flat profile,
and turned into a distribution with a softmax (:data:`TEMPERATURE`). Profiles are unit
vectors, so the cosine of two profiles says how much two statements share a service.
:func:`rerank_by_topic` mixes that cosine into a text search's ranking, for
:func:`~plansearch.similar_goals` and for :meth:`~plansearch.PlanIndex.search` (by
default; ``topics=None`` turns it off).

>>> prof = TopicProfiler(embedder=HashingEmbedder())  # doctest: +SKIP
>>> p = prof.profile(["ขยายเขตประปาหมู่บ้าน", "ก่อสร้างถนนคอนกรีตเสริมเหล็ก"])  # doctest: +SKIP
>>> [prof.areas[i].title for i in p.argmax(axis=1)]  # doctest: +SKIP
['การจัดให้มีน้ำสะอาดหรือการประปา', 'การจัดให้มีและบำรุงรักษาทางบกและการคมนาคมขนส่ง']
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from ..errors import InputError
from ..thai import fold_for_matching, tokenize
from .bm25 import Vocabulary, document_frequencies, plain_idf
from .fusion import minmax, scale_to_max


class TopicArea(Protocol):
    """What a profile reads of a reference item (a ``Target``)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def content(self) -> str: ...


class TopicReference(Protocol):
    """What a profile reads of a reference (a ``Reference``): its top-level items
    (the areas) and each item's subtree."""

    @property
    def name(self) -> str: ...
    def roots(self) -> Sequence[TopicArea]: ...
    def subtree(self, target_id: str) -> Sequence[TopicArea]: ...


def _builtin_reference(name: str) -> TopicReference:
    """A built-in reference by name, from the framework registry: the one place search
    reads the frameworks (search never imports ``plansearch.alignment``)."""
    from ..frameworks import reference

    return reference(name)


def _builtin_knowledge(name: str) -> Mapping[str, Sequence[str]]:
    """Knowledge texts under each top-level item of a built-in reference (the project
    types under their local function; none for most references)."""
    from ..frameworks.knowledge import function_texts

    return function_texts(name)


#: Built-in reference whose top-level items are the service areas.
DEFAULT_TOPICS = "services"
#: Softmax temperature on the z-scored area evidence (1 = neutral; not tuned).
TEMPERATURE = 1.0
#: Share of a re-ranked score that comes from the service-area cosine in
#: :func:`rerank_by_topic` (neutral, not tuned; ``similar_goals`` passes its own).
TOPIC_WEIGHT = 0.5
#: Candidates gathered by a text search before re-ranking (at least ``POOL_FACTOR·k``).
POOL_SIZE = 100
POOL_FACTOR = 10
#: Texts whose word and phrase evidence each profiler remembers (2 × areas floats each);
#: longer texts (a pasted document as a query) are not kept.
LEXICAL_CACHE = 50_000
LEXICAL_CACHE_MAX_CHARS = 4_000

#: Profilers kept by :func:`profiler_for` (each holds its embedder and area vectors).
CACHED_PROFILERS = 8

#: ``(embedder fingerprint, reference name, pinned area vectors' digest)`` → profiler.
_CACHE: OrderedDict[tuple[str, str, str | None], TopicProfiler] = OrderedDict()
_CONTROLLER: Any = None


def small_blas() -> Any:
    """Context manager: BLAS on one thread for the small products of a re-ranking.

    OpenBLAS threads spin after each product; on a small machine they then steal the
    cores the next query embedding needs (``benchmarks/bench_search.py`` on 2 cores:
    ``similar_goals`` p50 36 ms with the default pool, 13 ms with this). Uses
    ``threadpoolctl``.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def _zscore(m: np.ndarray) -> np.ndarray:
    """Per row, (x - mean) / std over the columns (rows without spread become 0)."""
    m = np.asarray(m, dtype=np.float64)
    sd = m.std(axis=1, keepdims=True)
    sd[sd <= 1e-12] = np.inf
    return (m - m.mean(axis=1, keepdims=True)) / sd


@dataclass(frozen=True, eq=False)
class AreaVectors:
    """The embedded area descriptions of a built-in reference, kept with an index.

    An index re-ranks with the area vectors it was saved with, so a loaded index
    returns exactly what the saved one did: the same model embeds a text slightly
    differently on its different backends (``plansearch.Embedder`` embeds a small
    batch on the quick query backend until its batch backend is loaded), and the
    re-ranked scores moved by up to 0.005 when a new process embedded them again.
    ``documents`` is the sha256 of the descriptions embedded: vectors of other
    descriptions (a newer reference) are not used.
    """

    reference: str
    documents: str
    vectors: np.ndarray
    #: what :func:`profiler_for` caches a profiler under: descriptions + vectors
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        v = np.ascontiguousarray(self.vectors, dtype=np.float32)
        v.setflags(write=False)
        object.__setattr__(self, "vectors", v)
        sha = hashlib.sha256(v.tobytes()).hexdigest()
        object.__setattr__(self, "digest", f"{self.documents}:{v.shape}:{sha}")


def documents_digest(documents: Sequence[str]) -> str:
    """sha256 of area descriptions (what :class:`AreaVectors` ``documents`` holds)."""
    h = hashlib.sha256()
    for d in documents:
        h.update(d.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class TopicProfiler:
    """Service-area profiles of texts against the top-level items of a reference.

    ``topics`` is a reference (``Reference``) or the name of a built-in one (default
    ``"services"``); each top-level item is an area, described by its own title,
    text and keywords plus those of everything below it. ``embedder`` must be the one
    that made the vectors passed to :meth:`profile_vectors`. ``area_vectors`` are
    the areas' passage vectors as an index keeps them (:class:`AreaVectors`); they
    are used when they embed these very descriptions, else the areas are embedded.
    ``knowledge`` maps an area id to more texts about its work (typical project
    phrasings); their words no other area's description uses become words of the
    area (the *words* signal only: the descriptions embedded and matched as phrases
    stay the reference's own). By default a built-in reference given by name brings
    its knowledge (``services``: the project types of each local function) and a
    reference object none.
    """

    def __init__(
        self,
        topics: TopicReference | str = DEFAULT_TOPICS,
        *,
        embedder: Any,
        area_vectors: AreaVectors | None = None,
        knowledge: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.reference = _builtin_reference(topics) if isinstance(topics, str) else topics
        if knowledge is None:
            knowledge = _builtin_knowledge(topics) if isinstance(topics, str) else {}
        self.areas: tuple[TopicArea, ...] = tuple(self.reference.roots())
        if len(self.areas) < 2:
            raise InputError(
                f"reference {self.reference.name!r} has {len(self.areas)} top-level "
                "item(s); a topic profile needs at least 2 (one per service area)"
            )
        self.embedder = embedder
        self.documents: tuple[str, ...] = tuple(
            " ".join(t.content for t in self.reference.subtree(a.id)) for a in self.areas
        )
        self.documents_sha256 = documents_digest(self.documents)
        self._keywords = self._area_keywords()
        self._area_vectors: np.ndarray | None = None
        if area_vectors is not None and self._fits(area_vectors):
            self._area_vectors = np.asarray(area_vectors.vectors, dtype=np.float32)
        self.knowledge: dict[str, tuple[str, ...]] = {
            a.id: tuple(knowledge.get(a.id, ())) for a in self.areas if knowledge.get(a.id)
        }
        self._vocab, self._idf, self._area_words = self._word_model()
        # the same candidates come back query after query: keep their word evidence
        self._lexical_row = lru_cache(maxsize=LEXICAL_CACHE)(self._lexical_row_uncached)

    def _fits(self, kept: AreaVectors) -> bool:
        v = kept.vectors
        return (
            kept.documents == self.documents_sha256
            and v.ndim == 2
            and v.shape[0] == len(self.areas)
            and v.shape[1] == int(self.embedder.dimension)
        )

    # ------------------------------------------------------------------ setup
    def _area_keywords(self) -> list[list[tuple[str, float]]]:
        subtrees = [self.reference.subtree(a.id) for a in self.areas]
        per_area = [
            sorted({fold_for_matching(k) for t in sub for k in t.keywords} - {""})
            for sub in subtrees
        ]
        df = document_frequencies(per_area)
        n = len(self.areas)
        return [[(k, float(plain_idf(df[k], n))) for k in ks] for ks in per_area]

    def _word_model(self) -> tuple[Vocabulary, np.ndarray, sparse.csr_matrix]:
        """Each area's words: its description's, then those of its knowledge texts
        that no other area's description uses."""
        docs = [tokenize(d) for d in self.documents]
        if self.knowledge:
            seen: dict[str, set[int]] = {}
            for i, d in enumerate(docs):
                for w in d:
                    seen.setdefault(w, set()).add(i)
            for i, a in enumerate(self.areas):
                docs[i] = docs[i] + [
                    w
                    for text in self.knowledge.get(a.id, ())
                    for w in tokenize(text)
                    if seen.get(w, {i}) <= {i}
                ]
        vocab = Vocabulary(docs)
        return vocab, plain_idf(vocab.df, len(docs)), vocab.matrix(docs)

    @property
    def area_vectors(self) -> np.ndarray:
        """Passage vectors of the area descriptions (computed once, or as kept)."""
        if self._area_vectors is None:
            self._area_vectors = np.asarray(
                self.embedder.encode(list(self.documents), kind="passage"), dtype=np.float32
            )
        return self._area_vectors

    def kept(self) -> AreaVectors:
        """The area vectors this profiler uses, to keep with an index."""
        return AreaVectors(self.reference.name, self.documents_sha256, self.area_vectors)

    # --------------------------------------------------------------- evidence
    def word_scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(texts, areas)``: idf-weighted count of words shared with each area."""
        q = self._vocab.matrix([tokenize(t) for t in texts])
        return np.asarray((q @ sparse.diags(self._idf) @ self._area_words.T).todense())

    def phrase_scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(texts, areas)``: idf-weighted keywords found in the text (longest match)."""
        out = np.zeros((len(texts), len(self.areas)), dtype=np.float64)
        for i, text in enumerate(texts):
            folded = fold_for_matching(text)
            if not folded:
                continue
            for a, kws in enumerate(self._keywords):
                hits = [(k, w) for k, w in kws if k in folded]
                if not hits:
                    continue
                out[i, a] = sum(w for k, w in hits if not any(k != o and k in o for o, _ in hits))
        return out

    def _lexical_row_uncached(self, text: str) -> np.ndarray:
        row = np.stack([self.word_scores([text])[0], self.phrase_scores([text])[0]])
        row.setflags(write=False)
        return row

    def _lexical(self, text: str) -> np.ndarray:
        """``(2, areas)`` word and phrase evidence; cached unless the text is long."""
        if len(text) > LEXICAL_CACHE_MAX_CHARS:
            return self._lexical_row_uncached(text)
        return self._lexical_row(text)

    def evidence(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Summed z-scores of the three signals, ``(texts, areas)``."""
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim != 2 or v.shape[0] != len(texts):
            raise ValueError(f"need one vector per text: {v.shape} for {len(texts)} texts")
        dense = v @ self.area_vectors.T
        lex = np.stack([self._lexical(str(t)) for t in texts])
        return _zscore(dense) + _zscore(lex[:, 0]) + _zscore(lex[:, 1])

    # --------------------------------------------------------------- profiles
    def profile_vectors(
        self, vectors: np.ndarray, texts: Sequence[str], *, temperature: float | None = None
    ) -> np.ndarray:
        """Unit-length service-area profiles ``(texts, areas)`` from given vectors.

        ``vectors`` are the texts' embeddings by this profiler's embedder (query or
        passage vectors; an index's stored vectors work).
        """
        if not len(texts):
            return np.zeros((0, len(self.areas)), dtype=np.float32)
        t = TEMPERATURE if temperature is None else float(temperature)
        z = self.evidence(vectors, texts) * (t / math.sqrt(3.0))
        e = np.exp(z - z.max(axis=1, keepdims=True))
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        return e.astype(np.float32)

    def profile(self, texts: Sequence[str], *, kind: str = "query") -> np.ndarray:
        """Embed ``texts`` and return their profiles (see :meth:`profile_vectors`)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.areas)), dtype=np.float32)
        return self.profile_vectors(self.embedder.encode(texts, kind=kind), texts)

    def top(self, profile: np.ndarray) -> TopicArea:
        """The area a single profile weighs most."""
        return self.areas[int(np.argmax(profile))]

    def named(self, texts: Sequence[str]) -> np.ndarray:
        """``(texts, areas)`` bool: the text names the area (shares a word or key phrase).

        Evidence for a label: a profile always has a largest weight, even for text that
        is about no service at all (English, symbols), but only named areas are shown.
        """
        return np.stack([(self._lexical(str(t)) > 0).any(axis=0) for t in texts])

    def shared(
        self, a: np.ndarray, b: np.ndarray, *, among: np.ndarray | None = None
    ) -> TopicArea | None:
        """The area two profiles share most (largest product of their weights),
        considering only the areas where ``among`` is true (``None`` if there are none)."""
        prod = np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)
        if among is not None:
            if not np.any(among):
                return None
            prod = np.where(among, prod, -np.inf)
        return self.areas[int(np.argmax(prod))]


def profiler_for(
    embedder: Any,
    topics: TopicReference | str = DEFAULT_TOPICS,
    *,
    area_vectors: AreaVectors | None = None,
) -> TopicProfiler:
    """A cached :class:`TopicProfiler` for this embedder and a built-in topic reference.

    The cache is keyed by everything a profile depends on: the embedder's
    fingerprint (not the object: two embedders of one model share a profiler), the
    reference name and the digest of the ``area_vectors`` an index keeps (if any).
    The last :data:`CACHED_PROFILERS` are kept, so area vectors are embedded once per
    model; a reference object (not a name) gets a fresh profiler.
    """
    if not isinstance(topics, str):
        return TopicProfiler(topics, embedder=embedder, area_vectors=area_vectors)
    fingerprint = str(embedder.fingerprint)
    key = (fingerprint, topics, None if area_vectors is None else area_vectors.digest)
    prof = _CACHE.get(key)
    if prof is None and area_vectors is not None:
        # the profiler that embedded these very vectors (an index saved in this process)
        same = _CACHE.get((fingerprint, topics, None))
        if same is not None and same._fits(area_vectors) and same._area_vectors is not None:
            if np.array_equal(same._area_vectors, area_vectors.vectors):
                prof = same
    if prof is None:
        prof = TopicProfiler(topics, embedder=embedder, area_vectors=area_vectors)
    _CACHE[key] = prof
    _CACHE.move_to_end(key)
    while len(_CACHE) > CACHED_PROFILERS:
        _CACHE.popitem(last=False)
    return prof


@dataclass(frozen=True)
class TopicRanking:
    """A candidate pool re-ranked by service area (arrays are per candidate, in pool order).

    ``order`` holds the kept candidates' pool positions, best first; ``base`` is the
    text score rescaled over the pool, ``topic`` the cosine of each candidate's
    profile to the query's, ``score`` their mix; ``query`` and ``profiles`` are the
    profiles themselves (for labels, see :meth:`TopicProfiler.shared`).
    """

    order: tuple[int, ...]
    score: np.ndarray
    base: np.ndarray
    topic: np.ndarray
    query: np.ndarray
    profiles: np.ndarray


def pool_size(k: int) -> int:
    """How many candidates a search gathers before re-ranking ``k`` of them."""
    return max(POOL_SIZE, POOL_FACTOR * int(k))


def rerank_by_topic(
    profiler: TopicProfiler,
    text: str,
    vector: np.ndarray,
    texts: Sequence[str],
    vectors: np.ndarray,
    scores: Sequence[float] | np.ndarray,
    *,
    k: int,
    mode: str = "hybrid",
    weight: float = TOPIC_WEIGHT,
) -> TopicRanking:
    """Mix a pool's text scores with the service-area cosine of each candidate to the query.

    ``score = (1 - weight) · text score + weight · profile cosine``. The text score is
    rescaled over the pool first: dense cosines of e5-like models crowd into a narrow
    band, so ``mode="dense"`` spreads them over 0..1 (min-max); BM25 and the fused
    hybrid score have a natural zero, so they are divided by the best one. Ties keep
    the pool's order. Used by :meth:`~plansearch.PlanIndex.search` (``topics=``) and
    :func:`~plansearch.similar_goals`.

    >>> r = rerank_by_topic(prof, "น้ำประปาหมู่บ้าน", qv, texts, vecs, scores, k=5)  # doctest: +SKIP
    >>> [texts[i] for i in r.order][:1]  # doctest: +SKIP
    ['ขยายเขตประปาหมู่บ้าน']
    """
    raw = np.asarray(scores, dtype=np.float64).reshape(-1)
    if raw.shape[0] != len(texts):
        raise ValueError(f"need one score per candidate: {raw.shape[0]} for {len(texts)}")
    n_areas = len(profiler.areas)
    if not len(texts):
        z = np.zeros(0)
        return TopicRanking((), z, z, z, np.zeros(n_areas, np.float32), np.zeros((0, n_areas)))
    base = minmax(raw) if mode == "dense" else scale_to_max(raw)
    q_vec = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    with small_blas():
        q = profiler.profile_vectors(q_vec, [text])[0]
        c = profiler.profile_vectors(np.asarray(vectors, dtype=np.float32), list(texts))
        topic = (c @ q).astype(np.float64)
    score = (1.0 - weight) * base + weight * topic
    order = np.lexsort((np.arange(len(texts)), -score))[: int(k)]
    return TopicRanking(tuple(int(i) for i in order), score, base, topic, q, c)
