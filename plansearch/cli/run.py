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
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, PlanSearchError
from ._inputs import add_identity_options, add_k_option, add_ocr_option, read_plans
from ._output import check_output_dir, make_output_dir, write_file

if TYPE_CHECKING:
    from ..alignment.results import Alignment


def _slug(plan_source: str | None, org: str | None, i: int) -> str:
    stem = Path(plan_source).stem if plan_source else f"plan-{i + 1}"
    org_part = re.sub(r"[^\w\u0e00-\u0e7f]+", "", (org or "").replace("องค์การบริหารส่วนตำบล", "อบต"))
    return f"{stem}_{org_part}" if org_part else stem


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..alignment.pipeline import align
    from ..frameworks import aligned_kinds, fallback_kinds
    from ..report import write_excel, write_heatmap_png, write_html
    from ..search.index import SearchIndex
    from ..search.similar import near_duplicates
    from ..sections import Plan
    from .index import make_embedder, save_index

    t0 = time.perf_counter()
    out = check_output_dir(args.out, option="--out")
    index_out = check_output_dir(args.index, option="--index") if args.index else None
    embedder = make_embedder(args.embedder)
    if args.against:
        _check_framework_names(args.against)
    result = read_plans(args.corpus, org=args.org, province=args.province, ocr=args.ocr)
    result.report_skipped()
    plans = list(result.plans)
    sections = [s for p in plans for s in p.sections]
    print(f"parsed {len(plans)} plans, {len(sections)} sections from {args.corpus}")
    index = SearchIndex.build(sections, embedder=embedder)
    if index_out is not None:
        save_index(index, index_out, option="--index")
        print(f"index: {len(index)} sections → {index_out}")
    dups = near_duplicates(list(index.sections), index.vectors_for())
    out = make_output_dir(out, option="--out")
    rows: list[tuple[Plan, Alignment | None, str]] = []
    failed: list[tuple[str, PlanSearchError]] = []
    kinds = aligned_kinds() + fallback_kinds()
    for i, plan in enumerate(tqdm(plans, desc="aligning plans", unit="plan")):
        if not any(s.level == "local" and s.kind in kinds for s in plan.sections):
            rows.append((plan, None, "no local strategies, tactics or goals: skipped"))
            continue
        name = _slug(plan.source, plan.org, i)
        try:
            al = align(plan, args.against or None, embedder=embedder, k=args.k)
            mine = tuple(d for d in dups if plan.org in (d.a.org, d.b.org))
            al = replace(al, near_duplicates=mine)
            for suffix, writer in (
                (".html", write_html),
                (".xlsx", write_excel),
                (".png", write_heatmap_png),
            ):
                write_file(out / f"{name}{suffix}", partial(writer, al))
        except PlanSearchError as exc:  # one plan's failure does not stop the others
            failed.append((name, exc))
            rows.append((plan, None, f"failed: {' '.join(str(exc).split())[:60]}"))
            continue
        rows.append((plan, al, name))
    print()
    print(f"{'plan':<40} {'items':>5} {'national: linked (weak only)':<40} {'gaps':<12}")
    for plan, res, note in rows:
        label = (plan.org or Path(plan.source or "?").name)[:40]
        if res is None:
            print(f"{label:<40} {'-':>5} {note}")
            continue
        print(f"{label:<40} {len(res.items):>5} {_national_links(res):<40} ", end="")
        print(",".join(g.target_id for g in res.gaps("national")) or "-")
    print(f"\nnear-duplicate passages across organisations: {len(dups)}")
    print(f"reports in {out}/ ({time.perf_counter() - t0:.1f} s)")
    if failed:
        first, why = failed[0]
        raise InputError(
            f"เขียนรายงานไม่สำเร็จ {len(failed)} แผน — {len(failed)} report(s) failed, first "
            f"{first}: {' '.join(str(why).split())}; the other reports were written"
        )
    return 0


def _check_framework_names(names: list[str]) -> None:
    """Refuse an unknown ``--against`` name before the long work starts."""
    from ..frameworks import READERS, available_references, plan_levels

    known = {*available_references(), *plan_levels()}
    for name in names:
        looks_like_file = "/" in name or Path(name).suffix.lower() in READERS
        if name not in known and not looks_like_file:
            raise InputError(
                f"ไม่รู้จักกรอบยุทธศาสตร์ {name!r} — unknown framework {name!r}; use one of "
                f"{', '.join(sorted(known))}, or a framework file (.json/.yaml/.csv)"
            )


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
    add_k_option(p, default=3, help="targets kept per framework (default 3)")
    add_identity_options(p)
    add_ocr_option(p)
    p.add_argument("--embedder", default="default", help="default | hashing | model path")
    p.set_defaults(func=run)


def _national_links(res: Alignment) -> str:
    """The national strategies the strategies' best cells name: partial or stronger
    first, then in brackets those reached only weakly (so a gap is never listed as a
    link), e.g. ``NS2,NS4 (NS1)``; ``-`` when there are none."""
    linked: set[str] = set()
    weak: set[str] = set()
    for row in res.linkage:
        for c in row.cells:
            if c.framework == "national" and c.target_id:
                (linked if c.strength in ("strong", "partial") else weak).add(c.target_id)
    text = ",".join(sorted(linked)) or "-"
    if weak - linked:
        text += f" ({','.join(sorted(weak - linked))})"
    return text
