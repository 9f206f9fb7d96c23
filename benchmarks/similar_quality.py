"""Similar goals across subdistricts: blind planner questions and dev leave-one-org-out.

    python benchmarks/similar_quality.py [--embedder default|hashing] [--cache DIR]
        [--out PATH] [--per-query] [--sensitivity]

A **development measurement** (issue 22, "similar goals use the same knowledge"). The
corpus is the 148 statements of ``/work/shared/eval/dev_alignment.jsonl``, indexed as
sections (``kind="goal"``, as ``quality.py`` does). Two query sets, one table:

* **blind questions** — ``benchmarks/data/similar_queries.jsonl``: 40 questions a
  planner asks ("อบต.ไหนมีเป้าประสงค์เรื่องน้ำประปาบ้าง"), written blind with the dev
  ``topic`` codes each asks for; a returned statement is relevant when its dev topic is
  one of them. Every organisation's statements may come back (the asker has none here).
* **dev LOO** — each of the 148 statements as the query against the *other*
  organisations' statements (as ``quality.py`` prints it); relevant = the same topic.

Each prints P@5 and nDCG@5 (binary gain, ideal = min(5, relevant statements that can
be returned)); the ``ceiling`` row is the best P@5 any ranking can reach (some topics
have fewer than five statements in the other organisations: 0.842 on dev LOO), and
``reach`` (dev LOO) is P@5 against that: relevant in the top 5 / min(5, relevant that
can come back). The blind questions' ceiling is 0.995. Methods:

* ``tfidf``          — TF-IDF over PyThaiNLP words (query vs statement cosine);
* ``e5``             — the frozen base model, zero-shot (query vector vs passage vectors
                       for questions; query-query for dev LOO, as ``quality.py``);
* ``adapted``        — the same with the default (adapted) model;
* ``similar text``   — ``similar_goals(..., topics=None)``: the hybrid search alone;
* ``similar``        — ``similar_goals`` (default: re-ranked by service-area profiles);
* ``similar -PT``    — the same without the project-type knowledge in the profiles;
* ``similar e5``     — ``similar_goals`` over an index built with the frozen base model
                       (does the adapter help here?).

The labels are only read to score; nothing is fitted to them. Vectors of the real model
are cached under ``benchmarks/out`` or ``--cache`` (``align_eval.CachedEmbedder``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from plansearch import HashingEmbedder, PlanIndex, Section, similar_goals  # noqa: E402
from plansearch.search import similar as similar_mod  # noqa: E402
from plansearch.search import topics as topics_mod  # noqa: E402
from plansearch.thai import tokenize  # noqa: E402

DEV = Path("/work/shared/eval/dev_alignment.jsonl")
QUERIES = ROOT / "benchmarks" / "data" / "similar_queries.jsonl"

#: A ranker: (query texts, the org each query excludes or None) → dev row indexes, best first.
Ranker = Callable[[Sequence[str], Sequence[str | None]], list[list[int]]]


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ndcg_at_5(rel: Sequence[bool], n_relevant: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:5]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(5, n_relevant)))
    return dcg / ideal if ideal else 0.0


def score(
    ranked: list[list[int]], wanted: list[set[str]], allowed: list[list[int]], dev: list[dict]
) -> dict[str, float]:
    """Mean P@5, reachable P@5 (relevant in the top 5 / min(5, relevant that can come
    back)), nDCG@5 and the P@5 ceiling over queries (top 5 of each ranking)."""
    p5, reach, nd, ceil = [], [], [], []
    for top, want, pool in zip(ranked, wanted, allowed, strict=True):
        rel = [dev[j]["topic"] in want for j in top[:5]]
        n_rel = sum(dev[j]["topic"] in want for j in pool)
        p5.append(sum(rel) / 5)
        reach.append(sum(rel) / min(5, n_rel) if n_rel else 0.0)
        nd.append(ndcg_at_5(rel, n_rel))
        ceil.append(min(5, n_rel) / 5)
    return {
        "p5": float(np.mean(p5)),
        "reach": float(np.mean(reach)),
        "ndcg5": float(np.mean(nd)),
        "ceiling": float(np.mean(ceil)),
    }


def from_matrix(
    sims: np.ndarray, dev: list[dict], exclude: Sequence[str | None]
) -> list[list[int]]:
    """Rankings from a (queries × statements) similarity matrix, other orgs only."""
    out = []
    for i, org in enumerate(exclude):
        order = np.argsort(-sims[i], kind="stable")
        out.append([int(j) for j in order if org is None or dev[j]["org"] != org][:5])
    return out


def tfidf_ranker(dev: list[dict]) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [d["text"] for d in dev]

    def rank(queries: Sequence[str], exclude: Sequence[str | None]) -> list[list[int]]:
        vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
        vec.fit(list(texts) + list(queries))
        sims = (vec.transform(queries) @ vec.transform(texts).T).toarray()
        return from_matrix(sims, dev, exclude)

    return rank


def dense_ranker(emb: Any, dev: list[dict]) -> Ranker:
    """Cosine of the query's query vector to each statement's vector: the statements'
    query vectors when the queries are the statements themselves (``quality.py``'s
    dense baseline), else their passage vectors (as a search compares them)."""
    texts = [d["text"] for d in dev]

    def rank(queries: Sequence[str], exclude: Sequence[str | None]) -> list[list[int]]:
        q = emb.encode(list(queries), kind="query")
        kind = "query" if list(queries) == texts else "passage"
        return from_matrix(q @ emb.encode(texts, kind=kind).T, dev, exclude)

    return rank


def similar_ranker(index: PlanIndex, dev: list[dict], **kwargs: Any) -> Ranker:
    pos = {d["id"]: i for i, d in enumerate(dev)}

    def rank(queries: Sequence[str], exclude: Sequence[str | None]) -> list[list[int]]:
        out = []
        for q, org in zip(queries, exclude, strict=True):
            res = similar_goals(index, q, k=5, exclude_org=org, **kwargs)
            out.append([pos[h.section.id] for h in res.hits])
        return out

    return rank


@contextmanager
def setting(
    *, knowledge: bool = True, weight: float | None = None, temperature: float | None = None
) -> Iterator[None]:
    """Run with the project-type knowledge off, or another re-rank weight / profile
    temperature (for the ablation row and the sensitivity grid; nothing is tuned)."""
    saved = (topics_mod._builtin_knowledge, similar_mod.TOPIC_WEIGHT, topics_mod.TEMPERATURE)
    if not knowledge:
        topics_mod._builtin_knowledge = lambda name: {}
    if weight is not None:
        similar_mod.TOPIC_WEIGHT = weight
    if temperature is not None:
        topics_mod.TEMPERATURE = temperature
    topics_mod._CACHE.clear()
    try:
        yield
    finally:
        topics_mod._builtin_knowledge, similar_mod.TOPIC_WEIGHT, topics_mod.TEMPERATURE = saved
        topics_mod._CACHE.clear()


def within(rank: Ranker, **kw: Any) -> Ranker:
    def run(queries: Sequence[str], exclude: Sequence[str | None]) -> list[list[int]]:
        with setting(**kw):
            return rank(queries, exclude)

    return run


def build_index(dev: list[dict], emb: Any) -> PlanIndex:
    secs = [Section.from_text(d["text"], org=d["org"], kind="goal", id=d["id"]) for d in dev]
    return PlanIndex.build(secs, embedder=emb)


def embedders(name: str, cache: Path | None) -> tuple[Any, Any | None]:
    """(the default embedder, its frozen base model or None), vectors cached on disk."""
    if name == "hashing":
        return HashingEmbedder(384), None
    import align_eval as ae

    from plansearch import Embedder

    inner = Embedder() if name == "default" else Embedder(name)
    emb = ae.CachedEmbedder(inner, cache or ae.CACHE_DIR)
    return emb, emb.frozen_embedder()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="default", help="default (adapted e5, cached) | hashing")
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--cache", type=Path, default=None, help="vector cache (benchmarks/out)")
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    ap.add_argument("--per-query", action="store_true", help="print each blind question's hits")
    ap.add_argument(
        "--sensitivity",
        action="store_true",
        help="also P@5 around the two untuned constants (re-rank weight, profile temperature)",
    )
    a = ap.parse_args(argv)
    dev, questions = read_jsonl(a.dev), read_jsonl(a.queries)
    emb, frozen = embedders(a.embedder, a.cache)
    t0 = time.perf_counter()

    q_texts = [q["query"] for q in questions]
    q_want = [set(q["topics"]) for q in questions]
    q_excl: list[str | None] = [None] * len(questions)
    q_pool = [list(range(len(dev)))] * len(questions)
    d_texts = [d["text"] for d in dev]
    d_want = [{d["topic"]} for d in dev]
    d_excl: list[str | None] = [d["org"] for d in dev]
    d_pool = [[j for j, e in enumerate(dev) if e["org"] != d["org"]] for d in dev]

    index = build_index(dev, emb)
    methods: dict[str, Ranker] = {"tfidf": tfidf_ranker(dev)}
    if frozen is not None:
        methods["e5"] = dense_ranker(frozen, dev)
    methods["adapted" if frozen is not None else "dense"] = dense_ranker(emb, dev)
    methods["similar text"] = similar_ranker(index, dev, topics=None)
    methods["similar"] = similar_ranker(index, dev)
    methods["similar -PT"] = within(similar_ranker(index, dev), knowledge=False)
    if frozen is not None:
        methods["similar e5"] = similar_ranker(build_index(dev, frozen), dev)

    name = getattr(emb, "name", type(emb).__name__)
    lines = [
        f"similar goals (dev measurement): {len(questions)} blind planner questions and "
        f"{len(dev)} dev statements (LOO: other organisations only); embedder {name}",
        f"{'method':<14} {'blind P@5':>10} {'nDCG@5':>7}   "
        f"{'dev LOO P@5':>11} {'reach':>6} {'nDCG@5':>7}",
    ]
    per_query: dict[str, list[list[int]]] = {}
    ceil_q = ceil_d = 0.0
    for label, rank in methods.items():
        rq = rank(q_texts, q_excl)
        rd = rank(d_texts, d_excl)
        per_query[label] = rq
        mq = score(rq, q_want, q_pool, dev)
        md = score(rd, d_want, d_pool, dev)
        ceil_q, ceil_d = mq["ceiling"], md["ceiling"]
        lines.append(
            f"{label:<14} {mq['p5']:>10.3f} {mq['ndcg5']:>7.3f}   "
            f"{md['p5']:>11.3f} {md['reach']:>6.3f} {md['ndcg5']:>7.3f}"
        )
    lines.append(f"{'ceiling':<14} {ceil_q:>10.3f} {'':>7}   {ceil_d:>11.3f}")
    if a.sensitivity:
        temps = (0.5, 1.0, 2.0)
        lines.append(
            "sensitivity, P@5 blind / dev LOO (rows TOPIC_WEIGHT, columns TEMPERATURE "
            + " / ".join(f"{t:g}" for t in temps)
            + "; defaults 0.5, 1: not tuned)"
        )
        for w in (0.3, 0.5, 0.7):
            cells = []
            for t in temps:
                rank = within(similar_ranker(index, dev), weight=w, temperature=t)
                mq = score(rank(q_texts, q_excl), q_want, q_pool, dev)
                md = score(rank(d_texts, d_excl), d_want, d_pool, dev)
                cells.append(f"{mq['p5']:.3f} / {md['p5']:.3f}")
            lines.append(f"  {w:.1f}   " + "   ".join(cells))
    lines.append(f"({time.perf_counter() - t0:.0f} s in all)")
    if hasattr(emb, "save"):
        emb.save()
    if a.per_query:
        for label in ("similar text", "similar"):
            lines.append(f"-- {label}")
            for q, top in zip(questions, per_query[label], strict=True):
                got = [dev[j]["topic"] for j in top]
                n = sum(t in q["topics"] for t in got)
                lines.append(f"  {q['id']} {q['query']}: {n}/5 {got}")
    text = "\n".join(lines)
    print(text)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
