"""Milvus Lite vs FAISS (``PlanIndex``) on synthetic national sections.

    python benchmarks/bench_milvus.py --n 100000 [--queries 100] [--workdir DIR [--reuse]]

Sections: :func:`synthetic_corpus.generate` (seed 0). Vectors: the hashing embedder
(``HashingEmbedder(dim)``: character n-gram hashes of the real text, not a neural
model, so the build measures the stores, not the model); both stores embed and
tokenise the same texts, so their build times include the same embedding time
(printed separately). Queries: texts of ``--queries`` further synthetic sections
(not in the index).

Printed per store: build seconds, single-query latency p50/p99 (ms) for dense,
lexical (BM25), hybrid and hybrid filtered by province, dense recall@10 against
exact inner-product search (numpy over all vectors; ties counted), the share of
ranks 1-10 where Milvus and FAISS give the same lexical / hybrid score, and disk
bytes. One Python process, 1 BLAS thread.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_corpus import generate

from plansearch import HashingEmbedder, PlanIndex
from plansearch.search import SearchIndex


def du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, p))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    ap.add_argument("--reuse", action="store_true", help="query the indexes in --workdir again")
    a = ap.parse_args(argv)
    if a.reuse and a.workdir is None:
        ap.error("--reuse needs --workdir (the folder of an earlier run)")

    work = Path(a.workdir or tempfile.mkdtemp(prefix="bench_milvus_"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    every = generate(a.n + a.queries, seed=0)
    sections, held = every[: a.n], every[a.n :]
    print(f"{a.n} synthetic sections generated in {time.perf_counter() - t:.1f}s", flush=True)
    emb = HashingEmbedder(a.dim)
    t = time.perf_counter()
    emb.encode([s.content for s in sections[:10_000]], kind="passage")
    embed_10k = time.perf_counter() - t
    print(f"hashing embedder: {embed_10k:.1f}s per 10k sections", flush=True)

    uri = str(work / "plans.db")
    if a.reuse:  # query an earlier run's indexes again (build times: see that run)
        faiss_index = PlanIndex.load(work / "faiss", emb)
        faiss_dir, faiss_build = work / "faiss", float("nan")
        store = SearchIndex.open(uri, "bench", emb)
        milvus_build = float("nan")
        assert len(faiss_index) == len(store) == a.n
    else:
        t = time.perf_counter()
        faiss_index = PlanIndex.build(sections, embedder=emb, show_progress=False)
        faiss_build = time.perf_counter() - t
        faiss_dir = faiss_index.save(work / "faiss")
        print(f"FAISS ({faiss_index.dense_type}) built in {faiss_build:.1f}s", flush=True)
        t = time.perf_counter()
        store = SearchIndex.build(sections, emb, uri=uri, name="bench", show_progress=False)
        milvus_build = time.perf_counter() - t
        print(f"Milvus Lite built in {milvus_build:.1f}s", flush=True)

    queries = [s.content for s in held]
    provinces = [s.province for s in held]
    # exact vectors (above 50k FAISS keeps 8-bit codes: its vectors_for is approximate)
    vecs = emb.encode([s.content for s in sections], kind="passage")
    qvecs = emb.encode(queries, kind="query")
    # recall with ties: a hit counts when its cosine reaches the exact 10th best
    # (the synthetic corpus repeats template texts, so equal vectors are common)
    kth = [float(np.sort(vecs @ q)[-10]) for q in qvecs]
    pos = {s.id: i for i, s in enumerate(faiss_index.sections)}

    results: dict[str, dict[str, float]] = {}
    for label, idx in (("faiss", faiss_index), ("milvus-lite", store)):
        row: dict[str, float] = {}
        found = 0
        runs = (("dense", False), ("lexical", False), ("hybrid", False), ("hybrid", True))
        for mode, filtered in runs:
            times = []
            for i, (q, qv) in enumerate(zip(queries, qvecs, strict=True)):
                where = {"province": provinces[i]} if filtered else None
                t = time.perf_counter()
                hits = idx.search(q, k=10, mode=mode, where=where, vector=qv, topics=None)
                times.append(time.perf_counter() - t)
                if mode == "dense":
                    cos = vecs[[pos[h.section.id] for h in hits]] @ qv
                    found += int((cos >= kth[i] - 1e-5).sum())
            key = f"{mode}{'+filter' if filtered else ''}"
            row[f"{key} p50"] = pct(times, 50)
            row[f"{key} p99"] = pct(times, 99)
        row["recall@10"] = found / (10 * len(queries))
        results[label] = row

    # agreement: the share of ranks 1-10 where both stores give the same score (ids may
    # differ only among tied scores: FAISS breaks ties by row, Milvus by id), and the
    # share of top-10 ids both return (IVF-SQ8 dense scores are quantised, so hybrid
    # scores differ slightly once FAISS is approximate, above 50k sections)
    overlap, shared = {}, {}
    for mode in ("lexical", "hybrid"):
        same = total = common = 0
        for q, qv in zip(queries, qvecs, strict=True):
            ha = faiss_index.search(q, k=10, mode=mode, vector=qv, topics=None)
            hb = store.search(q, k=10, mode=mode, vector=qv, topics=None)
            sa, sb = [h.score for h in ha], [h.score for h in hb]
            total += max(len(sa), len(sb))
            same += sum(abs(x - y) <= 1e-4 * max(1.0, abs(x)) for x, y in zip(sa, sb, strict=False))
            common += len({h.section.id for h in ha} & {h.section.id for h in hb})
        overlap[mode] = same / max(total, 1)
        shared[mode] = common / max(total, 1)
    store.close()

    disk = {"faiss": du(Path(faiss_dir)), "milvus-lite": du(Path(uri))}
    build = {"faiss": faiss_build, "milvus-lite": milvus_build}
    print()
    print(f"n={a.n}, dim={a.dim}, {len(queries)} queries, k=10, hashing embedder")
    cols = ["build s", "recall@10", "disk MB"] + [c for c in results["faiss"] if " p" in c]
    print("| store | " + " | ".join(cols) + " |")
    print("|" + "---|" * (len(cols) + 1))
    for label, row in results.items():
        cells = [f"{build[label]:.1f}", f"{row['recall@10']:.3f}", f"{disk[label] / 1e6:.1f}"]
        cells += [f"{row[c]:.1f}" for c in cols[3:]]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(
        f"same score at ranks 1-10, Milvus vs FAISS: lexical {overlap['lexical']:.3f}, "
        f"hybrid {overlap['hybrid']:.3f}; same ids in the top 10: lexical "
        f"{shared['lexical']:.3f}, hybrid {shared['hybrid']:.3f}"
    )
    if a.workdir is None:  # --reuse needs --workdir
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
