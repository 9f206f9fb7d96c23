"""The server's embedding model: loaded once, on first use, shared by every request.

Alignment (:mod:`.alignments`) and search (:mod:`.search`) both embed with it; loading
it takes seconds, so ``plansearch serve`` starts loading it in the background
(:meth:`.search.WorkspaceSearch.warm_up`).

>>> SharedEmbedder("hashing").get().name   # doctest: +SKIP
'hashing'
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..embed.base import BaseEmbedder


class SharedEmbedder:
    """The embedder of the server, loaded once on first use (thread-safe).

    ``spec`` is an embedder or a name for :class:`plansearch.Embedder` (``None``: the
    bundled model; ``"hashing"`` for tests)."""

    def __init__(self, spec: Any = None) -> None:
        self.spec = spec
        self._model: BaseEmbedder | None = None
        self._lock = threading.Lock()

    def get(self) -> BaseEmbedder:
        """The loaded embedder."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from ..embed import Embedder
                    from ..embed.base import BaseEmbedder

                    spec = self.spec
                    self._model = spec if isinstance(spec, BaseEmbedder) else Embedder(spec)
        return self._model
