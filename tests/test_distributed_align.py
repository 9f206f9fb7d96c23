"""Bulk alignment of a corpus in shards, here and on a Dask cluster the tests start."""

from __future__ import annotations

import csv
import json
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")

import cloudpickle

from plansearch import Plan
from plansearch.alignment.bulk import align_bulk, prepare_spaces
from plansearch.alignment.distributed import CorpusAlignment, align_corpus, align_shard
from plansearch.alignment.items import ItemQueries, items_from
from plansearch.alignment.pipeline import align
from plansearch.alignment.scorecard import score_card
from plansearch.embed import Embedder
from plansearch.errors import ClusterError, InputError
from plansearch.parse.parser import parse_plan

cloudpickle.register_pickle_by_value(sys.modules[__name__])

DATA = Path(__file__).resolve().parent / "data"
FW = ["national", "sdg"]
SPEC = "hashing:64"


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    small = parse_plan(DATA / "parse_small_plan.txt")
    policy = parse_plan(DATA / "parse_municipal_policy.txt")
    # a second plan that reuses the first plan's section ids with other words: an item's
    # context must come from its own plan even when two plans share a shard
    twin = replace(
        small,
        org="เทศบาลตำบลฝาแฝด",
        sections=tuple(
            replace(s, org="เทศบาลตำบลฝาแฝด", title=f"ส่งเสริมการท่องเที่ยว {s.title}")
            for s in small.sections
        ),
    )
    return [small, policy, twin]


def single_process_reference(plans: list[Plan], k: int) -> dict[str, tuple[np.ndarray, ...]]:
    """Each plan on its own, as align_bulk is used in one process."""
    emb = Embedder(SPEC)
    prepared = prepare_spaces(FW, emb)
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {p.space.name: [] for p in prepared}
    for plan in plans:
        items, _ = items_from(plan)
        card = score_card()
        qs = ItemQueries.of(items, plan, emb, card, card.context_weight)
        res = align_bulk(
            qs.vectors, prepared, top_k=k, item_tokens=qs.tokens, frozen_vectors=qs.frozen
        )
        for name, r in res.items():
            out[name].append((r.ids, r.scores))
    return {
        n: (np.concatenate([i for i, _ in v]), np.concatenate([s for _, s in v]))
        for n, v in out.items()
    }


def test_shards_here_equal_each_plan_aligned_alone_and_align(plans, tmp_path: Path) -> None:
    res = align_corpus(plans, FW, SPEC, work_dir=tmp_path, k=3, shard_size=5)
    assert isinstance(res, CorpusAlignment)
    assert res.framework_names == ("national", "masterplan", "sdg")  # masterplan: a companion
    n = sum(len(items_from(p)[0]) for p in plans)
    assert len(res.items) == n and res.report.shards == -(-n // 5)
    want = single_process_reference(plans, 3)
    assert list(want) == list(res.framework_names)
    for name in res.framework_names:
        np.testing.assert_array_equal(res.results[name].ids, want[name][0])
        np.testing.assert_allclose(res.results[name].scores, want[name][1], atol=1e-6)
    # and the same best targets as align() gives plan by plan
    emb = Embedder(SPEC)
    best = [m for p in plans for m in align(p, FW, embedder=emb).best("national")]
    assert res.best("national") == best
    # the twin plan's items differ from the first plan's: contexts stayed in their plan
    first = len(items_from(plans[0])[0])
    assert res.items[-first:] != res.items[:first]


def test_rerun_reuses_shards_and_redoes_damaged_or_changed_ones(plans, tmp_path: Path) -> None:
    a = align_corpus(plans, FW, SPEC, work_dir=tmp_path, shard_size=8)
    b = align_corpus(plans, FW, SPEC, work_dir=tmp_path, shard_size=8)
    assert b.report.reused == b.report.shards and b.report.computed == 0
    for name in FW:
        np.testing.assert_array_equal(a.results[name].ids, b.results[name].ids)
        np.testing.assert_array_equal(a.results[name].scores, b.results[name].scores)
    (tmp_path / "align-000001.npz").write_bytes(b"not a zip")
    c = align_corpus(plans, FW, SPEC, work_dir=tmp_path, shard_size=8)
    assert c.report.computed == 1
    np.testing.assert_array_equal(a.results["sdg"].ids, c.results["sdg"].ids)
    d = align_corpus(plans, FW, SPEC, work_dir=tmp_path, shard_size=8, k=2)  # other k
    assert d.report.computed == d.report.shards and d.results["sdg"].ids.shape[1] == 2


def test_sections_jsonl_records_and_exports(plans, tmp_path: Path) -> None:
    sections = [s for p in plans[:2] for s in p.sections]
    res = align_corpus(sections, ["national"], SPEC, work_dir=tmp_path / "w", k=2)
    alone = align_corpus(plans[:2], ["national"], SPEC, work_dir=tmp_path / "v", k=2)
    np.testing.assert_array_equal(res.results["national"].ids, alone.results["national"].ids)
    rows = res.to_records()
    assert len(rows) == 2 * 2 * len(res.items) and rows[0]["rank"] == 1  # national, masterplan
    path = res.to_csv(tmp_path / "links.csv")
    with path.open(encoding="utf-8-sig") as fh:
        got = list(csv.DictReader(fh))
    assert [r["target_id"] for r in got] == [r["target_id"] for r in rows]
    lines = res.to_jsonl(tmp_path / "links.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["item_id"] == rows[0]["item_id"]
    empty = align_corpus([], ["national"], SPEC, work_dir=tmp_path / "e")
    assert empty.items == () and empty.results["national"].ids.shape == (0, 3)


def test_bad_inputs_are_named_errors(plans, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        align_corpus(plans, FW, SPEC, work_dir=tmp_path, k=0)
    with pytest.raises(InputError):
        align_corpus(plans, FW, SPEC, work_dir=tmp_path, shard_size=0)
    with pytest.raises(InputError, match="province"):
        align_corpus(plans, ["province"], SPEC, work_dir=tmp_path)
    with pytest.raises(InputError):
        align_corpus([plans[0], plans[0].sections[0]], FW, SPEC, work_dir=tmp_path)  # type: ignore[list-item]
    with pytest.raises(ClusterError, match="dask scheduler"):
        align_corpus(
            plans,
            FW,
            SPEC,
            work_dir=tmp_path,
            cluster="tcp://127.0.0.1:9",
            connect_timeout="2s",
            security="insecure",
        )


class FlakyAlign:
    """Fails the first time it sees a shard (a marker file in ``folder``), then works."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __call__(self, prepared, spec, items, ancestors, k, settings, threads):  # type: ignore[no-untyped-def]
        # a stable name: str hash() differs between worker processes (PYTHONHASHSEED),
        # so a retry on the other worker would not find the marker and fail again
        marker = Path(self.folder) / f"seen-{zlib.crc32(items[0].id.encode())}"
        if not marker.exists():
            marker.write_text("1")
            raise RuntimeError("worker lost (injected)")
        return align_shard(prepared, spec, items, ancestors, k, settings, threads)


def broken_align(prepared, spec, items, ancestors, k, settings, threads):  # type: ignore[no-untyped-def]
    if any(s.org == "เทศบาลตำบลฝาแฝด" for s in items):
        raise RuntimeError("this shard always fails (injected)")
    return align_shard(prepared, spec, items, ancestors, k, settings, threads)


def test_cluster_equals_one_process_retries_and_resumes(dask_client, plans, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one = align_corpus(plans, FW, SPEC, work_dir=tmp_path / "one", shard_size=6)
    seen: list[tuple[int, int]] = []
    two = align_corpus(
        plans,
        FW,
        SPEC,
        work_dir=tmp_path / "two",
        shard_size=6,
        cluster=dask_client,
        task=FlakyAlign(tmp_path),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert two.report.workers == 2 and two.report.computed == two.report.shards
    assert len(list(tmp_path.glob("seen-*"))) == two.report.shards  # each failed once
    assert seen[0] == (0, two.report.shards) and seen[-1] == (two.report.shards,) * 2
    assert two.items == one.items
    for name in one.framework_names:
        np.testing.assert_array_equal(one.results[name].ids, two.results[name].ids)
        # the workers' BLAS runs one thread, this process maybe more: the last float bit
        np.testing.assert_allclose(one.results[name].scores, two.results[name].scores, atol=1e-6)
    work = tmp_path / "three"
    with pytest.raises(ClusterError, match="resume"):
        align_corpus(
            plans,
            FW,
            SPEC,
            work_dir=work,
            shard_size=6,
            cluster=dask_client,
            task=broken_align,
            retries=1,
        )
    kept = len(list(work.glob("align-*.npz")))
    assert 0 < kept < one.report.shards
    again = align_corpus(plans, FW, SPEC, work_dir=work, shard_size=6, cluster=dask_client)
    assert again.report.reused == kept and again.report.computed == one.report.shards - kept
    np.testing.assert_array_equal(one.results["national"].ids, again.results["national"].ids)


def test_cli_align_corpus_on_a_cluster_and_bad_values(  # type: ignore[no-untyped-def]
    dask_client, plans, tmp_path: Path, capsys
) -> None:
    """The command line on a running scheduler, given by its address (as in production)."""
    from plansearch import write_jsonl
    from plansearch.cli import main

    src = tmp_path / "secs.jsonl"
    write_jsonl([s for p in plans[:2] for s in p.sections], src)
    out = tmp_path / "links.csv"
    args = ["align", str(src), "--embedder", SPEC, "--against", "national", "--k", "2"]
    address = dask_client.scheduler.address
    cli = [*args, "--cluster", address, "--out", str(out), "--shard-size", "10"]
    assert main(cli) == 2  # a scheduler address needs TLS, or --insecure
    assert "TLS" in capsys.readouterr().err
    assert main([*cli, "--insecure"]) == 0
    assert "shards computed" in capsys.readouterr().out
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    want = align_corpus(plans[:2], ["national"], SPEC, work_dir=tmp_path / "w", k=2)
    assert [r["target_id"] for r in rows] == [r["target_id"] for r in want.to_records()]
    assert (tmp_path / "links.csv.shards" / "align-000000.npz").is_file()
    o = str(out)
    bad = [
        ["--cluster", "tcp://127.0.0.1:9", "--insecure", "--connect-timeout", "2", "--out", o],
        ["--cluster", "local:0", "--out", str(out)],
        ["--cluster", "local:1", "--out", str(tmp_path / "x.html")],
        ["--cluster", "local:1"],
    ]
    for extra in bad:
        assert main([*args, *extra]) == 2, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
    assert (
        main([*args[:4], "--against", "province", "--cluster", "local:1", "--out", str(out)]) == 2
    )
    assert "province" in capsys.readouterr().err
