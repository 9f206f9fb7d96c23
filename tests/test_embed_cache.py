"""The on-disk embedding cache: same vectors back, keyed by fingerprint, robust to damage."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from plansearch.embed.base import BaseEmbedder
from plansearch.embed.cache import (
    CACHE_ENV,
    EmbeddingCache,
    default_cache_dir,
    encode_cached,
)
from plansearch.embed.hashing import HashingEmbedder

TEXTS = ["ยุทธศาสตร์ชาติด้านความมั่นคง", "พัฒนาโครงสร้างพื้นฐาน", "ส่งเสริมอาชีพผู้สูงอายุ"]


class CountingEmbedder(BaseEmbedder):
    """Deterministic vectors (the hashing embedder's) under any fingerprint; counts calls."""

    def __init__(self, fingerprint: str = "fake-model:aaaa") -> None:
        self._fp = fingerprint
        self._inner = HashingEmbedder(32)
        self.name = "fake-model"
        self.encoded: list[str] = []

    @property
    def dimension(self) -> int:
        return 32

    @property
    def fingerprint(self) -> str:
        return self._fp

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        self.encoded.extend(texts)
        return self._inner._encode(texts, batch_size=batch_size, show_progress=show_progress)


@pytest.fixture
def cache(tmp_path: Path) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "emb")


def test_second_call_returns_identical_vectors_without_encoding(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    first = encode_cached(emb, TEXTS, "passage", cache=cache)
    assert len(emb.encoded) == 3
    fresh_cache = EmbeddingCache(cache.root)  # another process: reads from disk
    again = encode_cached(emb, TEXTS, "passage", cache=fresh_cache)
    assert len(emb.encoded) == 3
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, emb.encode(TEXTS, kind="passage"))


def test_only_missing_texts_are_embedded(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    encode_cached(emb, TEXTS[:2], "passage", cache=cache)
    emb.encoded.clear()
    out = encode_cached(emb, [*TEXTS, TEXTS[2]], "passage", cache=cache)
    assert emb.encoded == [TEXTS[2]]
    assert out.shape == (4, 32)
    np.testing.assert_array_equal(out[2], out[3])


def test_roles_are_kept_apart(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    encode_cached(emb, TEXTS, "passage", cache=cache)
    emb.encoded.clear()
    encode_cached(emb, TEXTS, "query", cache=cache)
    assert len(emb.encoded) == 3


def test_a_new_fingerprint_invalidates(cache: EmbeddingCache) -> None:
    old = CountingEmbedder("fake-model:aaaa")
    encode_cached(old, TEXTS, "passage", cache=cache)
    new = CountingEmbedder("fake-model:aaaa+adapter:bbbb")
    encode_cached(new, TEXTS, "passage", cache=cache)
    assert len(new.encoded) == 3
    assert cache.folder(old.fingerprint) != cache.folder(new.fingerprint)


def test_whitespace_variants_share_an_entry(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    encode_cached(emb, ["ถนน  คอนกรีต"], "passage", cache=cache)
    emb.encoded.clear()
    encode_cached(emb, [" ถนน คอนกรีต\n"], "passage", cache=cache)
    assert emb.encoded == []


def _one_shard(cache: EmbeddingCache, emb: BaseEmbedder) -> tuple[Path, Path]:
    (meta,) = sorted(cache.folder(emb.fingerprint).glob("*.json"))
    return meta, meta.with_suffix(".npy")


@pytest.mark.parametrize(
    "damage",
    [
        lambda meta, npy: npy.write_bytes(npy.read_bytes()[:-7]),  # truncated vectors
        lambda meta, npy: npy.write_bytes(b"\x93NUMPY garbage" * 8),  # not an array
        lambda meta, npy: meta.write_text("{not json", "utf-8"),  # broken index
        lambda meta, npy: meta.write_bytes(b"\xff\xfe\x00binary"),  # undecodable index
        lambda meta, npy: npy.unlink(),  # vectors missing
        lambda meta, npy: meta.write_text(
            json.dumps({**json.loads(meta.read_text("utf-8")), "dim": 7}), "utf-8"
        ),  # shape disagrees
        lambda meta, npy: meta.write_text(json.dumps(["a", "list"]), "utf-8"),
    ],
)
def test_damaged_shards_are_ignored_and_rebuilt(cache: EmbeddingCache, damage, caplog) -> None:
    emb = CountingEmbedder()
    want = encode_cached(emb, TEXTS, "passage", cache=cache)
    meta, npy = _one_shard(cache, emb)
    damage(meta, npy)
    emb.encoded.clear()
    with caplog.at_level(logging.WARNING, logger="plansearch.embed.cache"):
        got = encode_cached(emb, TEXTS, "passage", cache=EmbeddingCache(cache.root))
    np.testing.assert_array_equal(got, want)
    assert len(emb.encoded) == 3  # re-embedded
    emb.encoded.clear()
    again = encode_cached(emb, TEXTS, "passage", cache=EmbeddingCache(cache.root))
    np.testing.assert_array_equal(again, want)
    assert emb.encoded == []  # and stored again


def test_vectors_with_a_wrong_checksum_are_not_trusted(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    want = encode_cached(emb, TEXTS, "passage", cache=cache)
    _meta, npy = _one_shard(cache, emb)
    raw = bytearray(npy.read_bytes())
    raw[-4:] = b"\x00\x00\xc0\x7f"  # a NaN where a float was
    npy.write_bytes(bytes(raw))
    got = encode_cached(emb, TEXTS, "passage", cache=EmbeddingCache(cache.root))
    np.testing.assert_array_equal(got, want)


def test_size_is_bounded(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "emb", max_bytes=6000)
    for i in range(12):
        emb = CountingEmbedder(f"fake-model:{i:04d}")
        encode_cached(emb, [f"ข้อความที่ {i} {j}" for j in range(10)], "passage", cache=cache)
    assert 0 < cache.size_bytes() <= 6000


def test_many_shards_are_merged(cache: EmbeddingCache) -> None:
    emb = CountingEmbedder()
    for i in range(40):
        encode_cached(emb, [f"ข้อ {i}"], "passage", cache=cache)
    shards = list(cache.folder(emb.fingerprint).glob("*.json"))
    assert len(shards) <= 33
    emb.encoded.clear()
    encode_cached(emb, [f"ข้อ {i}" for i in range(40)], "passage", cache=EmbeddingCache(cache.root))
    assert emb.encoded == []


def test_hashing_embedder_is_never_cached(cache: EmbeddingCache) -> None:
    encode_cached(HashingEmbedder(32), TEXTS, "passage", cache=cache)
    assert not cache.root.exists() or not any(cache.root.rglob("*.npy"))


def test_unwritable_cache_still_returns_vectors(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = EmbeddingCache(blocker / "emb")  # a folder under a file cannot be created
    emb = CountingEmbedder()
    with caplog.at_level(logging.WARNING, logger="plansearch.embed.cache"):
        out = encode_cached(emb, TEXTS, "passage", cache=cache)
    np.testing.assert_array_equal(out, emb.encode(TEXTS, kind="passage"))


def test_environment_switches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    assert default_cache_dir() is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("PLANSEARCH_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "embeddings"


def test_bad_role_is_refused(cache: EmbeddingCache) -> None:
    with pytest.raises(ValueError):
        encode_cached(CountingEmbedder(), TEXTS, "document", cache=cache)


def _writer(root: str, worker: int) -> int:
    emb = CountingEmbedder()
    cache = EmbeddingCache(root)
    texts = [f"ข้อความร่วม {j}" for j in range(20)] + [f"ของ {worker} {j}" for j in range(5)]
    for _ in range(5):
        encode_cached(emb, texts, "passage", cache=cache)
        cache = EmbeddingCache(root)
    return len(emb.encoded)


def test_concurrent_processes_do_not_corrupt_it(tmp_path: Path) -> None:
    root = str(tmp_path / "emb")
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ctx.Pool(4) as pool:
        counts = pool.starmap(_writer, [(root, w) for w in range(8)])
    assert all(c <= 50 for c in counts)  # each process re-embedded little or nothing
    emb = CountingEmbedder()
    texts = [f"ข้อความร่วม {j}" for j in range(20)] + [
        f"ของ {w} {j}" for w in range(8) for j in range(5)
    ]
    out = encode_cached(emb, texts, "passage", cache=EmbeddingCache(root))
    assert emb.encoded == []
    np.testing.assert_array_equal(out, emb.encode(texts, kind="passage"))
    assert not list(Path(root).rglob("*.tmp"))
