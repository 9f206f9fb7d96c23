"""Distributed embedding: one process vs 1 and 2 local Dask workers, and a 3M projection.

    .venv/bin/python benchmarks/bench_distributed.py [--n 20000] [--model default|hashing]
        [--shard-size 512] [--workers 1 2] [--align] [--no-embed]

Builds ``--n`` synthetic sections (``synthetic_corpus.py``), embeds them with
:func:`plansearch.search.distributed.embed_sharded` in this process (one thread) and on
``LocalCluster`` s of 1 and 2 single-threaded worker processes, and prints texts/s,
the speed-up over one worker, and the minimum cosine between the cluster's vectors
and the single-process vectors. Then it projects the time of a 3-million-section
build on M machines of C cores from the measured per-worker rate, stating the
assumptions (linear scaling across machines, one single-threaded worker per core,
the same texts' length distribution, scheduling overhead as measured here).

``--align`` also times bulk alignment of the same sections
(:func:`plansearch.alignment.distributed.align_corpus`: every strategy, tactic and
project with its parent as context, against national, nesdp13, sdg and dla) in this
process and on the same clusters, with the share of items whose top-3 targets equal the
single-process ones and the largest score difference; ``--no-embed`` skips the
embedding rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from synthetic_corpus import generate  # noqa: E402

from plansearch.search.distributed import embed_sharded  # noqa: E402


def embed_rows(texts: list[str], spec: str | None, args: argparse.Namespace) -> None:
    """Sharded embedding here and on local clusters, then the 3M projection."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ref, _ = embed_sharded(
            texts, spec, work_dir=Path(tmp) / "single", shard_size=args.shard_size
        )
        single = time.perf_counter() - t0
        rows.append(("this process, 1 thread", single, 1.0, 1.0))
        base = None
        for w in args.workers:
            t0 = time.perf_counter()
            vecs, _ = embed_sharded(
                texts,
                spec,
                cluster=f"local:{w}",
                work_dir=Path(tmp) / f"w{w}",
                shard_size=args.shard_size,
            )
            secs = time.perf_counter() - t0
            base = base or secs
            live = (np.linalg.norm(ref, axis=1) > 0) | (np.linalg.norm(vecs, axis=1) > 0)
            cos = float(np.min(np.sum(ref[live] * vecs[live], axis=1))) if live.any() else 1.0
            rows.append((f"LocalCluster, {w} worker(s) x 1 thread", secs, base / secs, cos))
    print(f"\n{'run':<36} {'seconds':>8} {'texts/s':>8} {'speed-up':>9} {'min cos':>10}")
    for name, secs, speed, cos in rows:
        print(f"{name:<36} {secs:8.1f} {len(texts) / secs:8.1f} {speed:9.2f} {cos:10.7f}")
    # one single-threaded worker, cluster overhead included (this process if no cluster ran)
    per_worker = len(texts) / rows[min(1, len(rows) - 1)][1]
    workers = args.machines * args.cores
    hours = args.target / (per_worker * workers) / 3600
    print(
        f"\nprojection: {args.target:,} sections on {args.machines} machines x {args.cores} cores "
        f"= {workers} single-threaded workers at {per_worker:.1f} texts/s each "
        f"(measured here, 1 worker) -> {hours:.2f} h\n"
        "assumptions: linear scaling across workers (each shard is independent; the "
        "scheduler only moves texts and vectors), cores like this machine's, texts of this "
        "length distribution, no other load; the 2-worker speed-up above is the measured "
        "check of the scaling on this 2-core machine."
    )


def align_rows(sections: list[Any], spec: str | None, args: argparse.Namespace) -> None:
    """Bulk alignment of ``sections`` here and on local clusters: time and agreement."""
    from plansearch.alignment.distributed import align_corpus

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ref = align_corpus(
            sections, None, spec, work_dir=Path(tmp) / "a1", shard_size=args.align_shard_size
        )
        n = len(ref.items)
        rows.append(("align, this process, 1 thread", time.perf_counter() - t0, 1.0, 1.0, 0.0))
        base = None
        for w in args.workers:
            t0 = time.perf_counter()
            got = align_corpus(
                sections,
                None,
                spec,
                cluster=f"local:{w}",
                work_dir=Path(tmp) / f"aw{w}",
                shard_size=args.align_shard_size,
            )
            secs = time.perf_counter() - t0
            base = base or secs
            same = np.ones(n, dtype=bool)
            diff = 0.0
            for name, r in ref.results.items():
                same &= (r.ids == got.results[name].ids).all(axis=1)
                if n:
                    diff = max(diff, float(np.abs(r.scores - got.results[name].scores).max()))
            share = float(same.mean()) if n else 1.0
            rows.append((f"align, LocalCluster, {w} worker(s)", secs, base / secs, share, diff))
    fws = ", ".join(ref.framework_names)
    print(f"\nbulk alignment: {n} items (strategies, tactics, projects) x {fws}")
    print(
        f"{'run':<36} {'seconds':>8} {'items/s':>8} {'speed-up':>9} {'same top-k':>11} "
        f"{'max |d score|':>14}"
    )
    for name, secs, speed, share, diff in rows:
        print(f"{name:<36} {secs:8.1f} {n / secs:8.1f} {speed:9.2f} {share:11.4f} {diff:14.2e}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--model", default="default", help="'default' (e5) or 'hashing'")
    ap.add_argument("--shard-size", type=int, default=512)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--machines", type=int, default=8)
    ap.add_argument("--cores", type=int, default=8)
    ap.add_argument("--target", type=int, default=3_000_000)
    ap.add_argument("--align", action="store_true", help="also time distributed bulk alignment")
    ap.add_argument("--no-embed", action="store_true", help="skip the embedding rows")
    ap.add_argument("--align-shard-size", type=int, default=1024, help="items per align shard")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    sections = generate(args.n, seed=0)
    texts = [s.content for s in sections]
    spec = None if args.model == "default" else args.model
    print(
        f"{len(texts)} synthetic sections (mean {np.mean([len(t) for t in texts]):.0f} chars), "
        f"model={args.model}, shard size {args.shard_size}, CPU cores={os.cpu_count()}",
        flush=True,
    )
    if not args.no_embed:
        embed_rows(texts, spec, args)
    if args.align:
        align_rows(sections, spec, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
