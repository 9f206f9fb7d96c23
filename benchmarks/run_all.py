"""Run every benchmark: small sizes by default, national sizes with ``--full``.

    python benchmarks/run_all.py [--full] [--out-dir /tmp/plansearch-bench]

Small (minutes on 2 cores): dense 20k + 100k, lexical 20k, bulk alignment
20k × 500, hybrid latency at 100k, growth plot from the dense rows. ``--full``:
dense 100k/1M/3M (HNSW and hnswlib only up to 200k), lexical 100k/1M, alignment
100k × 500, hybrid latency 1M/3M — this takes well over an hour and needs ~12 GB
of free memory at 3M. The embedding benchmark
(``bench_embed.py``) and search quality (``quality.py``) are run separately.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_align
import bench_dense
import bench_growth
import bench_hybrid
import bench_lexical


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="national sizes (slow)")
    ap.add_argument("--out-dir", type=Path, default=Path("/tmp/plansearch-bench"))
    a = ap.parse_args(argv)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    dense_json = a.out_dir / "dense.json"
    if a.full:
        bench_dense.main(["--sizes", "100000,1000000,3000000", "--json", str(dense_json)])
        bench_lexical.main(["--sizes", "100000,1000000"])
        bench_align.main(["--items", "100000", "--targets", "500"])
        bench_hybrid.main(["--sizes", "1000000,3000000"])
    else:
        bench_dense.main(["--sizes", "20000,100000", "--budget", "3", "--json", str(dense_json)])
        bench_lexical.main(["--sizes", "20000"])
        bench_align.main(["--items", "20000", "--targets", "500", "--repeat", "1"])
        bench_hybrid.main(["--sizes", "100000"])
    bench_growth.main(["--json", str(dense_json), "--out", str(a.out_dir / "growth.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
