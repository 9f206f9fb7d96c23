"""Similar goals across subdistricts, and near-duplicate passages between plans.

``similar_goals`` answers "which other organisations have goals like ours?": it
searches a :class:`~plansearch.SearchIndex` (hybrid by default), keeps goals,
tactics and projects of *other* organisations (the exclusion is applied inside the
search, so ``k`` results come back whenever ``k`` exist), and groups them by
organisation.

Ranking has two parts. The index's own search (hybrid dense + BM25 by default)
gathers a pool of candidates; each is then scored as
``(1 - TOPIC_WEIGHT) · text score + TOPIC_WEIGHT · service-area cosine``, where the
service-area cosine compares what public service the query and the candidate are about
(:mod:`plansearch.search.topics`). On the development set this lifts precision@5
from 0.568 (text score alone) to 0.708, and from 0.735 to 0.880 on 40 blind planner
questions (``benchmarks/similar_quality.py``). By default only the organisations' own
statements come back (:data:`SIMILAR_LEVEL`), not the frameworks their plans quote.

:func:`near_duplicates` finds passages copied between organisations' plans
(:class:`NearDuplicate`; the alignment report lists them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..parse.identity import canonical_org
from ..sections import Section
from ..thai import tokenize
from .topics import DEFAULT_TOPICS, TopicReference, pool_size, rerank_by_topic
from .topics import POOL_SIZE as POOL_SIZE  # candidates gathered before re-ranking

if TYPE_CHECKING:
    from .index import SearchIndex

#: Kinds returned by default: what one subdistrict can borrow from another — statements
#: of intent and the concrete work under them: missions (พันธกิจ), goals (เป้าประสงค์),
#: objectives, targets, tactics (กลยุทธ์/แนวทาง), projects (โครงการ) and the executive's
#: policy items (นโยบายของผู้บริหาร: concrete commitments such as "ขยายเขตประปาให้ทั่วถึง").
#: Left out: ``vision`` (one slogan per plan, about everything), ``strategy`` and
#: ``policy_area`` (headlines such as "ด้านโครงสร้างพื้นฐาน" / "นโยบายด้านสังคม", which
#: name a family, not a goal: the policy items under an area come back) and
#: ``indicator`` (a measure, not something to borrow). Pass ``where={"kind": ...}`` to
#: choose others.
SIMILAR_KINDS: tuple[str, ...] = (
    "mission",
    "goal",
    "objective",
    "target",
    "tactic",
    "policy",
    "project",
)
#: Level returned by default: an organisation's own statements. A local plan also
#: quotes the frameworks above it (the DLA's strategy plan, the province's and the
#: PAO's strategies), indexed under that plan's organisation at their own level
#: (``department``, ``province``…); they are not that organisation's goals, and every
#: plan quoting them would answer alike. Pass ``where={"level": ...}`` to ask for them.
SIMILAR_LEVEL = "local"
#: Cosine similarity (same model, passage vectors) above which two passages are near-duplicates.
NEAR_DUPLICATE_COSINE = 0.97
#: …and the share of words they must have in common (Jaccard on Thai words).
NEAR_DUPLICATE_JACCARD = 0.8
#: Share of the final score that comes from the service-area profile (neutral, not tuned).
TOPIC_WEIGHT = 0.5


@dataclass(frozen=True)
class NearDuplicate:
    """Two passages from different organisations that are (almost) the same text."""

    a: Section
    b: Section
    similarity: float


@dataclass(frozen=True)
class SimilarHit:
    """One similar passage: ``score`` (0..1) ranks; ``text_score`` is the search's own
    score rescaled over the candidate pool, ``topic_score`` the cosine of the two
    service-area profiles, and ``topic`` the area the two share most among those both
    texts name by a word or key phrase (``None`` when topics are off or no area is
    named by both)."""

    section: Section
    score: float
    rank: int
    text_score: float | None = None
    topic_score: float | None = None
    topic: str | None = None


@dataclass(frozen=True)
class OrgGroup:
    """The matching sections of one organisation, best first."""

    org: str | None
    province: str | None
    score: float  # best score in the group
    hits: tuple[SimilarHit, ...]


@dataclass(frozen=True)
class SimilarGoals:
    """Result of :func:`similar_goals`: flat ranked hits and the same hits grouped by org."""

    query: str
    hits: tuple[SimilarHit, ...]
    groups: tuple[OrgGroup, ...]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[SimilarHit]:
        """The ranked hits, best first (like iterating an :class:`Alignment`)."""
        return iter(self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "groups": [
                {
                    "org": g.org,
                    "province": g.province,
                    "score": g.score,
                    "hits": [
                        {
                            "rank": h.rank,
                            "score": h.score,
                            "text_score": h.text_score,
                            "topic_score": h.topic_score,
                            "topic": h.topic,
                            **h.section.to_dict(),
                        }
                        for h in g.hits
                    ],
                }
                for g in self.groups
            ],
        }


def similar_goals(
    index: SearchIndex,
    query: str | Section,
    *,
    k: int = 10,
    exclude_org: str | Sequence[str] | None = None,
    where: Mapping[str, Any] | None = None,
    mode: str = "hybrid",
    topics: TopicReference | str | None = DEFAULT_TOPICS,
) -> SimilarGoals:
    """The ``k`` most similar goals/tactics/projects of *other* organisations.

    ``query`` is text or a :class:`Section` (then its own organisation is excluded
    unless ``exclude_org`` says otherwise). ``where`` filters as in
    :meth:`SearchIndex.search`; by default only the kinds in :data:`SIMILAR_KINDS`
    come back (missions, goals, objectives, targets, tactics, policy items,
    projects), and only the organisations' own statements (:data:`SIMILAR_LEVEL`,
    when the index holds any: not the higher frameworks their plans quote).
    ``topics`` is the service-area reference used to re-rank (the
    built-in ``"services"``, any ``Reference``, or ``None`` to rank by text
    similarity alone).

    An empty or whitespace-only query raises :class:`~plansearch.InputError`, as
    :meth:`SearchIndex.search` does; so does an unknown ``level``/``kind`` in ``where``.

    >>> res = similar_goals(index, "ส่งเสริมอาชีพและรายได้ของผู้สูงอายุ", k=5)  # doctest: +SKIP
    >>> [(g.org, g.hits[0].topic) for g in res.groups]  # doctest: +SKIP
    [('อบต.หนองฮาง', 'การส่งเสริม การฝึก และการประกอบอาชีพ'), ...]
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if isinstance(query, Section):
        text = query.content
        if exclude_org is None and query.org:
            exclude_org = query.org
    else:
        text = str(query)
    if not " ".join(text.split()):
        raise InputError(
            "คำค้นว่าง / the query is empty; give some Thai words, e.g. 'ส่งเสริมอาชีพผู้สูงอายุ'"
        )
    spec: dict[str, Any] = dict(where or {})
    spec.setdefault("kind", list(SIMILAR_KINDS))
    if "level" not in spec and SIMILAR_LEVEL in index.values("level"):
        spec["level"] = SIMILAR_LEVEL
    if exclude_org:
        raw = [exclude_org] if isinstance(exclude_org, str) else list(exclude_org)
        excluded = {canonical_org(o) for o in raw}
        allowed = [o for o in index.values("org") if o not in excluded]
        if "org" in spec:
            given = [spec["org"]] if isinstance(spec["org"], str) else list(spec["org"])
            wanted = {canonical_org(o) for o in given}
            allowed = [o for o in allowed if o in wanted]
        if not allowed:
            return SimilarGoals(text, (), ())
        spec["org"] = allowed
    if topics is None:
        hits = index.search(text, k=k, where=spec, mode=mode, topics=None)
        flat = tuple(
            SimilarHit(h.section, float(h.score), i + 1, text_score=float(h.score))
            for i, h in enumerate(hits)
        )
    else:
        vec = index.embedder.encode([text], kind="query")
        size = pool_size(k)
        pool = index.search(
            text, k=size, where=spec, mode=mode, vector=vec[0], topics=None, relevance=None
        )
        flat = _rerank(index, text, vec, pool, k=k, mode=mode, topics=topics)
    groups: dict[str | None, list[SimilarHit]] = {}
    for h in flat:
        groups.setdefault(h.section.org, []).append(h)
    grouped = tuple(
        OrgGroup(org, hs[0].section.province, hs[0].score, tuple(hs))
        for org, hs in sorted(groups.items(), key=lambda kv: -kv[1][0].score)
    )
    return SimilarGoals(text, flat, grouped)


def _rerank(
    index: SearchIndex,
    text: str,
    vec: np.ndarray,
    pool: Sequence[Any],
    *,
    k: int,
    mode: str,
    topics: TopicReference | str,
) -> tuple[SimilarHit, ...]:
    """Mix each candidate's text score with its service-area cosine to the query."""
    if not pool:
        return ()
    prof = index.profiler(topics)
    cands = [h.section for h in pool]
    texts = [s.content for s in cands]
    r = rerank_by_topic(
        prof,
        text,
        vec[0],
        texts,
        index.vectors_for([s.id for s in cands]),
        [h.score for h in pool],
        k=k,
        mode=mode,
        weight=TOPIC_WEIGHT,
    )
    # the label is evidence: an area both texts name, not just the largest weight
    both = prof.named([text])[0] & prof.named([texts[i] for i in r.order])
    return tuple(
        SimilarHit(
            cands[i],
            float(r.score[i]),
            rank,
            text_score=float(r.base[i]),
            topic_score=float(r.topic[i]),
            topic=_title(prof.shared(r.query, r.profiles[i], among=both[rank - 1])),
        )
        for rank, i in enumerate(r.order, 1)
    )


def _title(target: Any) -> str | None:
    return None if target is None else str(target.title)


def near_duplicates(
    sections: Sequence[Section],
    vectors: np.ndarray,
    *,
    cosine: float = NEAR_DUPLICATE_COSINE,
    jaccard: float = NEAR_DUPLICATE_JACCARD,
    min_chars: int = 25,
) -> list[NearDuplicate]:
    """Pairs of passages from *different* organisations that are almost the same text.

    Candidate pairs come from one matrix product over unit vectors; each is then
    confirmed on Thai words, so paraphrases with the same meaning are not flagged,
    only copied text. Very short lines (headings like "ด้านการศึกษา") are skipped.
    """
    keep = [i for i, s in enumerate(sections) if len(s.content) >= min_chars and s.org]
    if len(keep) < 2:
        return []
    v = np.asarray(vectors, dtype=np.float32)[keep]
    sims = v @ v.T
    iu = np.triu_indices(len(keep), k=1)
    cand = np.flatnonzero(sims[iu] >= cosine)
    words: dict[int, set[str]] = {}
    out: list[NearDuplicate] = []
    for c in cand:
        a, b = keep[iu[0][c]], keep[iu[1][c]]
        sa, sb = sections[a], sections[b]
        if sa.org == sb.org:
            continue
        wa = words.setdefault(a, set(tokenize(sa.content, drop_stopwords=False)))
        wb = words.setdefault(b, set(tokenize(sb.content, drop_stopwords=False)))
        if not wa or not wb:
            continue
        j = len(wa & wb) / len(wa | wb)
        if j >= jaccard:
            out.append(NearDuplicate(sa, sb, round(float(sims[iu[0][c], iu[1][c]]), 4)))
    out.sort(key=lambda d: -d.similarity)
    return out
