"""Lexical search side by side: plansearch BM25 vs bm25s vs rank_bm25, same Thai tokens.

    python benchmarks/bench_lexical.py --sizes 100000,1000000

Documents are synthetic national-corpus sections (``synthetic_corpus.py``),
segmented ONCE with ``plansearch.search.bm25.tokenize`` (PyThaiNLP newmm +
compound parts); every engine gets the same token lists, so segmentation time is
excluded from indexing (it is printed separately, measured on distinct texts).
Queries: 200 token lists, half short user queries (keyword phrases), half
section texts of another synthetic seed ("find similar"). All engines use
k1 = 1.5, b = 0.75 (bm25s with its ``lucene`` method, the same idf as plansearch).

Prints per size and engine: indexing docs/s, single-query queries/s (one call per
query, top 10), batch queries/s where the engine has a batch call, and ``same``:
the share of queries whose top-10 scores equal plansearch's (documents with equal
scores may come back in another order; bm25s counts a repeated query word twice).
rank_bm25 scores every document in Python-level numpy
per query term, so its queries are timed on a small sample (``--rank-queries``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from synthetic_corpus import iter_sections

from plansearch.search.bm25 import K1, B, tokenize
from plansearch.search.lexical import BM25Index

SHORT_QUERIES = (
    "น้ำประปาหมู่บ้าน", "ถนนคอนกรีต", "ผู้สูงอายุ", "ขยะ", "ศูนย์พัฒนาเด็กเล็ก",
    "ไฟฟ้าส่องสว่าง", "ไข้เลือดออก", "ท่องเที่ยวเชิงเกษตร", "บ่อบาดาลเพื่อการเกษตร",
    "ยาเสพติด", "กล้องวงจรปิด", "อาชีพกลุ่มสตรี", "ประเพณีลอยกระทง", "รางระบายน้ำ",
    "ฝายชะลอน้ำ", "เบี้ยยังชีพผู้พิการ", "ภาษีและทะเบียนทรัพย์สิน", "ปลูกป่า",
    "การศึกษาเยาวชน", "สาธารณภัย",
)  # fmt: skip


def segment(texts: list[str]) -> tuple[list[list[str]], float]:
    """Token lists for ``texts`` (distinct texts segmented once) and segmentation docs/s."""
    cache: dict[str, list[str]] = {}
    t = time.perf_counter()
    out = []
    for s in texts:
        toks = cache.get(s)
        if toks is None:
            toks = cache[s] = tokenize(s)
        out.append(toks)
    dt = time.perf_counter() - t
    return out, len(cache) / dt


def queries(n: int) -> list[list[str]]:
    half = n // 2
    short = [tokenize(SHORT_QUERIES[i % len(SHORT_QUERIES)]) for i in range(half)]
    long = [tokenize(s.text) for s in iter_sections(n - half, seed=99)]
    return short + long


def qps(fn, qs: list[list[str]]) -> tuple[float, list[np.ndarray]]:
    fn(qs[0])
    t = time.perf_counter()
    res = [fn(q) for q in qs]
    return len(qs) / (time.perf_counter() - t), res


def same_scores(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """Share of queries whose top-10 *scores* agree (ids differ only among ties)."""
    ok = [len(x) == len(y) and np.allclose(x, y, rtol=1e-4) for x, y in zip(a, b, strict=True)]
    return float(np.mean(ok))


def row(
    n: int,
    engine: str,
    idx_dps: float,
    q_qps: float,
    b_qps: float | None,
    agree: float | None,
    note: str = "",
) -> dict:
    bq = f"{b_qps:9.0f}" if b_qps else f"{'-':>9}"
    ag = f"{agree:6.3f}" if agree is not None else f"{'-':>6}"
    print(f"{n:>8} {engine:<11} {idx_dps:10.0f} {q_qps:9.1f} {bq} {ag}  {note}", flush=True)
    return {
        "n": n,
        "engine": engine,
        "index_docs_s": idx_dps,
        "query_qps": q_qps,
        "batch_qps": b_qps,
        "top10_agreement": agree,
        "note": note,
    }


def run_size(n: int, qs: list[list[str]], a: argparse.Namespace) -> list[dict]:
    m = min(n, a.segment_max)
    texts = [s.text for s in iter_sections(m, seed=0)]
    docs, seg_dps = segment(texts)
    del texts
    if n > m:  # segmenting 1M texts takes ~10 min on 2 cores: cycle the segmented ones
        docs = [docs[i % m] for i in range(n)]
    print(
        f"{n:>8} segmentation (newmm + compound parts): {seg_dps:,.0f} distinct docs/s "
        f"(excluded below){f'; {m} sections segmented, cycled to {n}' if n > m else ''}",
        flush=True,
    )
    rows: list[dict] = []

    t = time.perf_counter()
    ps = BM25Index()
    ps.add_tokens(docs)
    ps._weight_matrix()  # the precomputed BM25 weights are part of indexing
    ps_dps = n / (time.perf_counter() - t)
    # plansearch keeps Robertson's (k1 + 1) factor; bm25s' lucene scores are that / (k1 + 1)
    ps_q, ps_res = qps(lambda q: ps.search(q, 10)[1] / (K1 + 1), qs)
    rows.append(row(n, "plansearch", ps_dps, ps_q, None, 1.0))
    ps = BM25Index()  # free the big one before bm25s builds
    gc.collect()

    import bm25s

    t = time.perf_counter()
    bm = bm25s.BM25(k1=K1, b=B, method="lucene")
    bm.index(docs, show_progress=False)
    bm_dps = n / (time.perf_counter() - t)

    def bm_one(q: list[str]) -> np.ndarray:
        _, sc = bm.retrieve([q], k=10, show_progress=False, n_threads=1)
        return sc[0][sc[0] > 0]

    bm_q, bm_res = qps(bm_one, qs)
    t = time.perf_counter()
    bm.retrieve(qs, k=10, show_progress=False, n_threads=2)
    bm_b = len(qs) / (time.perf_counter() - t)
    # queries with a repeated word score differently (bm25s counts it twice)
    rows.append(
        row(
            n,
            "bm25s",
            bm_dps,
            bm_q,
            bm_b,
            same_scores(bm_res, ps_res),
            "batch: retrieve(all queries, n_threads=2)",
        )
    )
    bm = None
    gc.collect()

    if n <= a.rank_max:
        from rank_bm25 import BM25Okapi

        t = time.perf_counter()
        rb = BM25Okapi(docs, k1=K1, b=B)
        rb_dps = n / (time.perf_counter() - t)
        sample = qs[: a.rank_queries // 2] + qs[len(qs) // 2 : len(qs) // 2 + a.rank_queries // 2]

        def rb_one(q: list[str]) -> np.ndarray:
            s = rb.get_scores(q)
            top = np.argpartition(-s, 9)[:10]
            return top[np.argsort(-s[top])]

        rb_q, _ = qps(rb_one, sample)
        rows.append(
            row(
                n,
                "rank_bm25",
                rb_dps,
                rb_q,
                None,
                None,
                f"queries timed on {len(sample)}; its idf differs (epsilon floor)",
            )
        )
        del rb
    else:
        print(f"{n:>8} rank_bm25   skipped above --rank-max {a.rank_max}", flush=True)
    gc.collect()
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rank-queries", type=int, default=20)
    ap.add_argument("--rank-max", type=int, default=1_000_000)
    ap.add_argument(
        "--segment-max",
        type=int,
        default=200_000,
        help="segment at most this many sections; larger sizes cycle them",
    )
    a = ap.parse_args(argv)
    qs = queries(a.queries)
    print(
        f"{'n':>8} {'engine':<11} {'index d/s':>10} {'query q/s':>9} {'batch q/s':>9} {'same':>6}"
    )
    rows: list[dict] = []
    for n in (int(s) for s in a.sizes.split(",")):
        rows += run_size(n, qs, a)
    return rows


if __name__ == "__main__":
    main()
