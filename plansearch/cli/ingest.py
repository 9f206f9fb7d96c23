"""``plansearch ingest``: parse a folder of plans, write sections JSONL, print a summary
and each document's parse quality (every flag in Thai, English alongside).

plansearch ingest corpus/raw --out corpus/sections.jsonl
plansearch ingest corpus/raw --json   # one JSON object per document, flags included
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from ..errors import InputError
from ..frameworks import level_title
from ..parse.quality import ParseQuality, assess_quality
from ..sections import KINDS, LEVELS, Plan
from ._inputs import add_identity_options, add_ocr_option, positive_mb, read_plans
from ._output import check_output_file, format_table, write_file

#: Column headings of the summary table: Thai, then the English short name.
_KIND_HEAD = {
    "vision": "วิสัยทัศน์/vis",
    "mission": "พันธกิจ/mis",
    "goal": "เป้าประสงค์/goal",
    "objective": "วัตถุประสงค์/obj",
    "target": "เป้าหมาย/tgt",
    "strategy": "ยุทธศาสตร์/strat",
    "tactic": "แนวทาง/tact",
    "indicator": "ตัวชี้วัด/ind",
    "policy_area": "ด้าน/area",
    "policy": "นโยบาย/pol",
    "project": "โครงการ/proj",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "ingest",
        help="อ่านเอกสารแผนเป็นหัวข้อ / parse plan documents into sections (JSONL) and print a summary",
        description=(
            "Parse every .txt/.pdf/.docx plan under PATH (recursively) into typed "
            "sections, optionally write them as JSON lines, and print one row per "
            "document: organisation, province, and section counts per kind and level."
        ),
    )
    p.add_argument("path", help="a plan file or a folder of plans (e.g. corpus/raw)")
    p.add_argument("--out", "-o", help="write all sections to this JSONL file")
    p.add_argument(
        "--max-mb",
        type=positive_mb,
        default=50.0,
        help="skip documents larger than this many MB (default: %(default)s)",
    )
    p.add_argument("--strict", action="store_true", help="fail if any document cannot be parsed")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per document (counts, quality and every flag with its "
        "fix) instead of the table",
    )
    add_identity_options(p)
    add_ocr_option(p)
    p.set_defaults(func=run)


def summary_table(plans: list[Plan]) -> str:
    """One row per plan: file, org, province, section counts per kind, the number of
    quality flags, then counts per level."""
    kinds = [k for k in KINDS if any(s.kind == k for p in plans for s in p)]
    levels = [lv for lv in LEVELS if any(s.level == lv for p in plans for s in p)]
    head = [
        "ไฟล์/file",
        "หน่วยงาน/org",
        "จังหวัด/province",
        "รวม/total",
        *(_KIND_HEAD[k] for k in kinds),
        "ข้อสังเกต/flags",
        "ระดับ/levels",
    ]
    rows = [head]
    total_k: Counter[str] = Counter()
    total_l: Counter[str] = Counter()
    for plan in plans:
        ck = Counter(s.kind for s in plan)
        cl = Counter(s.level for s in plan)
        total_k.update(ck)
        total_l.update(cl)
        name = Path(plan.source).name if plan.source else "<text>"
        lv = ", ".join(f"{level_title(lv)} {cl[lv]}" for lv in levels if cl[lv])
        rows.append(
            [
                name,
                plan.org or "-",
                plan.province or "-",
                str(len(plan)),
                *(str(ck[k]) for k in kinds),
                str(len(_quality(plan).flags)),
                lv or "-",
            ]
        )
    lv = ", ".join(f"{level_title(lv)} {total_l[lv]}" for lv in levels if total_l[lv])
    rows.append(
        [
            f"รวม {len(plans)} ฉบับ/documents",
            "",
            "",
            str(sum(len(p) for p in plans)),
            *(str(total_k[k]) for k in kinds),
            str(sum(len(_quality(p).flags) for p in plans)),
            lv or "-",
        ]
    )
    return format_table(rows, right=set(range(3, len(head) - 1)))


def _quality(plan: Plan) -> ParseQuality:
    """The parse's quality (``plan.quality``), assessed from the sections if missing."""
    q = plan.quality
    return q if isinstance(q, ParseQuality) else assess_quality(plan.sections)


def quality_report(plans: list[Plan]) -> str:
    """Each document's parse quality: what was found and every flag, Thai first."""
    out = ["", "คุณภาพการอ่านเอกสาร / parse quality:"]
    for plan in plans:
        name = Path(plan.source).name if plan.source else "<text>"
        out.append(f"{name}: " + _quality(plan).summary(plan.sections))
    return "\n".join(out)


def json_report(plans: list[Plan]) -> str:
    """One JSON object per document: file, org, province, and its quality
    (:meth:`~plansearch.parse.ParseQuality.to_dict`: counts, ``ok``, ``flags``…)."""
    docs = [
        {
            "file": plan.source,
            "org": plan.org,
            "province": plan.province,
            "quality": _quality(plan).to_dict(),
        }
        for plan in plans
    ]
    return json.dumps(docs, ensure_ascii=False, indent=2)


def run(args: argparse.Namespace) -> int:
    from ..corpus import write_sections

    out = check_output_file(args.out) if args.out else None
    result = read_plans(
        args.path,
        org=args.org,
        province=args.province,
        max_bytes=int(args.max_mb * 1024 * 1024),
        ocr=args.ocr,
    )
    if result.skipped and args.strict:
        first, reason = result.skipped[0]
        raise InputError(
            f"มีเอกสารที่อ่านไม่ได้ {len(result.skipped)} ฉบับ (--strict) — "
            f"{len(result.skipped)} document(s) could not be parsed, first {first}: "
            f"{reason}; fix them or drop --strict"
        )
    result.report_skipped()
    plans = list(result.plans)
    # with --json, stdout holds the JSON alone; the other lines go to stderr
    notes = sys.stderr if args.json else sys.stdout
    if args.json:
        print(json_report(plans))
    else:
        print(summary_table(plans))
        print(quality_report(plans))
    if out is not None:
        counted: list[int] = []
        write_file(out, lambda tmp: counted.append(write_sections(plans, tmp)))
        print(
            f"\nบันทึก {counted[0]} หัวข้อจาก {len(plans)} ฉบับ — wrote {counted[0]} sections "
            f"from {len(plans)} documents to {out}",
            file=notes,
        )
    if result.skipped:
        print(
            f"ข้าม {len(result.skipped)} ฉบับ (ดูข้อความด้านบน) — {len(result.skipped)} "
            "document(s) skipped (see messages above)",
            file=notes,
        )
    return 0
