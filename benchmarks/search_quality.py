"""Search quality on short planner queries: does re-ranking by service area help?

    python benchmarks/search_quality.py [--embedder default|hashing] [--dev PATH]

A **development measurement** (issue 9, "Search uses the same knowledge"). The corpus
is the 148 statements of ``/work/shared/eval/dev_alignment.jsonl``, indexed as
sections; the queries are ``benchmarks/data/search_queries.jsonl`` — 40 short queries
(2–5 words) a planner would type, written blind (committed before anything was run)
with the dev ``topic`` codes each one asks for. A returned statement is relevant when
its dev ``topic`` is one of the query's codes. The labels are only read to score.

Results stop where relevance ends (:data:`plansearch.search.index.RELEVANCE_FLOOR`),
so a query may return fewer than 5; the table also says how many hits come back at
k=10 with and without that floor, and how many of them are relevant.

Prints P@5 and nDCG@5 (binary gain, ideal = min(5, relevant statements)) for dense,
lexical and hybrid search, each without and with ``topics="services"`` re-ranking, and
an **exact-phrase check**: each statement's own text as the query, hit@1 and MRR@10 of
that statement (a re-ranking must not push a verbatim match down), and the latency
the re-ranking adds. Vectors of the real
model are cached under ``benchmarks/out`` or ``--cache`` (``align_eval.CachedEmbedder``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from plansearch import HashingEmbedder, PlanIndex, Section
from plansearch.search.index import RELEVANCE_FLOOR

DEV = Path("/work/shared/eval/dev_alignment.jsonl")
QUERIES = Path(__file__).resolve().parent / "data" / "search_queries.jsonl"
RESULTS = Path(__file__).resolve().parent / "results" / "search_quality.txt"
MODES = ("dense", "lexical", "hybrid")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ndcg_at_5(rel: list[bool], n_relevant: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:5]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(5, n_relevant)))
    return dcg / ideal if ideal else 0.0


def query_metrics(index: PlanIndex, queries: list[dict], topic: dict[str, str], **kw) -> dict:
    p5, nd, per = [], [], []
    for q in queries:
        want = set(q["topics"])
        hits = index.search(q["query"], k=5, **kw)
        rel = [topic[h.section.id] in want for h in hits]
        n_rel = sum(t in want for t in topic.values())
        p5.append(sum(rel) / 5)
        nd.append(ndcg_at_5(rel, n_rel))
        per.append((q["id"], q["query"], sum(rel), [topic[h.section.id] for h in hits]))
    return {"p5": float(np.mean(p5)), "ndcg5": float(np.mean(nd)), "per": per}


def exact_metrics(index: PlanIndex, rows: list[dict], **kw) -> dict:
    h1, rr = [], []
    for r in rows:
        ids = [h.section.id for h in index.search(r["text"], k=10, **kw)]
        rank = ids.index(r["id"]) + 1 if r["id"] in ids else 0
        h1.append(rank == 1)
        rr.append(1.0 / rank if rank else 0.0)
    return {"hit1": float(np.mean(h1)), "mrr10": float(np.mean(rr))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="default", help="default (e5, cached) | hashing")
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--out", type=Path, default=None, help=f"write the table (e.g. {RESULTS})")
    ap.add_argument("--cache", type=Path, default=None, help="vector cache (benchmarks/out)")
    ap.add_argument("--per-query", action="store_true", help="print each query's hits")
    a = ap.parse_args(argv)
    rows, queries = read_jsonl(a.dev), read_jsonl(a.queries)
    if a.embedder == "hashing":
        emb = HashingEmbedder(384)
    else:
        import align_eval as ae

        from plansearch import Embedder

        inner = Embedder() if a.embedder == "default" else Embedder(a.embedder)
        emb = ae.CachedEmbedder(inner, a.cache or ae.CACHE_DIR)
    t0 = time.perf_counter()
    secs = [Section.from_text(r["text"], org=r["org"], id=r["id"]) for r in rows]
    index = PlanIndex.build(secs, embedder=emb)
    topic = {r["id"]: r["topic"] for r in rows}
    lines = [
        f"search quality (dev measurement): {len(queries)} blind short queries over "
        f"{len(rows)} dev statements; embedder {getattr(emb, 'name', emb)}",
        f"{'mode':<10} {'re-rank':<9} {'P@5':>6} {'nDCG@5':>7} {'exact hit@1':>12} {'MRR@10':>7}",
    ]
    per_query: dict[str, list] = {}
    for mode in MODES:
        for topics in (None, "services"):
            m = query_metrics(index, queries, topic, mode=mode, topics=topics)
            e = exact_metrics(index, rows, mode=mode, topics=topics)
            tag = topics or "-"
            per_query[f"{mode}/{tag}"] = m["per"]
            lines.append(
                f"{mode:<10} {tag:<9} {m['p5']:>6.3f} {m['ndcg5']:>7.3f} "
                f"{e['hit1']:>12.3f} {e['mrr10']:>7.3f}"
            )
    for topics in (None, "services"):
        ms = []
        for q in queries * 3:
            t = time.perf_counter()
            index.search(q["query"], k=10, topics=topics)
            ms.append(1000 * (time.perf_counter() - t))
        lines.append(
            f"hybrid k=10 re-rank {topics or '-'}: p50 {np.median(ms):.1f} ms per query "
            "(query vectors cached: the search and re-ranking alone)"
        )
    for mode in ("dense", "hybrid"):
        for floor in (None, RELEVANCE_FLOOR):
            got = [
                [
                    topic[h.section.id] in set(q["topics"])
                    for h in index.search(q["query"], k=10, mode=mode, relevance=floor)
                ]
                for q in queries
            ]
            lines.append(
                f"{mode} services k=10 relevance floor {floor or '-'}: "
                f"{np.mean([len(g) for g in got]):.1f} hits per query, "
                f"precision of those returned {np.mean([sum(g) / max(1, len(g)) for g in got]):.2f}"
            )
    lines.append(f"({time.perf_counter() - t0:.0f} s in all)")
    if hasattr(emb, "save"):
        emb.save()
    if a.per_query:
        for name, per in per_query.items():
            lines.append(f"-- {name}")
            lines.extend(f"  {i} {q}: {n}/5 {ts}" for i, q, n, ts in per)
    text = "\n".join(lines)
    print(text)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
