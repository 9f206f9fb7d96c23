"""Build the framework vectors that ship with plansearch (``plansearch/embed/seed.py``).

    python benchmarks/build_framework_vectors.py [--out plansearch/embed/data/framework-vectors.npz]

Prepares every built-in framework exactly as ``align`` does (each target space with
the default score card: its nodes, the knowledge it borrows, the budget programmes,
the frozen base model of the ensemble) with the default model on its reference
backend (sentence-transformers, fp32), records every text the model is asked to
embed with its role, and writes them with their vectors (float16 unit rows of the
unadapted model) and the model's fingerprint. No disk cache is read or written while
building. Afterwards pin the file's SHA-256 printed at the end in
``plansearch/embed/integrity.py`` (``FRAMEWORK_VECTORS_SHA256``); rebuild whenever a
framework's texts, the knowledge or the score card change (a text the file lacks is
simply embedded on the user's machine: a stale file costs time, never correctness).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "plansearch" / "embed" / "data" / "framework-vectors.npz"


class Recording:
    """Wraps a backend: embeds through it and keeps each text's vector by role."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: dict[tuple[str, str], np.ndarray] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode(self, texts: Any, *, kind: str, batch_size: int, show_progress: Any) -> np.ndarray:
        items = [texts] if isinstance(texts, str) else list(texts)
        out = self.inner.encode(items, kind=kind, batch_size=batch_size, show_progress=False)
        for t, v in zip(items, out, strict=True):
            self.seen[(kind, t)] = v
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    os.environ["PLANSEARCH_EMBED_CACHE"] = "off"
    from plansearch.alignment.pipeline import resolve_settings
    from plansearch.alignment.prepare import clear_caches, prepare_space
    from plansearch.embed import Embedder
    from plansearch.fileio import sha256_file
    from plansearch.frameworks import available_references, resolve

    t0 = time.perf_counter()
    emb = Embedder(backend="sentence-transformers")
    backend = "sentence-transformers"
    rec = Recording(emb._get(backend))
    emb._loaded[backend] = rec
    card = resolve_settings(None).card
    clear_caches()
    for space in resolve(available_references()):
        prepare_space(space, emb, card)
    fingerprint = emb.base_fingerprint
    keys = sorted(rec.seen)
    vectors = np.stack([rec.seen[k] for k in keys]).astype(np.float16)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_name(a.out.stem + ".tmp.npz")
    np.savez_compressed(
        tmp,
        fingerprint=np.array(fingerprint),
        kinds=np.array([k for k, _ in keys]),
        texts=np.array([t for _, t in keys]),
        vectors=vectors,
    )
    tmp.replace(a.out)
    print(
        f"{len(keys)} texts ({sum(k == 'passage' for k, _ in keys)} passages) of "
        f"{fingerprint} → {a.out} ({a.out.stat().st_size / 1024:.0f} KiB) in "
        f"{time.perf_counter() - t0:.0f} s\nsha256 {sha256_file(a.out)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
