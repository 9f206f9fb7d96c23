"""Framework vectors shipped with plansearch, so a first run embeds only the plan.

The built-in frameworks (their targets, sub-items and the knowledge they borrow) and
the standard budget programmes are the same texts on every machine. Their vectors of
the default model ship in ``plansearch/embed/data/framework-vectors.npz``: the
model's fingerprint, each text with its role (``query``/``passage``) and its vector
of the *unadapted* model (float16 unit rows; the domain adapter is applied on use,
exactly as :class:`~plansearch.embed.Embedder` applies it after any backend). Made
with the sentence-transformers backend (fp32) by
``python benchmarks/build_framework_vectors.py``; the file's SHA-256 is pinned in
:data:`~plansearch.embed.integrity.FRAMEWORK_VECTORS_SHA256` and checked before use.

:func:`seeded` gives the vectors the file has for an embedder of that model (adapted
or not) and nothing for any other; :func:`~plansearch.embed.cache.encode_cached`
asks it before embedding, then keeps them in the disk cache like any other vectors. A
text the file lacks (an edited or a planner's own framework) is embedded as before.

>>> from plansearch.embed import Embedder
>>> found = seeded(Embedder(), ["ยุทธศาสตร์ชาติด้านความมั่นคง"], "passage")  # doctest: +SKIP
>>> found[0].shape                                                      # doctest: +SKIP
(384,)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .base import BaseEmbedder

#: The shipped file, in ``plansearch/embed/data``.
SEED_FILE = "framework-vectors.npz"

_LOADED: dict[str, tuple[str, dict[tuple[str, str], np.ndarray]]] = {}
_LOCK = threading.Lock()


def seed_path() -> Path:
    """Where the shipped framework vectors are."""
    return Path(str(resources.files("plansearch.embed").joinpath("data", SEED_FILE)))


def load_seed(path: str | Path | None = None) -> tuple[str, dict[tuple[str, str], np.ndarray]]:
    """``(model fingerprint, {(kind, text): vector})`` of the shipped file (``path``:
    another one, for tests), its digest checked against the pinned one; an empty
    mapping when the file is absent."""
    from .integrity import FRAMEWORK_VECTORS_SHA256, check_pinned

    p = Path(path) if path is not None else seed_path()
    key = str(p)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if not p.is_file():
            _LOADED[key] = ("", {})
            return _LOADED[key]
        check_pinned(
            p,
            FRAMEWORK_VECTORS_SHA256,
            what="the shipped framework vectors",
            fix="reinstall plansearch (or rebuild them with benchmarks/build_framework_vectors.py "
            "and pin the new digest)",
            persist=False,
        )
        with np.load(p, allow_pickle=False) as data:
            fingerprint = str(data["fingerprint"])
            kinds = [str(k) for k in data["kinds"]]
            texts = [str(t) for t in data["texts"]]
            vectors = data["vectors"].astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-12)
        table = {(k, t): vectors[i] for i, (k, t) in enumerate(zip(kinds, texts, strict=True))}
        _LOADED[key] = (fingerprint, table)
        return _LOADED[key]


def seeded(
    emb: BaseEmbedder, texts: Sequence[str], kind: str, *, path: str | Path | None = None
) -> dict[int, np.ndarray]:
    """``{position in texts: vector}`` for the texts the shipped file has, when ``emb``
    is the model it was made with (its domain adapter applied); ``{}`` otherwise."""
    model, table = load_seed(path)
    if not table or not texts:
        return {}
    adapter = _adapter_for(emb, model)
    if adapter is False:
        return {}
    found = [(i, table[(kind, t)]) for i, t in enumerate(texts) if (kind, t) in table]
    if not found:
        return {}
    block = np.stack([v for _, v in found])
    if adapter is not None:
        block = adapter.apply(block)
    return {i: block[n] for n, (i, _) in enumerate(found)}


def _adapter_for(emb: BaseEmbedder, model: str) -> Any:
    """``None`` when ``emb`` is the seed's model itself, its adapter when it is that
    model adapted, ``False`` when it is another model."""
    if getattr(emb, "base_name", getattr(emb, "name", None)) != _model_name(model):
        return False  # cheap: never loads a backend of another model
    adapter = getattr(emb, "adapter", None)
    base = getattr(emb, "base_fingerprint", None) if adapter is not None else emb.fingerprint
    if base != model:
        return False
    if adapter is not None and emb.fingerprint != adapter.fingerprint(model):
        return False  # e.g. an int8 graph whose vectors drift: its own fingerprint
    return adapter


def _model_name(fingerprint: str) -> str:
    """``multilingual-e5-small`` of ``multilingual-e5-small-q4:1571fc98…``."""
    return fingerprint.split(":", 1)[0].removesuffix("-q4")
