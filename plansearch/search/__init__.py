"""Search: one :class:`SearchIndex` (``plansearch.PlanIndex``) over a store, with
service-area re-ranking and similar goals.

>>> from plansearch.search import SearchIndex
>>> idx = SearchIndex.build(sections)                       # doctest: +SKIP
>>> idx.search("น้ำประปาหมู่บ้าน", k=5, where={"level": "local"})  # doctest: +SKIP

Modules, one concern each:

* :mod:`.index` — :class:`SearchIndex` and :class:`Hit`: search, ``where=`` filters,
  fusion and the service-area re-ranking, written once;
* :mod:`.stores` — where the rows live: :mod:`.stores.local` (a vector backend from
  :mod:`.vectors` + :mod:`.lexical` BM25, saved by :mod:`.storage` / :mod:`.validate`)
  or :mod:`.stores.milvus` (a shared Milvus database);
* :mod:`.bm25` — the one BM25/IDF (terms, document frequencies, idf, ``Vocabulary``);
* :mod:`.filters`, :mod:`.fusion` — ``where=`` and rank fusion;
* :mod:`.topics` — service-area profiles; :mod:`.similar` — similar goals and
  near-duplicate passages; :mod:`.distributed` — embedding a corpus on a cluster.

Search never imports :mod:`plansearch.alignment`. Names load lazily (importing this
package loads neither FAISS nor PyThaiNLP).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "SearchIndex": "plansearch.search.index",
    "Hit": "plansearch.search.index",
    "MODES": "plansearch.search.index",
    "DEFAULT_SEARCH_TOPICS": "plansearch.search.index",
    "similar_goals": "plansearch.search.similar",
    "SimilarGoals": "plansearch.search.similar",
    "SimilarHit": "plansearch.search.similar",
    "OrgGroup": "plansearch.search.similar",
    "NearDuplicate": "plansearch.search.similar",
    "near_duplicates": "plansearch.search.similar",
    "TopicProfiler": "plansearch.search.topics",
    "profiler_for": "plansearch.search.topics",
    "rerank_by_topic": "plansearch.search.topics",
    "Vocabulary": "plansearch.search.bm25",
    "FILTER_FIELDS": "plansearch.search.filters",
    "normalise_where": "plansearch.search.filters",
}

__all__ = [
    "DEFAULT_SEARCH_TOPICS",
    "FILTER_FIELDS",
    "MODES",
    "Hit",
    "NearDuplicate",
    "OrgGroup",
    "SearchIndex",
    "SimilarGoals",
    "SimilarHit",
    "TopicProfiler",
    "Vocabulary",
    "near_duplicates",
    "normalise_where",
    "profiler_for",
    "rerank_by_topic",
    "similar_goals",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'plansearch.search' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .bm25 import Vocabulary
    from .filters import FILTER_FIELDS, normalise_where
    from .index import DEFAULT_SEARCH_TOPICS, MODES, Hit, SearchIndex
    from .similar import (
        NearDuplicate,
        OrgGroup,
        SimilarGoals,
        SimilarHit,
        near_duplicates,
        similar_goals,
    )
    from .topics import TopicProfiler, profiler_for, rerank_by_topic
