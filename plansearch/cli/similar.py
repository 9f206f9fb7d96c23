"""``plansearch similar``: goals, tactics and projects of other organisations like TEXT.

plansearch similar "ส่งเสริมอาชีพผู้สูงอายุ"            # --index indexes/default, --k 10

The same ``--index`` and ``--k`` defaults as ``plansearch search``.
"""

from __future__ import annotations

import argparse
import json

from ..labels import KIND_TH
from ._inputs import org_name


def run(args: argparse.Namespace) -> int:
    from ..search.index import SearchIndex
    from ..search.similar import similar_goals
    from .index import optional_embedder
    from .search import fit, query_text

    text = query_text(args.text, option="TEXT")
    embedder = optional_embedder(args.embedder)
    index = SearchIndex.load(args.index, embedder=embedder)
    where = {"province": args.province} if args.province else None
    res = similar_goals(
        index,
        text,
        k=args.k,
        exclude_org=args.exclude_org,
        where=where,
        topics=None if args.no_topics else "services",
    )
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if not res.hits:
        print("ไม่พบเป้าหมายที่คล้ายกัน (no similar goals found)")
        return 0
    for g in res.groups:
        print(
            f"{g.org or 'ไม่ทราบหน่วยงาน'}  (จังหวัด{g.province or ' -'})  คะแนนสูงสุด best {g.score:.4f}"
        )
        for h in g.hits:
            s = h.section
            kind = fit(KIND_TH.get(s.kind, s.kind), 14)
            print(f"   {h.rank:>3}  {h.score:.4f}  {kind}  {fit(s.content, 80).rstrip()}")
            if h.topic:
                print(f"{'':>20}ด้าน (service area): {h.topic}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    from .search import add_index_options, province_filter

    p = sub.add_parser(
        "similar",
        help="เป้าหมายที่คล้ายกันของหน่วยงานอื่น / similar goals, tactics, projects elsewhere",
        description="Which subdistricts have goals like ours? (เป้าหมายที่คล้ายกันของ อปท. อื่น)",
    )
    p.add_argument("text", help="a goal, tactic or project, in Thai")
    add_index_options(p)
    p.add_argument(
        "--exclude-org", type=org_name, help="leave out this organisation (usually your own)"
    )
    p.add_argument("--province", action="append", type=province_filter, help="only these provinces")
    p.add_argument(
        "--no-topics",
        action="store_true",
        help="rank by text similarity only (no service-area re-ranking)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--embedder", help="override the embedder recorded in the index")
    p.set_defaults(func=run)
