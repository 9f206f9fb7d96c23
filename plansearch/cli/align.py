"""``plansearch align``: align one plan (or a text file of statements) and write a report.

    plansearch align corpus/raw/000_7c6bce5cff1fe495.txt --against national nesdp13 sdg dla \\
        --format html --out reports/khamong.html
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..alignment.results import Alignment

FORMATS = ("html", "xlsx", "csv", "json")


def write_report(alignment: Alignment, fmt: str, out: Path) -> Path:
    """Write ``alignment`` in ``fmt`` (html, xlsx, csv or json) to ``out``."""
    if fmt == "html":
        return alignment.to_html(out)
    if fmt == "xlsx":
        return alignment.to_excel(out)
    if fmt == "csv":
        return alignment.to_csv(out)
    alignment.to_json(out)
    return out


def summary_lines(alignment: Alignment) -> list[str]:
    """A few lines for the terminal: best target per framework for each local strategy."""
    lines = [
        f"{alignment.org or '-'} ({alignment.province or '-'}): {len(alignment.items)} items "
        f"aligned against {', '.join(alignment.framework_names)}"
    ]
    for row in alignment.linkage[:12]:
        cells = ", ".join(
            f"{c.framework}={c.target_id}({c.score:.2f})" for c in row.cells if c.target_id
        )
        lines.append(f"  {row.strategy.title[:50]}: {cells}")
    gaps = alignment.gaps("national") if "national" in alignment.framework_names else []
    if gaps:
        lines.append("  gaps (national): " + ", ".join(g.target_id for g in gaps))
    return lines


def run(args: argparse.Namespace) -> int:
    import plansearch

    from ..alignment.engine import align

    src = Path(args.plan)
    if not src.exists():
        raise InputError(f"{src} does not exist")
    against: list[object] = list(args.against or [])
    for ref in args.reference or []:
        against.append(plansearch.load_reference(ref))
    if args.statements:
        lines = [ln.strip() for ln in src.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if not lines:
            raise InputError(f"{src} has no statements (one per line)")
        local: object = lines
    else:
        local = plansearch.parse_plan(src)
    from .index import optional_embedder

    embedder = optional_embedder(args.embedder)
    al = align(local, against or None, top_k=args.top_k, embedder=embedder)  # type: ignore[arg-type]
    if not al.items:
        print(f"plansearch: no local strategies or tactics found in {src}", file=sys.stderr)
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "json")
    fmt = {"xls": "xlsx", "htm": "html"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if args.out is None:
        if fmt != "json":
            raise InputError("--out PATH is required for html, xlsx and csv")
        print(al.to_json())
        return 0
    path = write_report(al, fmt, Path(args.out))
    for line in summary_lines(al):
        print(line)
    print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "align",
        help="align a plan's strategies and tactics with national/provincial frameworks",
        description=(
            "Rank, for every local strategy and tactic of PLAN, the targets it supports in "
            "each framework (ความเชื่อมโยงกับยุทธศาสตร์ระดับบน), and write a report."
        ),
    )
    p.add_argument(
        "plan", help="a plan document (.txt/.pdf/.docx) or, with --statements, a text file"
    )
    p.add_argument(
        "--against",
        nargs="+",
        metavar="NAME",
        help="built-in frameworks (national nesdp13 nesdp12 sdg dla masterplan services) or "
        "levels quoted in the plan (province pao provincial_group); default: national nesdp13 "
        "sdg dla + quoted",
    )
    p.add_argument(
        "--reference",
        action="append",
        metavar="FILE",
        help="a framework file (JSON/YAML/CSV); may be repeated",
    )
    p.add_argument("--format", choices=FORMATS, help="report format (default: from --out suffix)")
    p.add_argument("--out", help="output path (json goes to stdout without --out)")
    p.add_argument("--top-k", type=int, default=3, help="targets kept per framework (default 3)")
    p.add_argument(
        "--statements",
        action="store_true",
        help="PLAN is a UTF-8 text file with one statement per line",
    )
    p.add_argument("--embedder", help="hashing | default | a sentence-transformers model path")
    p.set_defaults(func=run)
