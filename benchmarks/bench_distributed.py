"""Distributed embedding: one process vs 1 and 2 local Dask workers, and a 3M projection.

    .venv/bin/python benchmarks/bench_distributed.py [--n 20000] [--model default|hashing]
        [--shard-size 512] [--workers 1 2]

Builds ``--n`` synthetic sections (``synthetic_corpus.py``), embeds them with
:func:`plansearch.index.distributed.embed_sharded` in this process (one thread) and on
``LocalCluster`` s of 1 and 2 single-threaded worker processes, and prints texts/s,
the speed-up over one worker, and the minimum cosine between the cluster's vectors
and the single-process vectors. Then it projects the time of a 3-million-section
build on M machines of C cores from the measured per-worker rate, stating the
assumptions (linear scaling across machines, one single-threaded worker per core,
the same texts' length distribution, scheduling overhead as measured here).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from synthetic_corpus import generate  # noqa: E402

from plansearch.index.distributed import embed_sharded  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--model", default="default", help="'default' (e5) or 'hashing'")
    ap.add_argument("--shard-size", type=int, default=512)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--machines", type=int, default=8)
    ap.add_argument("--cores", type=int, default=8)
    ap.add_argument("--target", type=int, default=3_000_000)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    texts = [s.content for s in generate(args.n, seed=0)]
    spec = None if args.model == "default" else args.model
    print(
        f"{len(texts)} synthetic sections (mean {np.mean([len(t) for t in texts]):.0f} chars), "
        f"model={args.model}, shard size {args.shard_size}, CPU cores={os.cpu_count()}"
    )
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
    per_worker = len(texts) / rows[1][1]  # one single-threaded worker, cluster overhead included
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
