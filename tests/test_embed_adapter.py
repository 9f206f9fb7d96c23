"""The domain adapter: shipped file loads offline, fingerprints, applied by the front door."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from plansearch.embed import ADAPT_DEFAULT_MODEL, Embedder, base_embedder
from plansearch.embed.adapter import (
    DEFAULT_ADAPTER_NAME,
    Adapter,
    load_adapter,
    shipped_adapter_path,
)
from plansearch.errors import AdapterError, ModelError, ModelIntegrityError, PlanSearchError

THAI = ["ก่อสร้างถนนคอนกรีตเสริมเหล็ก", "จัดหาเบี้ยยังชีพผู้สูงอายุ", "ขยะมูลฝอย"]


def trained_like(dim: int = 384, rank: int = 4, seed: int = 1) -> Adapter:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rank, dim)).astype(np.float32) / np.sqrt(dim)
    b = rng.standard_normal((dim, rank)).astype(np.float32) * 0.5
    return Adapter("test-adapter", a, b, {"note": "test"})


def test_shipped_adapter_loads_offline_with_its_card() -> None:
    path = shipped_adapter_path()
    assert path.is_file() and path.stat().st_size < 4 * 1024 * 1024
    ad = load_adapter(DEFAULT_ADAPTER_NAME)
    assert ad.dim == 384 and 1 <= ad.rank <= 384
    for field in ("training_data_sha256", "date", "script", "base_fingerprint", "digest"):
        assert ad.card.get(field), field
    assert ad.card["digest"] == ad.digest
    assert ad.card["script"] == "benchmarks/train_adapter.py"
    assert np.abs(ad.B).max() > 0  # trained, not the identity start


def test_shipped_adapter_changes_the_fingerprint() -> None:
    ad = load_adapter(DEFAULT_ADAPTER_NAME)
    base = ad.card["base_fingerprint"]
    assert ad.fingerprint(base) != base and ad.fingerprint(base).startswith(base + "+adapter:")


def test_identity_start_changes_nothing() -> None:
    v = Embedder("hashing").encode(THAI)
    np.testing.assert_allclose(Adapter.identity(384, rank=8).apply(v), v, atol=1e-6)


def test_apply_gives_unit_rows_and_keeps_zero_rows() -> None:
    ad = trained_like()
    v = Embedder("hashing").encode(THAI)
    v = np.vstack([v, np.zeros((1, 384), np.float32)])
    out = ad.apply(v)
    assert out.dtype == np.float32 and out.shape == v.shape
    np.testing.assert_allclose(np.linalg.norm(out[:3], axis=1), 1.0, rtol=1e-5)
    assert not out[3].any()
    assert ad.apply(np.zeros((0, 384), np.float32)).shape == (0, 384)


def test_save_load_round_trip_without_pickle(tmp_path: Path) -> None:
    ad = trained_like()
    path = ad.save(tmp_path / "a.npz")
    card = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert card["digest"] == ad.digest and card["note"] == "test"
    back = Adapter.load(path)
    assert back.digest == ad.digest and back.name == "test-adapter"
    np.testing.assert_array_equal(back.A, ad.A)
    with np.load(path, allow_pickle=False) as z:  # a plain npz of two float32 arrays
        assert sorted(z.files) == ["A", "B"]


def test_digest_ignores_the_file_and_tracks_the_weights(tmp_path: Path) -> None:
    ad = trained_like()
    p1, p2 = ad.save(tmp_path / "x.npz"), ad.save(tmp_path / "y.npz")
    assert Adapter.load(p1).digest == Adapter.load(p2).digest
    other = trained_like(seed=2)
    assert other.digest != ad.digest


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.unlink(),
        lambda p: np.savez(p, A=np.zeros((2, 3), np.float32)),  # no B
        lambda p: np.savez(p, A=np.array([object()]), B=np.zeros(1)),  # would need pickle
        lambda p: np.savez(p, A=np.full((2, 8), np.nan, np.float32), B=np.zeros((8, 2))),
        lambda p: np.savez(p, A=np.zeros((2, 8), np.float32), B=np.zeros((5, 2), np.float32)),
    ],
)
def test_damaged_adapter_is_a_named_error(tmp_path: Path, damage) -> None:
    p = trained_like().save(tmp_path / "a.npz")
    damage(p)
    with pytest.raises(AdapterError) as info:
        Adapter.load(p)
    assert isinstance(info.value, ModelError | PlanSearchError)


def test_changed_weights_disagree_with_card(tmp_path: Path) -> None:
    p = trained_like().save(tmp_path / "a.npz")
    other = trained_like(seed=3)
    np.savez(p, A=other.A, B=other.B)
    with pytest.raises(ModelIntegrityError, match="card"):
        Adapter.load(p)


@pytest.mark.parametrize(
    "card",
    [None, "{not json", '{"name": "a"}', '{"digest": 7}'],
    ids=["no-card", "unreadable", "no-digest", "digest-not-text"],
)
def test_the_card_and_its_digest_are_required(tmp_path: Path, card: str | None) -> None:
    p = trained_like().save(tmp_path / "a.npz")
    if card is None:
        p.with_suffix(".json").unlink()
    else:
        p.with_suffix(".json").write_text(card, encoding="utf-8")
    with pytest.raises(AdapterError, match="card"):
        Adapter.load(p)


def test_wrong_dimension_is_refused() -> None:
    emb = Embedder("hashing-64", adapter=trained_like(384))
    with pytest.raises(AdapterError, match="384"):
        emb.encode(THAI)


def test_unknown_adapter_name_is_refused() -> None:
    with pytest.raises(AdapterError):
        Embedder("hashing", adapter="no-such-adapter")


def test_front_door_applies_adapter_and_fingerprints_it() -> None:
    ad = trained_like()
    plain = Embedder("hashing")
    adapted = Embedder("hashing", adapter=ad)
    assert adapted.fingerprint == f"hashing-384:v1+adapter:{ad.digest}"
    assert adapted.fingerprint != plain.fingerprint
    assert adapted.name == "hashing-384+test-adapter"
    for kind in ("query", "passage"):
        want = ad.apply(plain.encode(THAI, kind=kind))
        np.testing.assert_allclose(adapted.encode(THAI, kind=kind), want, atol=1e-6)
    one = adapted.encode(THAI[0], kind="query")
    np.testing.assert_allclose(one[0], adapted.encode(THAI, kind="query")[0], atol=1e-6)
    unwrapped = base_embedder(adapted)
    assert unwrapped.fingerprint == plain.fingerprint
    np.testing.assert_array_equal(unwrapped.encode(THAI), plain.encode(THAI))
    assert adapted.adapter is ad  # the unwrapped copy left the original alone


def test_adapter_from_a_path(tmp_path: Path) -> None:
    ad = trained_like()
    p = ad.save(tmp_path / "mine.npz")
    emb = Embedder("hashing", adapter=p)
    assert emb.adapter is not None and emb.adapter.digest == ad.digest


def test_default_model_names_choose_the_adaptation() -> None:
    # constructing an Embedder loads no backend, so these need no model
    assert Embedder("multilingual-e5-small").adapter is None
    assert Embedder(adapter=None).adapter is None
    named = Embedder(f"multilingual-e5-small+{DEFAULT_ADAPTER_NAME}")
    assert named.adapter is not None and named.adapter.name == DEFAULT_ADAPTER_NAME
    assert named.name == f"multilingual-e5-small+{DEFAULT_ADAPTER_NAME}"
    default = Embedder()
    assert (default.adapter is not None) == ADAPT_DEFAULT_MODEL
    # an adapter is only added by default to the default model
    assert Embedder("hashing").adapter is None
