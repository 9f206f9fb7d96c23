"""Cost growth: latency and memory against corpus size for each index type → growth.png.

    python benchmarks/bench_growth.py --json dense.json [--out benchmarks/growth.png]

Reads the rows written by ``bench_dense.py --json`` (run it first, at several
sizes) and plots, per index type, single-query p50 latency (1 thread) and index
memory (bytes per vector × n) against n, log-log. For index types with a
parameter sweep the plotted setting is the fastest one with recall@10 ≥ 0.95.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MIN_RECALL = 0.95


def pick(rows: list[dict]) -> dict[str, list[dict]]:
    """Per index type, per n: the fastest row with recall ≥ MIN_RECALL."""
    best: dict[tuple[str, int], dict] = {}
    for r in rows:
        if r["recall"] < MIN_RECALL:
            continue
        key = (r["index"], r["n"])
        if key not in best or r["p50_1t"] < best[key]["p50_1t"]:
            best[key] = r
    out: dict[str, list[dict]] = defaultdict(list)
    for (name, _), r in sorted(best.items(), key=lambda kv: kv[0][1]):
        out[name].append(r)
    return out


def plot(rows: list[dict], out: Path) -> None:
    series = pick(rows)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    for name, rs in sorted(series.items()):
        ns = [r["n"] for r in rs]
        ax1.plot(ns, [r["p50_1t"] for r in rs], marker="o", label=name)
        ax2.plot(ns, [r["bytes_per_vec"] * r["n"] / 2**20 for r in rs], marker="o", label=name)
        last = rs[-1]
        ax1.annotate(
            last["params"],
            (last["n"], last["p50_1t"]),
            fontsize=7,
            textcoords="offset points",
            xytext=(4, 0),
        )
    for ax, title, unit in (
        (ax1, "single-query latency p50 (1 thread)", "ms"),
        (ax2, "index memory", "MiB"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("vectors (384-dim)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax1.axhline(2.0, color="grey", ls="--", lw=0.8)
    ax2.axhline(1.3 * 1024, color="grey", ls="--", lw=0.8)
    ax1.legend(fontsize=8)
    fig.suptitle(f"plansearch dense index growth (recall@10 ≥ {MIN_RECALL}; dashed: targets)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "growth.png")
    a = ap.parse_args(argv)
    plot(json.loads(a.json.read_text()), a.out)


if __name__ == "__main__":
    main()
