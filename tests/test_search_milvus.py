"""The Milvus store (``SearchIndex.create/open``) against the local FAISS index, on Milvus Lite.

Milvus Lite is started by the tests themselves (a ``.db`` file in a temporary folder);
the whole module is skipped, with the reason, only when pymilvus / milvus-lite cannot
be imported. The corpus is the 250 seed sections (``corpus/sections.jsonl``) with the
hashing embedder, so the module runs in seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip(
    "pymilvus", reason="pymilvus is not installed: pip install 'plansearch[milvus]'"
)
pytest.importorskip(
    "milvus_lite", reason="milvus-lite is not installed: pip install 'plansearch[milvus]'"
)

from plansearch import HashingEmbedder, PlanIndex, Section
from plansearch.errors import (
    EmbedderMismatchError,
    IndexNotFoundError,
    InputError,
    VectorStoreError,
)
from plansearch.search import SearchIndex
from plansearch.search.similar import similar_goals
from plansearch.search.stores import milvus_schema as mv
from plansearch.search.stores.milvus import MilvusStore
from plansearch.search.topics import pool_size
from plansearch.sections import read_jsonl

SEED = Path(__file__).resolve().parent.parent / "corpus" / "sections.jsonl"
DIM = 128
QUERIES = (
    "น้ำประปาหมู่บ้าน",
    "ก่อสร้างถนนคอนกรีตเสริมเหล็ก",
    "ส่งเสริมอาชีพผู้สูงอายุ",
    "การจัดการขยะมูลฝอย",
    "พัฒนาแหล่งน้ำเพื่อการเกษตร",
    "ส่งเสริมการท่องเที่ยว",
)
WHERES = (
    None,
    {"org": "อบต.โขมง"},
    {"province": ["จ.จันทบุรี", "ขอนแก่น"]},
    {"kind": ["goal", "tactic"], "level": "local"},
    {"org": ["องค์การบริหารส่วนตำบลหนองฮาง", "อบต.จอมทอง"], "kind": "tactic"},
)


@pytest.fixture(scope="module")
def seed() -> list[Section]:
    return read_jsonl(SEED)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("milvus") / "plans.db")


@pytest.fixture(scope="module")
def faiss_index(seed: list[Section]) -> PlanIndex:
    return PlanIndex.build(seed, embedder=HashingEmbedder(DIM), show_progress=False)


@pytest.fixture(scope="module")
def milvus_index(db: str, seed: list[Section]) -> SearchIndex:
    return SearchIndex.build(seed, HashingEmbedder(DIM), uri=db, name="seed", show_progress=False)


def assert_same_ranking(a: list, b: list, *, rel: float = 1e-4) -> None:
    """Same length, same scores position by position, and the same ids except where
    scores tie (tied hits may come in either order; a tie across the cut may differ)."""
    assert len(a) == len(b)
    sa = [h.score for h in a]
    sb = [h.score for h in b]
    assert sb == pytest.approx(sa, rel=rel, abs=1e-6)
    tol = 1e-5 * max(1.0, max(map(abs, sa), default=1.0))
    groups: dict[int, tuple[set[str], set[str]]] = {}
    g = 0
    for i, (ha, hb) in enumerate(zip(a, b, strict=True)):
        if i and abs(sa[i] - sa[i - 1]) > tol:
            g += 1
        ids = groups.setdefault(g, (set(), set()))
        ids[0].add(ha.section.id)
        ids[1].add(hb.section.id)
    last = max(groups, default=-1)
    for key, (ia, ib) in groups.items():
        if key != last:
            assert ia == ib


def same_pool(fa: PlanIndex, mi: SearchIndex, q: str, where, mode: str) -> bool:
    """Whether both stores gather the same candidates for a re-ranking; where not,
    they may differ only among candidates tied with the last one (the local store
    breaks a tie by row, Milvus by section id: hashing vectors tie often)."""
    pa = fa.search(q, k=pool_size(5), where=where, mode=mode, topics=None)
    pb = mi.search(q, k=pool_size(5), where=where, mode=mode, topics=None)
    a = {h.section.id: h.score for h in pa}
    b = {h.section.id: h.score for h in pb}
    if a.keys() == b.keys():
        return True
    cut = min(h.score for h in pa)
    assert all(abs(a.get(i, b.get(i, 0.0)) - cut) <= 1e-6 for i in a.keys() ^ b.keys())
    return False


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_search_and_filters_equal_faiss(
    faiss_index: PlanIndex, milvus_index: SearchIndex, mode: str
) -> None:
    for q in QUERIES:
        for where in WHERES:
            a = faiss_index.search(q, k=10, where=where, mode=mode, topics=None)
            b = milvus_index.search(q, k=10, where=where, mode=mode, topics=None)
            assert_same_ranking(a, b)
            a = faiss_index.search(q, k=5, where=where, mode=mode)  # service-area re-ranking
            b = milvus_index.search(q, k=5, where=where, mode=mode)
            if not same_pool(faiss_index, milvus_index, q, where, mode):
                continue  # the stores cut a tie differently: another pool to re-rank
            assert_same_ranking(a, b)
            assert [h.topic for h in b] == pytest.approx([h.topic for h in a], abs=1e-5)
            for h in b:  # components are reported as in PlanIndex
                assert (h.dense is None) == (mode == "lexical") or mode == "hybrid"


def test_filters_are_applied_inside_the_search(milvus_index: SearchIndex) -> None:
    where = {"org": "อบต.โขมง", "kind": "goal"}
    hits = milvus_index.search("น้ำ", k=10, where=where, mode="dense", relevance=None)
    assert len(hits) == 10
    assert {(h.section.org, h.section.kind) for h in hits} == {("องค์การบริหารส่วนตำบลโขมง", "goal")}
    with pytest.raises(InputError):
        milvus_index.search("น้ำ", where={"kind": "nonsense"})
    with pytest.raises(InputError):
        milvus_index.search("น้ำ", where={"colour": "red"})
    with pytest.raises(InputError):
        milvus_index.search("   ")


def test_dense_recall_at_10_against_exact(
    faiss_index: PlanIndex, milvus_index: SearchIndex
) -> None:
    vecs = faiss_index.vectors_for()
    ids = [s.id for s in faiss_index.sections]
    emb = faiss_index.embedder
    found = 0
    for q in QUERIES:
        qv = emb.encode([q], kind="query")[0]
        exact = {ids[i] for i in np.argsort(-(vecs @ qv), kind="stable")[:10]}
        got = milvus_index.search(q, k=10, mode="dense", vector=qv, topics=None)
        found += len(exact & {h.section.id for h in got})
    assert found / (10 * len(QUERIES)) >= 0.95
    some = ids[:7]
    assert np.allclose(milvus_index.vectors_for(some), faiss_index.vectors_for(some), atol=1e-6)


def test_similar_goals_equal_faiss(faiss_index: PlanIndex, milvus_index: SearchIndex) -> None:
    for q in QUERIES[:3]:
        for topics in (None, "services"):
            a = similar_goals(faiss_index, q, k=5, exclude_org="อบต.โขมง", topics=topics)
            b = similar_goals(milvus_index, q, k=5, exclude_org="อบต.โขมง", topics=topics)
            assert [h.score for h in b.hits] == pytest.approx([h.score for h in a.hits], rel=1e-4)
            assert {h.section.id for h in b.hits[:3]} <= {h.section.id for h in a.hits}
            assert all(h.section.org != "องค์การบริหารส่วนตำบลโขมง" for h in b.hits)
    assert milvus_index.values("org") == sorted(v for v in faiss_index.values("org") if v)
    assert sorted(s.id for s in milvus_index.sections) == sorted(s.id for s in faiss_index.sections)


def test_copy_a_local_index_into_milvus(db: str, faiss_index: PlanIndex) -> None:
    """``from_index`` copies the stored vectors (nothing embedded again)."""
    copy = SearchIndex.from_index(faiss_index, uri=db, name="copy")
    assert len(copy) == len(faiss_index)
    for q in QUERIES[:3]:
        assert_same_ranking(faiss_index.search(q, k=10), copy.search(q, k=10))
    some = [s.id for s in faiss_index.sections[:5]]
    np.testing.assert_array_equal(copy.vectors_for(some), faiss_index.vectors_for(some))


def test_delete_and_add_plan_keep_bm25_fresh(db: str, seed: list[Section]) -> None:
    emb = HashingEmbedder(DIM)
    plan = seed[0].source
    assert plan
    rest = [s for s in seed if s.source != plan]
    store = SearchIndex.build(seed, emb, uri=db, name="grow", show_progress=False)
    assert store.delete_plan(plan) == len(seed) - len(rest)
    assert len(store) == len(rest)
    fresh = SearchIndex.build(rest, emb, uri=db, name="fresh", show_progress=False)
    faiss_rest = PlanIndex.build(rest, embedder=emb, show_progress=False)
    for q in QUERIES:
        a = store.search(q, k=10, mode="lexical", topics=None)
        b = fresh.search(q, k=10, mode="lexical", topics=None)
        assert [(h.section.id, round(h.score, 6)) for h in a] == [
            (h.section.id, round(h.score, 6)) for h in b
        ]
        assert_same_ranking(faiss_rest.search(q, k=10, mode="hybrid"), store.search(q, k=10))
    assert all(h.section.source != plan for h in store.search("น้ำ", k=50, mode="lexical"))
    # adding the plan back gives the scores of a build of everything
    store.add([s for s in seed if s.source == plan])
    full = PlanIndex.build(seed, embedder=emb, show_progress=False)
    for q in QUERIES[:3]:
        assert_same_ranking(
            full.search(q, k=10, mode="lexical"), store.search(q, k=10, mode="lexical")
        )
    # replacing a section (same id, new text) keeps the statistics exact
    changed = seed[5].with_(text="ขุดลอกคลองส่งน้ำเพื่อการเกษตร", title="ขุดลอกคลอง")
    store.add([changed])
    rows = store.store
    assert isinstance(rows, MilvusStore)
    before = (
        rows.stats(),
        rows.document_frequencies(sorted({mv.term_id(t) for t in ("คลอง", "น้ำ")})),
    )
    rows.recount()
    after = rows.stats(), rows.document_frequencies(sorted({mv.term_id(t) for t in ("คลอง", "น้ำ")}))
    assert before == after
    assert store.get(changed.id) == changed
    assert store.delete([changed.id, "no-such-id"]) == 1
    assert changed.id not in store and len(store) == len(seed) - 1


def test_filter_values_are_escaped(db: str) -> None:
    emb = HashingEmbedder(DIM)
    odd = 'อบต."ทดสอบ" \\ หนึ่ง'
    secs = [
        Section.from_text("ขยายเขตน้ำประปา", org=odd, source="a.txt"),
        Section.from_text("ขยายเขตน้ำประปา หมู่ที่ 2", org="อบต.สอง", source="b.txt"),
    ]
    store = SearchIndex.build(secs, emb, uri=db, name="escape", show_progress=False)
    assert [h.section.org for h in store.search("น้ำประปา", where={"org": odd})] == [odd]
    for attack in ('x" or org != "', "x' or org != '", 'x"] or org != ["', "\\", '"'):
        assert store.search("น้ำประปา", where={"org": attack}) == []
    assert mv.where_expression({"org": frozenset(['a"b'])}) == '(org in ["a\\"b"])'
    with pytest.raises(InputError):
        mv.literal("a\x00b")


def test_reopen_and_embedder_mismatch(db: str, milvus_index: SearchIndex) -> None:
    again = SearchIndex.open(db, "seed")  # hashing embedder restored from the manifest
    assert len(again) == len(milvus_index)
    assert [h.section.id for h in again.search("ถนน", k=3)] == [
        h.section.id for h in milvus_index.search("ถนน", k=3)
    ]
    with pytest.raises(EmbedderMismatchError, match="seed"):
        SearchIndex.open(db, "seed", HashingEmbedder(DIM * 2))
    with pytest.raises(IndexNotFoundError):
        SearchIndex.open(db, "nothing-here")
    with pytest.raises(InputError):
        SearchIndex.create(db, "seed", HashingEmbedder(DIM))  # exists: no silent drop


@pytest.mark.parametrize(
    "uri",
    ["", "ftp://example.org/x", "/no/such/folder/plans.db", "plans.txt", "http://"],
)
def test_bad_uri_is_one_named_error(uri: str, tmp_path: Path) -> None:
    with pytest.raises(VectorStoreError):
        SearchIndex.open(uri, "seed", HashingEmbedder(DIM))
    with pytest.raises(VectorStoreError):
        SearchIndex.create(tmp_path, "seed", HashingEmbedder(DIM))  # not *.db


def test_unreachable_server_is_a_named_error() -> None:
    with pytest.raises(VectorStoreError, match=r"127\.0\.0\.1"):
        mv.connect("http://127.0.0.1:9", timeout=2)


def test_collection_names() -> None:
    assert mv.collection_name("default") == "plansearch_default"
    a, b = mv.collection_name("ดัชนี-ก"), mv.collection_name("ดัชนี-ข")
    assert a != b and all(c.isascii() and (c.isalnum() or c == "_") for c in a)
    with pytest.raises(InputError):
        mv.collection_name("  ")


def test_cli_index_store_milvus(db: str) -> None:
    from plansearch.cli import main

    rc = main(
        ["index", str(SEED), "--store", "milvus", "--uri", db, "--name", "cli",
         "--embedder", f"hashing:{DIM}", "-q"]
    )  # fmt: skip
    assert rc == 0
    store = SearchIndex.open(db, "cli")
    assert len(store) == 250
    assert store.search("น้ำประปา", k=1)


def test_one_way_to_milvus_adds_replaces_and_reopens(
    db: str, seed: list[Section], tmp_path: Path
) -> None:
    """Milvus is used one way (the whole index in the database): added in parts, a
    section replaced, reopened — the same results as FAISS; the retired vectors-only
    "milvus" dense backend is refused with a clear error."""
    emb = HashingEmbedder(DIM)
    idx = SearchIndex.create(db, "parts", emb)
    idx.add(seed[:200])
    idx.add(seed[200:])
    idx.add([seed[3].with_(text="ซ่อมแซมถนนลูกรังภายในหมู่บ้าน")])  # replace: same id
    faiss_idx = PlanIndex.build([*seed, seed[3].with_(text="ซ่อมแซมถนนลูกรังภายในหมู่บ้าน")], emb)
    assert idx.backend == "milvus" and len(idx) == len(seed)
    for q in QUERIES[:3]:
        for where in WHERES[:3]:
            for mode in ("dense", "hybrid"):
                a = faiss_idx.search(q, k=10, where=where, mode=mode)
                assert_same_ranking(a, idx.search(q, k=10, where=where, mode=mode))
    again = SearchIndex.open(db, "parts", emb)
    assert again.backend == "milvus"
    assert_same_ranking(idx.search("ถนน", k=5), again.search("ถนน", k=5))
    assert np.allclose(again.vectors_for([seed[3].id]), faiss_idx.vectors_for([seed[3].id]))
    with pytest.raises(VectorStoreError):
        SearchIndex.create("nowhere.txt", "x", emb)
    with pytest.raises(InputError, match="nothing to save"):
        idx.save(tmp_path / "x")
    with pytest.raises(InputError, match="dense backend 'milvus'"):
        PlanIndex(emb, backend="milvus")


def test_service_area_vectors_are_kept_in_milvus(db: str, seed: list[Section]) -> None:
    """The area vectors a Milvus index re-ranks with are stored with it: a reopened
    index (another process) uses them, not a new embedding of the descriptions."""
    emb = HashingEmbedder(DIM)
    idx = SearchIndex.build(seed[:40], emb, uri=db, name="areas", show_progress=False)
    kept = idx.store.topic_vectors()["services"]
    assert kept.vectors.shape[1] == DIM
    again = SearchIndex.open(db, "areas", emb)
    assert again.store.topic_vectors()["services"].digest == kept.digest
    assert np.array_equal(again.profiler("services").area_vectors, kept.vectors)
    a = idx.search("น้ำประปาหมู่บ้าน", k=5)
    b = again.search("น้ำประปาหมู่บ้าน", k=5)
    assert [(h.section.id, h.score, h.topic) for h in a] == [
        (h.section.id, h.score, h.topic) for h in b
    ]
