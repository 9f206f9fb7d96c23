"""``plansearch align``: align one plan (or a text file of statements) and write a report.

    plansearch align corpus/raw/000_7c6bce5cff1fe495.txt --against national nesdp13 sdg dla \\
        --format html --out reports/khamong.html

With ``--cluster``, PLAN is a whole corpus (a folder of plans or a sections ``.jsonl``),
aligned in shards on a Dask cluster, and the result is one table (CSV or JSON lines) of
every item's top targets (:func:`plansearch.alignment.distributed.align_corpus`)::

    plansearch align corpus/raw --cluster local:2 --out links.csv --against national sdg
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, PlanSearchError
from ..sections import Plan
from ..thai import display_width
from ._inputs import (
    add_identity_options,
    add_k_option,
    add_ocr_option,
    input_path,
    positive_int,
    read_statements,
)
from ._output import check_output_file, pad, write_file
from .index import add_cluster_security_options

if TYPE_CHECKING:
    from ..alignment.results import Alignment
    from ..frameworks import Reference

FORMATS = ("html", "xlsx", "csv", "json")


def write_report(alignment: Alignment, fmt: str, out: Path) -> Path:
    """Write ``alignment`` in ``fmt`` (html, xlsx, csv or json) to ``out``."""
    from ..report import write_report as write

    return write(alignment, out, format=fmt)


#: Linkage rows :func:`summary_lines` prints before saying how many more there are.
SUMMARY_ROWS = 12
#: Characters of a title shown in the terminal table.
TITLE_CHARS = 48


def _short(text: str, n: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def summary_lines(alignment: Alignment, *, rows: int = SUMMARY_ROWS) -> list[str]:
    """The terminal table, Thai first: for each item heading a ผ.02 block (strategy or
    policy area), its best target per framework with the strength label and the share
    the label is cut from; then the gaps per framework."""
    from ..frameworks import kinds_for
    from ..labels import STRENGTH_TH

    th = alignment.thresholds
    org = alignment.org or "-"
    lines = [
        f"{org} ({alignment.province or '-'}): {len(alignment.items)} รายการ × "
        f"{len(alignment.frameworks)} กรอบ — items × frameworks",
        f"ระดับความสอดคล้องจากสัดส่วนหลักฐาน (share): {STRENGTH_TH['strong']} ≥ {th.strong:g} · "
        f"{STRENGTH_TH['partial']} ≥ {th.partial:g} · {STRENGTH_TH['weak']} ≥ {th.weak:g}",
    ]
    heads = kinds_for("strategy")
    shown = [it for it in alignment.items if it.item.kind in heads] or list(alignment.items)
    width = max((display_width(f.column) for f in alignment.frameworks), default=0)
    for n, it in enumerate(shown[:rows], 1):
        lines.append(f"{n}. {_short(it.item.title, 70)}")
        for f in alignment.frameworks:
            m = it.best(f.name)
            if m is None:
                continue
            label = STRENGTH_TH.get(m.strength, m.strength)
            lines.append(
                f"   {pad(f.column, width)}  {m.target_id:<6} {label} {m.share:.2f}  "
                f"{_short(m.target_title)}"
            )
    if len(shown) > rows:
        lines.append(f"… และอีก {len(shown) - rows} รายการ — {len(shown) - rows} more")
    for f in alignment.frameworks:
        gaps = alignment.gaps(f.name)
        if gaps:
            lines.append(
                f"ช่องว่าง (ไม่มีรายการสอดคล้อง) {f.column}: " + ", ".join(g.target_id for g in gaps)
            )
    return lines


def _check_quoted_levels(against: list[str], plan: Plan | None) -> None:
    """Refuse a plan level in ``--against`` that the plan does not quote (it would be
    dropped silently, or leave nothing to align against)."""
    from ..frameworks import plan_levels

    for name in against:
        if name not in plan_levels():
            continue
        if plan is None:
            raise InputError(
                f"ระดับ {name} มาจากแผนที่อ้างยุทธศาสตร์ระดับนั้นเท่านั้น — --against {name} needs "
                "a plan document, not --statements; give the framework as a file with "
                "--reference FILE"
            )
        if not any(s.level == name for s in plan.sections):
            raise InputError(
                f"แผนนี้ไม่ได้อ้างยุทธศาสตร์ระดับ {name} — {plan.source or 'the plan'} quotes no "
                f"{name} strategies, so --against {name} has nothing to align with; give "
                "them as a file with --reference FILE (see docs/frameworks.md, Your own framework)"
            )


def output_format(fmt: str | None, out: str | None) -> str:
    """The report format: ``--format``, else the ``--out`` suffix, else the terminal
    table (``"table"``)."""
    if fmt is None:
        if out is None:
            return "table"
        fmt = Path(out).suffix.lstrip(".").lower()
        fmt = {"xls": "xlsx", "htm": "html"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise InputError(
            f"ไม่รู้จักรูปแบบรายงาน — unknown report format {fmt or '(no suffix)'!r} from "
            f"--out; use --format with one of {', '.join(FORMATS)}"
        )
    if out is None and fmt != "json":
        raise InputError(
            f"รายงาน {fmt} ต้องระบุไฟล์ด้วย --out — --out PATH is required for html, xlsx "
            "and csv (json goes to the screen with --json)"
        )
    return fmt


def run(args: argparse.Namespace) -> int:
    from ..alignment.pipeline import align
    from ..frameworks import load_reference
    from ..parse.parser import parse_plan
    from .index import optional_embedder

    if args.cluster:
        return run_on_cluster(args)
    fmt = "json" if args.json and not args.out else output_format(args.format, args.out)
    out = check_output_file(args.out) if args.out else None
    embedder = optional_embedder(args.embedder)
    against: list[str | Reference] = list(args.against or [])
    for ref in args.reference or []:
        against.append(load_reference(input_path(ref, folder=False, what="framework")))
    plan: Plan | None = None
    if args.statements:
        if args.org or args.province or args.ocr:
            raise InputError(
                "--org/--province/--ocr ใช้กับเอกสารแผน — --org, --province and --ocr apply "
                "to plan documents, not --statements; drop them"
            )
        local: Plan | list[str] = read_statements(Path(args.plan))
    else:
        src = input_path(args.plan, folder=False, what="plan")
        plan = parse_plan(src, org=args.org, province=args.province, ocr=args.ocr)
        local = plan
    _check_quoted_levels(list(args.against or []), plan)
    try:
        al = align(local, against or None, k=args.k, embedder=embedder)
    except PlanSearchError:
        raise
    except ValueError as exc:  # last resort until align raises named errors itself
        raise InputError(f"เชื่อมโยงไม่ได้ — {exc}; check --against/--reference and the plan") from exc
    if not al.items:
        print(
            f"plansearch: ไม่พบยุทธศาสตร์หรือแนวทางของท้องถิ่น — no local strategies or "
            f"tactics found in {args.plan}",
            file=sys.stderr,
        )
    if out is None:
        if fmt == "json":
            print(al.to_json())
        else:
            for line in summary_lines(al):
                print(line)
            print(
                "บันทึกรายงานด้วย --out รายงาน.html (html, xlsx, csv) หรือพิมพ์ JSON ด้วย --json — "
                "write a report with --out FILE, or print JSON with --json"
            )
        return 0
    path = write_file(out, lambda tmp: write_report(al, fmt, tmp))
    for line in summary_lines(al):
        print(line)
    print(f"wrote {path}")
    return 0


#: Table formats of ``--cluster`` (a corpus-wide table, not a per-plan report).
CLUSTER_FORMATS = ("csv", "jsonl")


def run_on_cluster(args: argparse.Namespace) -> int:
    """``--cluster``: align a whole corpus in shards and write one table."""
    from ..alignment.distributed import align_corpus
    from ._output import check_output_dir
    from .index import cluster_security_of, load_sections

    if not args.out:
        raise InputError("--cluster ต้องระบุไฟล์ผลลัพธ์ — --cluster needs --out FILE (.csv or .jsonl)")
    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    if fmt not in CLUSTER_FORMATS:
        raise InputError(
            f"--cluster เขียนตารางเท่านั้น — with --cluster the result is one table for the "
            f"whole corpus: use --format csv or jsonl (or an --out ending .csv/.jsonl), not "
            f"{fmt or '(no suffix)'!r}"
        )
    if args.statements or args.reference:
        raise InputError(
            "--cluster ใช้กับคลังแผนและกรอบในตัว — --cluster aligns a corpus of plans against "
            "built-in frameworks; drop --statements/--reference"
        )
    security = cluster_security_of(args)
    out = check_output_file(args.out)
    corpus = load_sections(args.plan, org=args.org, province=args.province)
    against = list(args.against or []) or None
    if against:
        _check_quoted_levels_corpus(against)
    work = Path(args.work_dir) if args.work_dir else out.with_name(out.name + ".shards")
    check_output_dir(work, option="--work-dir")

    def show(done: int, total: int) -> None:
        print(f"\rshards {done}/{total}", end="" if done < total else "\n", file=sys.stderr)

    res = align_corpus(
        corpus,
        against,
        None if args.embedder in (None, "default") else args.embedder,
        cluster=args.cluster,
        work_dir=work,
        k=args.k,
        shard_size=args.shard_size,
        progress=show,
        connect_timeout=f"{args.connect_timeout}s",
        security=security,
    )
    path = write_file(out, res.to_csv if fmt == "csv" else res.to_jsonl)
    rep = res.report
    print(
        f"{len(res.items)} items aligned against {', '.join(res.framework_names)} on "
        f"{args.cluster}: {rep.computed} shards computed, {rep.reused} reused from {work}, "
        f"{rep.workers} workers, {rep.seconds:.1f} s → {path}"
    )
    return 0


def _check_quoted_levels_corpus(against: list[str]) -> None:
    from ..frameworks import plan_levels

    quoted = [a for a in against if a in plan_levels()]
    if quoted:
        raise InputError(
            f"ระดับ {quoted[0]} ต่างกันในแต่ละแผน — {quoted[0]} strategies differ from plan to "
            "plan, so --cluster cannot align a corpus against them; align those plans one by "
            "one without --cluster"
        )


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
    p.add_argument(
        "--format",
        choices=(*FORMATS, "jsonl"),
        help="report format (default: from --out suffix; jsonl only with --cluster)",
    )
    p.add_argument(
        "--out",
        help="ไฟล์รายงาน — report file (.html/.xlsx/.csv/.json); without it a short table "
        "is printed",
    )
    p.add_argument(
        "--json", action="store_true", help="พิมพ์ผลทั้งหมดเป็น JSON — print the whole result as JSON"
    )
    add_k_option(p, default=3, help="targets kept per framework (default 3)")
    p.add_argument(
        "--statements",
        action="store_true",
        help="PLAN is a text file with one statement per line (UTF-8, UTF-16 or TIS-620)",
    )
    add_identity_options(p)
    add_ocr_option(p)
    p.add_argument("--embedder", help="hashing | hashing:DIM | default | a model directory")
    p.add_argument(
        "--cluster",
        help="align a whole corpus (PLAN: a folder of plans or a sections .jsonl) on a Dask "
        "cluster: 'local:N' or a scheduler address such as tls://10.0.0.5:8786; writes one "
        "table (csv/jsonl); finished shards are kept and a rerun resumes",
    )
    add_cluster_security_options(p)
    p.add_argument("--work-dir", help="where --cluster keeps finished shards (default: OUT.shards)")
    p.add_argument(
        "--shard-size", type=positive_int, default=1024, help="items per shard (--cluster)"
    )
    p.add_argument(
        "--connect-timeout",
        type=positive_int,
        default=20,
        metavar="SECONDS",
        help="how long to wait for the --cluster scheduler (default 20)",
    )
    p.set_defaults(func=run)
