"""``plansearch run``: the main job — index the corpus and write an alignment report per plan.

    plansearch run corpus/raw --index indexes/default --out reports

For every plan with local strategies or tactics (or, failing those, goals, missions
and vision) it writes ``<name>.html``,
``<name>.xlsx`` and ``<name>.png`` (heatmap) into ``--out``, flags passages copied
between organisations, and prints a short summary.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import replace
from pathlib import Path


def _slug(plan_source: str | None, org: str | None, i: int) -> str:
    stem = Path(plan_source).stem if plan_source else f"plan-{i + 1}"
    org_part = re.sub(r"[^\w\u0e00-\u0e7f]+", "", (org or "").replace("องค์การบริหารส่วนตำบล", "อบต"))
    return f"{stem}_{org_part}" if org_part else stem


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import plansearch

    from ..alignment.engine import ALIGNED_KINDS, FALLBACK_KINDS, align
    from ..alignment.results import Alignment
    from ..alignment.similar import near_duplicates
    from ..index.planindex import PlanIndex
    from ..sections import Plan
    from .index import make_embedder

    t0 = time.perf_counter()
    plans = plansearch.load_corpus(args.corpus)
    sections = [s for p in plans for s in p.sections]
    print(f"parsed {len(plans)} plans, {len(sections)} sections from {args.corpus}")
    embedder = make_embedder(args.embedder)
    index = PlanIndex.build(sections, embedder=embedder)
    if args.index:
        index.save(args.index)
        print(f"index: {len(index)} sections → {args.index}")
    dups = near_duplicates(list(index.sections), index.vectors_for())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[Plan, Alignment | None, str]] = []
    for i, plan in enumerate(tqdm(plans, desc="aligning plans", unit="plan")):
        if not any(
            s.level == "local" and s.kind in ALIGNED_KINDS + FALLBACK_KINDS for s in plan.sections
        ):
            rows.append((plan, None, "no local strategies, tactics or goals: skipped"))
            continue
        al = align(plan, args.against or None, embedder=embedder, top_k=args.top_k)
        mine = tuple(d for d in dups if plan.org in (d.a.org, d.b.org))
        al = replace(al, near_duplicates=mine)
        name = _slug(plan.source, plan.org, i)
        al.to_html(out / f"{name}.html")
        al.to_excel(out / f"{name}.xlsx")
        al.heatmap_png(out / f"{name}.png")
        rows.append((plan, al, name))
    print()
    print(f"{'plan':<40} {'items':>5} {'national (best per strategy)':<40} {'gaps':<12}")
    for plan, result, note in rows:
        label = (plan.org or Path(plan.source or "?").name)[:40]
        if result is None:
            print(f"{label:<40} {'-':>5} {note}")
            continue
        al = result
        best = ",".join(
            sorted(
                {
                    c.target_id or "-"
                    for r in al.linkage
                    for c in r.cells
                    if c.framework == "national"
                }
            )
        )
        gaps = ",".join(g.target_id for g in al.gaps("national")) or "-"
        print(f"{label:<40} {len(al.items):>5} {best:<40} {gaps:<12}")
    print(f"\nnear-duplicate passages across organisations: {len(dups)}")
    print(f"reports in {out}/ ({time.perf_counter() - t0:.1f} s)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "run",
        help="main job: index a corpus and write an HTML + Excel alignment report per plan",
        description="Parse every plan in CORPUS, build the index, and write reports (รายงาน).",
    )
    p.add_argument("corpus", help="directory of plan documents (.txt/.pdf/.docx)")
    p.add_argument("--out", default="reports", help="report directory (default: reports)")
    p.add_argument("--index", help="also save the index here (e.g. indexes/default)")
    p.add_argument(
        "--against",
        nargs="+",
        metavar="NAME",
        help="frameworks (default: national nesdp13 sdg dla + levels the plan quotes)",
    )
    p.add_argument("--top-k", type=int, default=3)
    p.add_argument("--embedder", default="default", help="default | hashing | model path")
    p.set_defaults(func=run)
