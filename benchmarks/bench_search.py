"""Search benchmark: build time, query latency per mode, similar-goal precision@5.

    python benchmarks/bench_search.py --embedder hashing|default [--dev PATH]

Data: ``/work/shared/eval/dev_alignment.jsonl`` (148 statements of 5 organisations,
each with a service ``topic``). Every statement is indexed as a Section; for each one
we search the index *with a filter to the other organisations* (``where={"org": […]}``)
and count how many of the top 5 share its topic (precision@5). The labels are only
read to score results, never to build the index.

Prints: index build time, query latency p50/p99 (ms, one query at a time, query
embedding included) per mode and for ``similar_goals``, each with and without the
service-area re-ranking, and precision@5 of the plain search modes: dense, lexical and
hybrid with RRF and with weighted score fusion at several dense weights (all with
``topics=None``), and hybrid with the service-area re-ranking that ``PlanIndex.search``
applies by default (``benchmarks/quality.py`` gives ``similar_goals``'s own precision;
``benchmarks/search_quality.py`` short planner queries).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent))

from plansearch import HashingEmbedder, ModelError, PlanIndex, Section, similar_goals
from plansearch.search import fusion

DEV = Path("/work/shared/eval/dev_alignment.jsonl")


def load_dev(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def precision_at_5(index: PlanIndex, rows: list[dict], sections: list[Section], **kw) -> float:
    orgs = sorted({r["org"] for r in rows})
    topic = {s.id: r["topic"] for s, r in zip(sections, rows, strict=True)}
    precs = []
    for s, r in zip(sections, rows, strict=True):
        others = [o for o in orgs if o != r["org"]]
        hits = index.search(s, k=5, where={"org": others}, **{"topics": None, **kw})
        precs.append(sum(topic[h.section.id] == r["topic"] for h in hits) / 5)
    return float(np.mean(precs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="hashing", help="hashing | default | model path")
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--repeat", type=int, default=3, help="latency passes over the queries")
    a = ap.parse_args()
    if a.embedder == "hashing":
        embedder = HashingEmbedder(384)
    else:
        from plansearch.cli.index import make_embedder

        try:
            embedder = make_embedder(a.embedder)
        except (ImportError, ModelError):  # plansearch.Embedder not exported yet: same model
            from plansearch.embed.sentence_transformers_backend import (
                SentenceTransformerEmbedder,
            )

            embedder = SentenceTransformerEmbedder(None if a.embedder == "default" else a.embedder)
    rows = load_dev(a.dev)
    sections = [
        Section.from_text(r["text"], org=r["org"], id=r["id"], source=r["seed"]) for r in rows
    ]
    print(
        f"embedder: {embedder.name} ({embedder.fingerprint}); {len(rows)} dev statements, "
        f"{len({r['org'] for r in rows})} organisations"
    )
    embedder.encode(["อุ่นเครื่อง"], kind="query")  # load the model before timing
    t = time.perf_counter()
    index = PlanIndex.build(sections, embedder=embedder)
    print(f"index build: {time.perf_counter() - t:.2f} s ({index.dense_type})")

    print(f"\n{'mode':<17} {'p50 ms':>8} {'p99 ms':>8}   (string queries, embedding included)")
    for mode in ("dense", "lexical", "hybrid"):
        for topics in (None, "services"):
            index.search("อุ่นเครื่อง", k=10, mode=mode, topics=topics)  # area vectors, once
            lat = []
            for _ in range(a.repeat):
                for r in rows:
                    t = time.perf_counter()
                    index.search(r["text"], k=10, mode=mode, topics=topics)
                    lat.append((time.perf_counter() - t) * 1e3)
            label = f"{mode} {'+ areas' if topics else 'text'}"
            print(f"{label:<17} {np.percentile(lat, 50):8.2f} {np.percentile(lat, 99):8.2f}")

    print(f"\n{'similar_goals, k=5':<24} {'p50 ms':>8} {'p99 ms':>8}   (other organisations)")
    for label, topics in (("text only (topics=None)", None), ("+ service areas", "services")):
        similar_goals(index, rows[0]["text"], k=5, topics=topics)  # area vectors, once
        lat = []
        for _ in range(a.repeat):
            for r in rows:
                t = time.perf_counter()
                similar_goals(index, r["text"], k=5, exclude_org=r["org"], topics=topics)
                lat.append((time.perf_counter() - t) * 1e3)
        print(f"{label:<24} {np.percentile(lat, 50):8.2f} {np.percentile(lat, 99):8.2f}")

    print(f"\n{'similar-goal precision@5 (other organisations)':<48} {'P@5':>6}")
    for mode in ("dense", "lexical"):
        print(f"{mode:<48} {precision_at_5(index, rows, sections, mode=mode):6.3f}")
    print(
        f"{'hybrid rrf (k=60)':<48} "
        f"{precision_at_5(index, rows, sections, mode='hybrid', fusion='rrf'):6.3f}"
    )
    default_alpha = fusion.DENSE_WEIGHT
    for alpha in (0.3, 0.5, 0.7, 0.8):
        fusion.DENSE_WEIGHT = alpha
        p = precision_at_5(index, rows, sections, mode="hybrid", fusion="weighted")
        print(f"{f'hybrid weighted (dense weight {alpha})':<48} {p:6.3f}")
    fusion.DENSE_WEIGHT = default_alpha
    p = precision_at_5(index, rows, sections, mode="hybrid", topics="services")
    print(f"{'hybrid + service-area re-ranking (search default)':<48} {p:6.3f}")
    print(f"\ndefault fusion: {fusion.DEFAULT_FUSION} (dense weight {fusion.DENSE_WEIGHT})")


if __name__ == "__main__":
    main()
