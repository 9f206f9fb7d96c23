"""The embedder contract shared by every backend.

An embedder turns texts into float32, L2-normalised vectors of a fixed
``dimension``. ``fingerprint`` identifies the exact weights: an index remembers it
and refuses to be searched with vectors from another model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

KIND_QUERY = "query"
KIND_PASSAGE = "passage"


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


class BaseEmbedder(ABC):
    """Base class: subclasses implement :meth:`_encode` on already-prefixed texts."""

    #: Human-readable model name.
    name: str = "base"
    #: Prefixes applied for ``kind="query"`` / ``kind="passage"`` (e5 convention).
    query_prefix: str = ""
    passage_prefix: str = ""

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of each vector."""

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """``"<name>:<hash of weights>"``: equal fingerprints ⇒ interchangeable vectors."""

    @abstractmethod
    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        """Encode prefixed texts; return an ``(n, dimension)`` array."""

    def encode(
        self,
        texts: str | Sequence[str],
        *,
        kind: str = KIND_PASSAGE,
        batch_size: int = 32,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` as queries or passages.

        Returns a float32 array of shape ``(len(texts), dimension)`` with unit rows
        (a single string gives shape ``(1, dimension)``).

        >>> emb.encode(["ถนนคอนกรีต"], kind="query").shape  # doctest: +SKIP
        (1, 384)
        """
        if kind not in (KIND_QUERY, KIND_PASSAGE):
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        if isinstance(texts, str):
            texts = [texts]
        items = [" ".join(str(t).split()) for t in texts]
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefix = self.query_prefix if kind == KIND_QUERY else self.passage_prefix
        prefixed = [prefix + t for t in items]
        if show_progress is None:
            show_progress = len(prefixed) >= 256
        vecs = self._encode(prefixed, batch_size=batch_size, show_progress=show_progress)
        return l2_normalise(vecs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dimension={self.dimension})"
