"""Strength of the top links against the frameworks a plan quotes (no labels exist).

The provincial, provincial-group and PAO strategies a plan quotes are aligned as
frameworks of their own (``align(plan)``). Nobody has labelled those links, so this
prints what a reader checks: for each seed plan and quoted framework, how many of the
plan's tactics get a strong / partial / weak / none top link, and the strong ones.

    python benchmarks/quoted_frameworks.py [--show-strong]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plansearch import align, parse_plan  # noqa: E402
from plansearch.frameworks import quoted_levels  # noqa: E402

SEEDS = ROOT / "corpus" / "raw"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    ap.add_argument("--show-strong", action="store_true", help="list the strong top links")
    args = ap.parse_args(argv)
    when = datetime.datetime.now(datetime.UTC)
    print(
        f"# quoted frameworks, {when:%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    print("| plan | framework | targets | tactics | strong | partial | weak | none |")
    print("|---|---|---|---|---|---|---|---|")
    strong_rows = []
    for path in sorted(args.seeds.glob("*.txt")):
        plan = parse_plan(path)
        quoted = [lv for lv in quoted_levels() if any(s.level == lv for s in plan.sections)]
        if not quoted:
            continue
        al = align(plan, quoted)
        tactics = [it for it in al.items if it.item.kind == "tactic"]
        for fw in al.framework_names:
            best = [(it, it.best(fw)) for it in tactics]
            c = Counter(m.strength if m else "none" for _, m in best)
            n_t = len(al.framework(fw).target_ids)
            print(
                f"| {path.name[:3]} | {fw} | {n_t} | {len(tactics)} | {c['strong']} | "
                f"{c['partial']} | {c['weak']} | {c['none']} |"
            )
            strong_rows += [
                f"  {path.name[:3]} {fw}: {it.item.title[:50]} → {m.target_title[:50]}"
                for it, m in best
                if m and m.strength == "strong"
            ]
    if args.show_strong:
        print("\nstrong top links:")
        print("\n".join(strong_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
