"""The workbench's search index: built once per server, shared by requests.

:class:`WorkspaceSearch` searches the saved index given to ``plansearch serve --index``
together with the workspace's own plans: built on first use from every stored plan
(with the server's :class:`~.embedder.SharedEmbedder`), kept current as plans are
uploaded, and hiding the sections of deleted or replaced sources from its results.
This is the one module of the workbench that imports the search package.

An organisation is counted once: a plan both in ``--index`` and in the workspace (or
two copies of one plan) gives the same sections twice, so results keep only the first
hit of each section *identity* (:func:`identity`: the organisation, compared
canonically, the kind and the text), and similar goals group by the canonical
organisation.

>>> search = WorkspaceSearch(plans, SharedEmbedder("hashing"))   # doctest: +SKIP
>>> search.search("ถนนคอนกรีต", k=5)                             # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..parse.identity import canonical_org
from ..sections import Section
from .embedder import SharedEmbedder
from .plans import PlanStore

#: The facets the search page filters by.
FACETS = ("province", "org", "level", "kind")
#: How many times a search asks for more hits when duplicates or hidden sections
#: took places in the first ``k``.
MAX_REFILLS = 3


def identity(s: Section) -> tuple[str, str, str]:
    """What makes two indexed sections the same passage of the same organisation:
    the canonical organisation, the kind and the text (spacing ignored).

    >>> a = Section("a", "tactic", "local", "ส่งเสริมอาชีพ", "", org="อบต. โขมง")
    >>> b = Section("b", "tactic", "local", "ส่งเสริมอาชีพ", "", org="องค์การบริหารส่วนตำบลโขมง")
    >>> identity(a) == identity(b)
    True
    """
    return (canonical_org(s.org) if s.org else "", s.kind, " ".join(s.content.split()))


class WorkspaceSearch:
    """Hybrid search and similar goals over ``--index`` plus the workspace's plans."""

    def __init__(
        self, plans: PlanStore, embedder: SharedEmbedder, index_dir: str | Path | None = None
    ) -> None:
        self.plans = plans
        self.embedder = embedder
        self.index_dir = Path(index_dir) if index_dir else None
        self._index: Any = None
        self._load_lock = threading.Lock()  # building the index
        self._lock = threading.RLock()  # index reads and writes
        #: keys of sections deleted or replaced since the index was built (hidden in results)
        self._stale: set[str] = set()

    @property
    def index(self) -> Any:
        """The search index (``--index`` plus workspace plans), built once."""
        if self._index is None:
            with self._load_lock:
                if self._index is None:
                    from ..search.index import SearchIndex as PlanIndex

                    emb = self.embedder.get()
                    if self.index_dir is not None:
                        idx = PlanIndex.load(self.index_dir, emb)
                    else:
                        idx = PlanIndex(emb)
                    for p in self.plans.listing():
                        idx.add(self.plans.plan(p["id"]).sections)
                    self._index = idx
        return self._index

    def warm_up(self) -> threading.Thread:
        """Load the model and build the index in the background (``plansearch serve``
        calls it at start, so the first request does not wait for them)."""

        def run() -> None:
            try:
                _ = self.index  # loads the embedder too
            except Exception:
                pass  # the first request that needs them reports the error itself

        t = threading.Thread(target=run, name="plansearch-warm-up", daemon=True)
        t.start()
        return t

    def update(self, sections: Iterable[Section], *, removed: Iterable[str] = ()) -> None:
        """A plan was stored: index its ``sections`` and show them in results (a key
        removed by one upload may come back with the next); hide the ``removed`` keys.

        Sections indexed as they are are not embedded again. An index being built
        right now reads the plan from the database itself; an index not built yet will."""
        items = list(sections)
        self._stale.update(removed)
        with self._load_lock:
            idx = self._index
        if idx is not None:
            with self._lock:
                idx.add([s for s in items if idx.get(s.id) != s])
        self._stale.difference_update(s.id for s in items)

    def hide(self, keys: Iterable[str]) -> None:
        """Leave these section keys out of every result (their plan was deleted)."""
        self._stale.update(keys)

    def show(self, sections: Iterable[Section]) -> None:
        """Show these sections in results again (a plan was restored)."""
        self.update(sections)

    def _unique(self, hits: Iterable[Any]) -> list[Any]:
        """``hits`` without hidden sections and without a second hit of one passage."""
        seen: set[tuple[str, str, str]] = set()
        out = []
        for h in hits:
            key = identity(h.section)
            if h.section.id in self._stale or key in seen:
                continue
            seen.add(key)
            out.append(h)
        return out

    def search(self, q: str, *, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]:
        """The ``k`` best hits (:class:`plansearch.SearchHit`) for ``q`` under ``where``,
        each passage once."""
        idx = self.index
        ask = k + len(self._stale)
        for _ in range(MAX_REFILLS + 1):
            with self._lock:
                if len(idx) == 0:
                    return []
                hits = idx.search(q, k=ask, where=where or None)
            unique = self._unique(hits)
            if len(unique) >= k or len(hits) < ask:
                break
            ask *= 2
        return [replace(h, rank=r) for r, h in enumerate(unique[:k], 1)]

    def similar(self, q: str, *, k: int = 10, exclude_org: str | None = None) -> Any:
        """Similar goals of other organisations (``None`` when nothing is indexed), each
        passage once, grouped by organisation (compared canonically)."""
        from ..search.similar import OrgGroup, similar_goals

        idx = self.index
        ask = k + len(self._stale)
        for _ in range(MAX_REFILLS + 1):
            with self._lock:
                if len(idx) == 0:
                    return None
                res = similar_goals(idx, q, k=ask, exclude_org=exclude_org or None)
            hits = self._unique(res.hits)
            if len(hits) >= k or len(res.hits) < ask:
                break
            ask *= 2
        hits = [replace(h, rank=r) for r, h in enumerate(hits[:k], 1)]
        groups: dict[str, list[Any]] = {}
        for h in hits:
            groups.setdefault(canonical_org(h.section.org) if h.section.org else "", []).append(h)
        grouped = tuple(
            OrgGroup(hs[0].section.org, hs[0].section.province, hs[0].score, tuple(hs))
            for hs in sorted(groups.values(), key=lambda hs: -hs[0].score)
        )
        return replace(res, hits=tuple(hits), groups=grouped)

    def facets(self) -> dict[str, list[str]]:
        """The values of each facet in the index, sorted (for the filter menus)."""
        idx = self.index
        with self._lock:
            return {f: sorted({v for v in idx.values(f) if v}) for f in FACETS}
