"""``plansearch search``: query a saved index and print a Thai-aware table or JSON.

plansearch search "น้ำประปาหมู่บ้าน" --index indexes/default --k 5 --level local

``search`` and ``similar`` share their defaults (:data:`DEFAULT_INDEX`, :data:`DEFAULT_K`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence

from ..errors import InputError
from ..labels import KIND_TH
from ..search.filters import FILTER_FIELDS
from ..search.index import MODES, Hit
from ..sections import KINDS, LEVELS
from ..thai import display_width
from ._inputs import non_blank, positive_int

#: The index ``search`` and ``similar`` read when ``--index`` is not given.
DEFAULT_INDEX = "indexes/default"
#: How many results ``search`` and ``similar`` show at most when ``--k`` is not given.
DEFAULT_K = 10


def fit(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns (with '…') and pad it to exactly ``width``."""
    text = " ".join((text or "").split())
    if display_width(text) > width:
        out, used = [], 0
        for ch in text:
            w = display_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def format_table(hits: list[Hit], *, text_width: int = 60) -> str:
    """A plain-text table, Thai headings with English: rank, score, organisation, kind
    (Thai), where in the plan, text."""
    cols = [
        ("#", 3),
        ("คะแนน/score", 11),
        ("หน่วยงาน/org", 28),
        ("ประเภท/kind", 14),
        ("ตำแหน่ง/path", 26),
        ("ข้อความ/text", text_width),
    ]
    lines = ["  ".join(fit(name, w) for name, w in cols).rstrip()]
    lines.append("  ".join("-" * w for _, w in cols))
    for h in hits:
        s = h.section
        kind = KIND_TH.get(s.kind, s.kind)
        cells = [str(h.rank), f"{h.score:.4f}", s.org or "-", kind, s.path or "-", s.content]
        lines.append("  ".join(fit(c, w) for c, (_, w) in zip(cells, cols, strict=True)).rstrip())
    return "\n".join(lines)


def province_filter(value: str) -> str:
    """An ``argparse`` type for a ``--province`` filter: ``จังหวัดเลย``/``จ.เลย`` → ``เลย``."""
    text = non_blank(value).replace(" ", "")
    for prefix in ("จังหวัด", "จ."):
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def query_text(value: str, *, option: str = "QUERY") -> str:
    """The query, or :class:`InputError` when it is empty or only spaces."""
    if not value.strip():
        raise InputError(
            f"คำค้นว่างเปล่า ใส่คำภาษาไทยที่ต้องการค้น — the {option} is empty; give some "
            'words, e.g. "น้ำประปาหมู่บ้าน"'
        )
    return value


def run(args: argparse.Namespace) -> int:
    from ..search.index import DEFAULT_SEARCH_TOPICS, RELEVANCE_FLOOR, SearchIndex
    from .index import optional_embedder

    query = query_text(args.query)
    embedder = optional_embedder(args.embedder)
    index = SearchIndex.load(args.index, embedder=embedder)
    where: dict[str, list[str]] = {}
    for field in FILTER_FIELDS:
        values = getattr(args, field, None)
        if values:
            where[field] = values
    topics = None if args.no_topics else DEFAULT_SEARCH_TOPICS
    hits = index.search(
        query,
        k=args.k,
        where=where or None,
        mode=args.mode,
        topics=topics,
        relevance=None if args.keep_weak else RELEVANCE_FLOOR,
    )
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
    elif not hits:
        print("ไม่พบผลลัพธ์ (no results)")
    else:
        print(format_table(hits))
    return 0


#: Closed sets of filter values (argparse ``choices``); the others are free text.
FILTER_CHOICES: dict[str, tuple[str, ...]] = {"level": LEVELS, "kind": KINDS}
FILTER_TYPES: dict[str, Callable[[str], str]] = {
    "province": province_filter,
    "org": non_blank,
    "source": non_blank,
}


def add_index_options(p: argparse.ArgumentParser) -> None:
    """``--index`` and ``--k``, the same for ``search`` and ``similar``."""
    p.add_argument(
        "--index",
        default=DEFAULT_INDEX,
        help="โฟลเดอร์ดัชนี / index directory from `plansearch index` (default: %(default)s)",
    )
    p.add_argument(
        "--k",
        type=positive_int,
        default=DEFAULT_K,
        metavar="N",
        help="จำนวนผลสูงสุด / at most N results (default: %(default)s)",
    )


def add_filter_options(p: argparse.ArgumentParser, fields: Sequence[str] = FILTER_FIELDS) -> None:
    """``--org/--province/--level/--kind/--source`` filters (repeat for any of several)."""
    for field in fields:
        choices = FILTER_CHOICES.get(field)
        p.add_argument(
            f"--{field}",
            action="append",
            metavar=field.upper(),
            choices=choices,
            type=FILTER_TYPES.get(field, str),
            help=f"only sections whose {field} is this (repeat for any of several)"
            + (f"; one of {', '.join(choices)}" if choices else ""),
        )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "search",
        help="ค้นหาในแผน / search an index by meaning and words",
        description="ค้นหาในดัชนีแผน / search a saved index; filters apply inside the search. "
        "Results stop where relevance ends, so fewer than --k may come back.",
    )
    p.add_argument("query", help='what to look for, e.g. "น้ำประปาหมู่บ้าน"')
    add_index_options(p)
    p.add_argument("--mode", choices=MODES, default="hybrid", help="default: hybrid")
    p.add_argument(
        "--no-topics",
        action="store_true",
        help="rank by text alone, without the service-area re-ranking (ไม่จัดลำดับตามด้านบริการ)",
    )
    p.add_argument(
        "--keep-weak",
        action="store_true",
        help="แสดงครบ N รายการแม้คะแนนต่ำ / return N hits even when they score below a fifth "
        "of the best (by default results stop where relevance ends)",
    )
    add_filter_options(p)
    p.add_argument(
        "--embedder",
        default=None,
        help="embedder to load the index with (default: the one it was built with)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (one object per hit)")
    p.set_defaults(func=run)
