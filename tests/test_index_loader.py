"""The index loader against hostile directories (issue 23, item 6).

* a FIFO, a directory or a device in place of any index file (``CURRENT`` included)
  is refused at once with a named index error: the loader opens only regular files
  and never blocks in ``open``;
* a re-hashed ``lexical.npz`` or ``topics.npz`` zip bomb is refused from the ZIP
  directory and the ``.npy`` headers, before an array is read;
* re-hashed (forged) manifests: every mutation of every field either fails with a
  named error or loads an index that searches exactly as the saved one did. The one
  exception is ``fusion``, a search setting recorded only in the manifest: a forged
  one loads and searches with the fusion it names (as if built with it).

The save → load exactness of the re-ranking is kept by
``test_search_storage.py::test_loaded_index_reranks_exactly_as_the_saved_one``.
"""

from __future__ import annotations

import copy
import io
import json
import os
import resource
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plansearch import HashingEmbedder, PlanIndex, PlanSearchError, read_jsonl
from plansearch.errors import IndexCorruptedError, IndexLoadError
from plansearch.search import storage
from plansearch.search import topics as topics_mod
from plansearch.search.similar import similar_goals

DATA = Path(__file__).parent / "data"
FILES = ("sections.jsonl", "dense.faiss", "lexical.npz", "vocab.json", "topics.npz")
LOADER_ERRORS = (IndexCorruptedError, IndexLoadError)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sections = read_jsonl(DATA / "index_sections.jsonl")
    out = tmp_path_factory.mktemp("idx") / "index"
    PlanIndex.build(sections, embedder=HashingEmbedder(16)).save(out)
    return out


@pytest.fixture
def copy_of(saved: Path, tmp_path: Path) -> Path:
    out = tmp_path / "index"
    shutil.copytree(saved, out)
    return out


def _version(root: Path) -> Path:
    return root / (root / "CURRENT").read_text(encoding="ascii").strip()


def _load_within(root: Path, seconds: float = 10.0) -> BaseException | None:
    """Load in a thread; the error it raised (``None``: it loaded). Fails the test if
    the load is still running after ``seconds`` (it blocked)."""
    out: list[BaseException | None] = []

    def run() -> None:
        try:
            PlanIndex.load(root)
            out.append(None)
        except BaseException as exc:
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        # unblock the reader so the thread can end, then fail
        for p in root.rglob("*"):
            if p.is_fifo():
                fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
        pytest.fail(f"loading {root} blocked for more than {seconds} s")
    return out[0]


def _rehash(root: Path, change: Any = None) -> None:
    """Rewrite the current manifest with fresh checksums (``change(manifest)`` first)."""
    vdir = _version(root)
    m = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    if change is not None:
        change(m)
    for name in m["files"]:
        p = vdir / name
        if p.is_file():
            m["files"][name] = {
                "sha256": storage.sha256_file(p),
                "bytes": p.stat().st_size,
            }
    m["manifest_sha256"] = storage.manifest_digest(m)
    (vdir / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------- special files


@pytest.mark.parametrize("name", [*FILES, "manifest.json", "CURRENT"])
def test_a_fifo_in_place_of_any_file_is_refused_at_once(copy_of: Path, name: str) -> None:
    path = copy_of / "CURRENT" if name == "CURRENT" else _version(copy_of) / name
    path.unlink()
    os.mkfifo(path)
    t0 = time.monotonic()
    err = _load_within(copy_of)
    assert isinstance(err, LOADER_ERRORS), repr(err)
    assert "FIFO" in str(err) and time.monotonic() - t0 < 5


@pytest.mark.parametrize("name", [*FILES, "manifest.json", "CURRENT"])
def test_a_directory_in_place_of_any_file_is_a_named_error(copy_of: Path, name: str) -> None:
    path = copy_of / "CURRENT" if name == "CURRENT" else _version(copy_of) / name
    path.unlink()
    path.mkdir()
    err = _load_within(copy_of)
    assert isinstance(err, LOADER_ERRORS), repr(err)
    assert "directory" in str(err)


def test_a_device_or_a_file_in_place_of_the_version_is_a_named_error(copy_of: Path) -> None:
    vdir = _version(copy_of)
    (vdir / "vocab.json").unlink()
    (vdir / "vocab.json").symlink_to("/dev/zero")
    err = _load_within(copy_of)
    assert isinstance(err, IndexCorruptedError) and "device" in str(err), repr(err)
    shutil.rmtree(vdir)
    vdir.write_bytes(b"not a directory")
    err = _load_within(copy_of)
    assert isinstance(err, LOADER_ERRORS), repr(err)


def test_the_unchanged_copy_still_loads(copy_of: Path) -> None:
    assert _load_within(copy_of) is None


# ------------------------------------------------------------------- npz bombs


def _npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def _bomb_npz(path: Path, inflated: int) -> None:
    """``lexical.npz`` whose ``data`` array inflates to ``inflated`` bytes (deflated
    zeros, about 1000:1), the other arrays as they were."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    count = inflated // 4
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            if name in ("data", "indices"):
                dtype = "<f4" if name == "data" else "<i4"
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as fh:
                    fh.write(_npy_header((count,), dtype))
                    block = bytes(1 << 20)
                    left = count * 4
                    while left > 0:
                        fh.write(block[:left])
                        left -= len(block)
            else:
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr, allow_pickle=False)
                zf.writestr(f"{name}.npy", buf.getvalue())


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_rehashed_lexical_zip_bomb_is_refused_before_it_inflates(copy_of: Path) -> None:
    _bomb_npz(_version(copy_of) / "lexical.npz", 512 << 20)  # 1 GiB across two arrays
    _rehash(copy_of)
    before = _peak_mb()
    t0 = time.monotonic()
    err = _load_within(copy_of)
    assert isinstance(err, IndexCorruptedError) and "compressed" in str(err), repr(err)
    assert time.monotonic() - t0 < 5
    assert _peak_mb() - before < 100


def test_stored_arrays_whose_header_lies_about_their_size_are_refused(copy_of: Path) -> None:
    path = _version(copy_of) / "lexical.npz"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            raw = buf.getvalue()
            if name == "data":  # claims 2**31 floats, holds a few
                raw = _npy_header((2**31,), "<f4") + raw[len(_npy_header(arr.shape, "<f4")) :]
            zf.writestr(f"{name}.npy", raw)
    _rehash(copy_of)
    err = _load_within(copy_of)
    assert isinstance(err, IndexCorruptedError) and "needs" in str(err), repr(err)


def test_array_shapes_are_checked_against_the_manifest(copy_of: Path) -> None:
    """More term counts than ``sections.jsonl`` has bytes: refused from the headers."""
    path = _version(copy_of) / "lexical.npz"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    n = 40_000
    arrays["data"] = np.ones(n, np.float32)
    arrays["indices"] = np.zeros(n, np.int32)
    arrays["indptr"] = arrays["indptr"].copy()
    arrays["indptr"][-1] = n
    np.savez(path.with_suffix(""), **arrays)
    _rehash(copy_of)
    err = _load_within(copy_of)
    assert isinstance(err, IndexCorruptedError) and "term counts" in str(err), repr(err)


def test_topics_of_another_shape_are_refused_before_reading(copy_of: Path) -> None:
    path = _version(copy_of) / "topics.npz"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: np.zeros((z[k].shape[0], 8), np.float32) for k in z.files}
    np.savez(path.with_suffix(""), **arrays)
    _rehash(copy_of)
    err = _load_within(copy_of)
    assert isinstance(err, IndexCorruptedError) and "topics.npz" in str(err), repr(err)


# ------------------------------------------------------------- forged manifests


def _signature(index: PlanIndex) -> list[Any]:
    out: list[Any] = []
    for q in ("น้ำประปาหมู่บ้าน", "ถนนคอนกรีต", "ผู้สูงอายุ"):
        for mode in ("hybrid", "dense", "lexical"):
            out.append([(h.section.id, round(h.score, 6)) for h in index.search(q, k=8, mode=mode)])
        res = similar_goals(index, q, k=5)
        out.append([(h.section.id, round(h.score, 6), h.topic) for h in res.hits])
    return out


def _leaves(d: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for k, v in d.items():
        if not path and k in ("files", "manifest_sha256"):
            continue
        yield (*path, k), v
        if isinstance(v, dict):
            yield from _leaves(v, (*path, k))


def _variants(value: Any) -> list[Any]:
    out: list[Any] = ["<delete>", None, "", "x", True, 0, -1, 1, 10**12, 0.5, [], {}]
    if isinstance(value, bool):
        out.append(not value)
    elif isinstance(value, int):
        out += [value + 1, value - 1, value * 2]
    elif isinstance(value, float):
        out += [value * 2, value / 2, value + 0.01]
    elif isinstance(value, str):
        out += [value + "x", value.upper(), "rrf", "flat", "ivf_sq8", "l2", "hashing-32"]
    elif isinstance(value, dict):
        out.append({**value, "extra": 1})
    return out


def _forgeries(manifest: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    for path, value in _leaves(manifest):
        for variant in _variants(value):
            if variant == value and type(variant) is type(value):
                continue
            yield path, variant
    yield ("extra",), 1


def _forge(manifest: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    m = copy.deepcopy(manifest)
    node = m
    for key in path[:-1]:
        node = node[key]
    if value == "<delete>":
        node.pop(path[-1])
    else:
        node[path[-1]] = value
    m["manifest_sha256"] = storage.manifest_digest(m)
    return m


def test_forged_manifests_fail_by_name_or_load_with_the_same_results(
    saved: Path, tmp_path: Path
) -> None:
    reference = _signature(PlanIndex.load(saved))
    vdir = _version(saved)
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    work = tmp_path / "forged"
    tried = loaded = 0
    for path, value in _forgeries(manifest):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(saved, work)
        forged = _forge(manifest, path, value)
        (_version(work) / "manifest.json").write_text(
            json.dumps(forged, ensure_ascii=False), encoding="utf-8"
        )
        topics_mod._CACHE.clear()
        tried += 1
        try:
            index = PlanIndex.load(work)
        except PlanSearchError:
            continue
        loaded += 1
        if path == ("fusion",):  # a search setting only the manifest records
            assert index.fusion == value
            continue
        assert _signature(index) == reference, (path, value)
    assert tried > 300
    # what still loads: descriptive fields (the embedder's class and name, the
    # plansearch version), a missing tokenizer name, other reference descriptions
    assert loaded < 40, loaded
