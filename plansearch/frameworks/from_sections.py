"""A framework built from parsed plan sections (a province's or PAO's strategies)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ReferenceFormatError
from ..sections import LEVELS, Plan, Section
from .model import Reference
from .validate import MAX_DEPTH, ReferenceBuilder

# kinds of plan sections kept by reference_from_sections (projects/indicators are not targets)
SECTION_KINDS = ("strategy", "goal", "objective", "target", "tactic")


def reference_from_sections(
    sections: Plan | Iterable[Section],
    *,
    name: str,
    level: str,
    title: str | None = None,
    source: str | None = None,
    kinds: Sequence[str] = SECTION_KINDS,
) -> Reference:
    """Build a framework from parsed plan sections of one ``level``.

    Strategies become the roots; goals, tactics… under them (via ``parent_id``)
    become their children, at any depth up to the framework limit. Sections of other
    levels, of kinds not in ``kinds`` (projects, indicators by default), or not under a
    strategy are left out. Ids are the sections' own ids, so results point back to the
    plan.

    >>> from plansearch import Section
    >>> s = Section.from_text("พัฒนาโครงสร้างพื้นฐาน", kind="strategy", level="pao", id="p1")
    >>> t = Section.from_text("ก่อสร้างถนน", kind="tactic", level="pao", id="p1.1")
    >>> ref = reference_from_sections([s, t.with_(parent_id="p1")], name="pao", level="pao")
    >>> [x.id for x in ref.subtree("p1")]
    ['p1', 'p1.1']
    """
    if level not in LEVELS:
        raise ReferenceFormatError(f"unknown level {level!r}; expected one of {LEVELS}")
    every = list(sections)
    secs = [s for s in every if s.level == level and s.kind in kinds]
    by_id = {s.id: s for s in secs}
    kids: dict[str, list[Section]] = {}
    for s in secs:
        if s.parent_id is not None and s.parent_id in by_id:
            kids.setdefault(s.parent_id, []).append(s)
    roots = [s for s in secs if s.kind == "strategy" and s.parent_id not in by_id]
    if not roots:
        have = sorted({s.level for s in every if s.kind == "strategy"})
        hint = f" (the input has levels {have})" if have else ""
        raise ReferenceFormatError(
            f"no strategy sections of level {level!r} to build reference {name!r} from{hint}"
        )

    done: set[str] = set()

    def node(s: Section, depth: int) -> dict[str, Any]:
        done.add(s.id)
        d: dict[str, Any] = {"id": s.id, "title": s.title or s.text[:120], "type": s.kind}
        if s.text and s.text != s.title:
            d["text"] = s.text
        if depth <= MAX_DEPTH:  # one level more, so the builder names the too-deep item
            children = [node(c, depth + 1) for c in kids.get(s.id, []) if c.id not in done]
            if children:
                d["children"] = children
        return d

    items = [node(s, 1) for s in roots if s.id not in done]
    data = {
        "name": name,
        "level": level,
        "title": title or name,
        "source": source or "",
        "items": items,
    }
    return ReferenceBuilder(f"sections of {name!r}").build(data)
