"""Where a :class:`~plansearch.SearchIndex` keeps its rows: :class:`Store` (the seam),
:mod:`.local` (in memory, saved as a directory) and :mod:`.milvus` (a Milvus database,
imported only when used: it needs ``plansearch[milvus]``)."""

from __future__ import annotations

from .base import Ranked, Store
from .local import LocalStore

__all__ = ["LocalStore", "Ranked", "Store"]
