"""A deterministic, dependency-light embedder for fast tests and offline smoke runs.

It hashes Thai words (PyThaiNLP segmentation) and character trigrams into a fixed
number of buckets (the "hashing trick"). It has no notion of meaning beyond shared
words, so use it only where speed and determinism matter more than quality.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..thai import tokenize
from .base import BaseEmbedder


def _bucket(token: str, dim: int) -> tuple[int, float]:
    h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
    return h % dim, (1.0 if (h >> 63) & 1 else -1.0)


class HashingEmbedder(BaseEmbedder):
    """Bag-of-words + character-trigram hashing embedder.

    >>> e = HashingEmbedder(dim=64)
    >>> e.encode(["ถนนคอนกรีต"]).shape
    (1, 64)
    """

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise ValueError("dim must be at least 8")
        self._dim = int(dim)
        self.name = f"hashing-{self._dim}"

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        return f"{self.name}:v1"

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = tokenize(text)
            for w in words:
                j, sign = _bucket("w:" + w, self._dim)
                out[i, j] += 2.0 * sign
                for k in range(max(1, len(w) - 2)):
                    j, sign = _bucket("c:" + w[k : k + 3], self._dim)
                    out[i, j] += 0.5 * sign
        return out
