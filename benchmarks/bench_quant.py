"""Selective int8 quantisation of the ONNX model: which MatMuls can be int8 at what cost.

Per variant, the fp32 ONNX export (``<model dir>/onnx/model.onnx``, made by
``plansearch.embed.onnx_backend``) is quantised with ONNX Runtime's dynamic int8
quantiser (per-channel weights), with a different set of ``MatMul`` nodes left in fp32,
and measured on the seed-corpus lines (as ``bench_embed.py``): minimum and mean cosine
of the passage vectors to sentence-transformers fp32, and texts per CPU-second of this
process (one intra-op thread, batch 32), which is steadier than wall time on a shared
machine. sentence-transformers fp32 (batch 16, one thread) and ONNX fp32 are measured
in the same process for the ratios. Every variant is quantised first; then all rows are
timed round-robin (``--repeat`` rounds, best CPU time kept), so a change of load on a
shared machine falls on every row alike.

    python benchmarks/bench_quant.py [--limit N] [--variants "all (shipped);keep:ffn-down@4"]
        [--work /tmp/q] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread everywhere: CPU time = work

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_embed import corpus_texts  # noqa: E402

LAYER = re.compile(r"/layer\.(\d+)/")
#: weight MatMuls of one BERT layer, by the part of the node name that says which
PARTS = {
    "qkv": ("/attention/self/query/", "/attention/self/key/", "/attention/self/value/"),
    "attn-out": ("/attention/output/dense/",),
    "ffn-up": ("/intermediate/dense/",),
    "ffn-down": ("/output/dense/",),
}


def part_of(name: str) -> str:
    if "/attention/output/dense/" in name:
        return "attn-out"
    for part, keys in PARTS.items():
        if any(k in name for k in keys):
            return part
    return "other"


def layer_of(name: str) -> int:
    m = LAYER.search(name)
    return int(m.group(1)) if m else -1


#: variant name → predicate "keep this weight MatMul in fp32" (given part, layer, layers)
VARIANTS: dict[str, Callable[[str, int, int], bool]] = {
    "all (shipped)": lambda p, i, n: False,
    "no-ffn-down": lambda p, i, n: p == "ffn-down",
    "no-ffn-down-first-last": lambda p, i, n: p == "ffn-down" and i in (0, n - 1),
    "no-first-last-layer": lambda p, i, n: i in (0, n - 1),
    "ffn-only": lambda p, i, n: p in ("qkv", "attn-out"),
    "no-attn-out+ffn-down": lambda p, i, n: p in ("attn-out", "ffn-down"),
    "no-qkv": lambda p, i, n: p == "qkv",
}
for _i in range(12):  # one layer's FFN down-projection kept in fp32 (which one matters?)
    VARIANTS[f"no-ffn-down-L{_i}"] = lambda p, i, n, _i=_i: p == "ffn-down" and i == _i


def variant(name: str) -> Callable[[str, int, int], bool]:
    """A named variant, or ``keep:PART@L+L/PART@L``: those MatMuls stay fp32 (PART is
    qkv, attn-out, ffn-up, ffn-down or ``*``; e.g. ``keep:ffn-down@4+5``)."""
    if name in VARIANTS:
        return VARIANTS[name]
    if not name.startswith("keep:"):
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)} or keep:...")
    groups = []
    for g in name[5:].split("/"):
        part, _, layers = g.partition("@")
        groups.append((part, {int(x) for x in layers.split("+") if x}))

    def keep(p: str, i: int, n: int) -> bool:
        return any((part in ("*", p)) and (not ls or i in ls) for part, ls in groups)

    return keep


def weight_matmuls(model_path: Path) -> list[str]:
    import onnx

    m = onnx.load(str(model_path), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    return [n.name for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits]


def quantise(fp32: Path, out: Path, exclude: list[str]) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(out),
        per_channel=True,
        reduce_range=False,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=exclude,
    )


def session(path: Path):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


REPEAT = [3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "corpus" / "raw" / "*.txt"))
    ap.add_argument("--limit", type=int, default=0, help="first N texts only (0: all)")
    ap.add_argument(
        "--variants",
        default="",
        help="';'-separated names or keep:PART@L+L/... (default: every named one)",
    )
    ap.add_argument("--work", default="", help="folder for the quantised models (default: tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the quantised models")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds (best)")
    args = ap.parse_args()
    REPEAT[0] = max(1, args.repeat)

    import torch

    torch.set_num_threads(1)
    from plansearch.embed.onnx_backend import OnnxEmbedder
    from plansearch.embed.sentence_transformers_backend import SentenceTransformerEmbedder

    texts = corpus_texts(args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    if not texts:
        print(f"no texts under {args.corpus}", file=sys.stderr)
        return 1
    st = SentenceTransformerEmbedder()
    ox = OnnxEmbedder(st.path, precision="fp32", threads=1)
    fp32 = ox._onnx_path
    names = weight_matmuls(fp32)
    layers = 1 + max(layer_of(n) for n in names)
    print(
        f"{len(texts)} texts (mean {np.mean([len(t) for t in texts]):.0f} chars); "
        f"{len(names)} weight MatMuls in {layers} layers; one thread; "
        f"{REPEAT[0]} interleaved rounds, best CPU time per row",
        flush=True,
    )
    want = [v.strip() for v in args.variants.split(";") if v.strip()] or list(VARIANTS)
    work = Path(args.work or tempfile.mkdtemp(prefix="plansearch-quant-"))
    work.mkdir(parents=True, exist_ok=True)
    # quantise every variant first, then time all rows round-robin, so that a change of
    # load on the shared machine falls on every row alike
    sessions: dict[str, Any] = {"onnx fp32": session(fp32)}
    n_int8 = {"sentence-transformers fp32": 0, "onnx fp32": 0}
    for name in want:
        keep_fp32 = variant(name)
        exclude = [n for n in names if keep_fp32(part_of(n), layer_of(n), layers)]
        path = work / (re.sub(r"[^a-z0-9+-]+", "_", name.lower()).strip("_") + ".onnx")
        quantise(fp32, path, exclude)
        sessions[name] = session(path)
        n_int8[name] = len(names) - len(exclude)
        if not args.keep:
            path.unlink()

    def run(label: str, x: list[str]) -> np.ndarray:
        if label == "sentence-transformers fp32":
            return st.encode(x, kind="passage", batch_size=16, show_progress=False)
        ox._session = sessions[label]
        return ox.encode(x, kind="passage", batch_size=32, show_progress=False)

    labels = ["sentence-transformers fp32", *sessions]
    vecs: dict[str, np.ndarray] = {}
    cpu = dict.fromkeys(labels, float("inf"))
    wall = dict.fromkeys(labels, float("inf"))
    for label in labels:
        run(label, texts[:8])  # warm-up
    for r in range(REPEAT[0]):
        for label in labels:
            t0, c0 = time.perf_counter(), time.process_time()
            v = run(label, texts)
            wall[label] = min(wall[label], time.perf_counter() - t0)
            cpu[label] = min(cpu[label], time.process_time() - c0)
            vecs.setdefault(label, v)
        print(f"  round {r + 1}: " + ", ".join(f"{len(texts) / cpu[x]:.1f}" for x in labels))
    ref = vecs["sentence-transformers fp32"]
    st_rate = len(texts) / cpu["sentence-transformers fp32"]
    print(
        "\n| variant | int8 MatMuls | min cosine | mean cosine | texts per CPU-s | vs ST fp32 "
        "| texts/s wall |"
    )
    print("|---|---|---|---|---|---|---|")
    for label in labels:
        cos = np.sum(ref * vecs[label], axis=1)
        rate = len(texts) / cpu[label]
        print(
            f"| {label} | {n_int8[label]} | {cos.min():.5f} | {cos.mean():.6f} | {rate:.1f} "
            f"| {rate / st_rate:.2f}x | {len(texts) / wall[label]:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
