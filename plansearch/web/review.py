"""The linkage review of one plan: the ผ.02 blocks, top suggestions and decisions.

The review is laid out as the linkage part of the ผ.02 form: one block per section in
the strategy role of the registry's block model (:func:`plansearch.frameworks.kinds_for`
``("strategy")``: a strategy, or a policy area of a policy-style plan), holding that
section, then everything under it (tactics or policy items, then their projects) in
plan order. Columns are the aligned frameworks in the form's order
(:func:`plansearch.frameworks.describe`); each cell holds the top suggestions with
their evidence and the standing decision. Items under no block head come last, in a
block without a head.

A cell whose top suggestion (target or strength) differs from the plan's previous
recorded run carries ``changed`` (what the previous run showed): the planner sees
which suggestions moved since they last looked, e.g. after decisions were learnt from.
``learning`` says what the suggestions learnt from (the organisation's own decisions,
or other organisations' too when the planner chose so).

>>> plan_review(wb, "p-1")["blocks"][0]["strategy"]["title"]   # doctest: +SKIP
'การพัฒนาด้านโครงสร้างพื้นฐาน'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..frameworks import describe, kinds_for
from ..labels import STRENGTH_TH
from .db import Decision
from .plans import section_json

if TYPE_CHECKING:
    from ..alignment.results import Alignment, FrameworkInfo, ItemAlignment
    from ..sections import Section
    from .workbench import Workbench

#: Heading of the last block: aligned items under no strategy (or policy area).
UNPLACED_HEADING = "รายการที่ไม่ระบุยุทธศาสตร์"


def plan_review(wb: Workbench, plan_id: str) -> dict[str, Any]:
    """The linkage review of a plan's latest alignment (never aligns:
    :class:`~.alignments.NotAlignedError` when there is none)."""
    ap = wb.aligner.aligned(plan_id)
    al = ap.alignment
    current = wb.decisions.current(plan_id)
    fws = sorted(al.frameworks, key=lambda f: describe(f).order)
    this_run = wb.aligner.recorded(plan_id, before=ap.run_id + 1)
    previous = wb.aligner.recorded(plan_id, before=ap.run_id)
    before = previous.cells if previous is not None else {}
    blocks: list[dict[str, Any]] = [
        {
            "strategy": section_json(head.item) if head is not None else None,
            "heading": block_heading(head.item if head is not None else None),
            "rows": [_row(it, fws, current, before) for it in members],
        }
        for head, members in linkage_blocks(al, ap.plan.sections)
    ]
    changed = sum(
        1
        for b in blocks
        for row in b["rows"]
        for cell in row["cells"].values()
        if cell.get("changed") is not None
    )
    keys = {it.item.id for it in al.items}
    orphaned = [d.to_dict() for (key, _fw), d in sorted(current.items()) if key not in keys]
    return {
        "plan_id": plan_id,
        "run_id": ap.run_id,
        "org": al.org,
        "province": al.province,
        "seconds": round(ap.seconds, 2),
        "frameworks": [_framework_json(f) for f in fws],
        "blocks": blocks,
        "cells": len(al.items) * len(fws),
        "decided": sum(1 for (key, _fw) in current if key in keys),
        "orphaned_decisions": orphaned,
        "strengths": STRENGTH_TH,
        "changed": changed,
        "previous_run": previous.run_id if previous is not None else None,
        "learning": {
            "from_others": wb.decisions.learns_from_others(plan_id),
            "used_from_others": this_run.learn_from_others if this_run is not None else False,
            "examples": this_run.examples if this_run is not None else 0,
        },
    }


def linkage_blocks(
    al: Alignment, sections: Sequence[Section] = ()
) -> list[tuple[ItemAlignment | None, list[ItemAlignment]]]:
    """``(head, members)`` per ผ.02 block: each aligned item in the strategy role with
    itself and the aligned items under it (any depth, plan order); then ``(None, rest)``
    when some items are under no head. ``sections``: the plan's, for the parent links
    of sections that were not aligned themselves."""
    heads = set(kinds_for("strategy"))
    parent_of = {sec.id: sec.parent_id for sec in sections}
    for it in al.items:
        parent_of.setdefault(it.item.id, it.item.parent_id)

    def under(item_id: str, head_id: str) -> bool:
        """True when ``head_id`` is an ancestor of ``item_id``."""
        seen: set[str] = set()
        node = parent_of.get(item_id)
        while node and node not in seen:
            if node == head_id:
                return True
            seen.add(node)
            node = parent_of.get(node)
        return False

    out: list[tuple[ItemAlignment | None, list[ItemAlignment]]] = []
    placed: set[str] = set()
    for head in (it for it in al.items if it.item.kind in heads):
        members = [head] + [
            it for it in al.items if it is not head and under(it.item.id, head.item.id)
        ]
        placed.update(it.item.id for it in members)
        out.append((head, members))
    rest = [it for it in al.items if it.item.id not in placed]
    if rest:
        out.append((None, rest))
    return out


def block_heading(head: Section | None) -> str:
    """The Thai heading of a ผ.02 block: ``ยุทธศาสตร์ที่ 2 …``, or the head's kind
    (``ด้านนโยบาย 1 …``) when it is not a strategy.

    >>> from plansearch.sections import Section
    >>> head = Section("s", "strategy", "local", "การพัฒนาด้านสังคม", "", number="2")
    >>> block_heading(head)
    'ยุทธศาสตร์ที่ 2 การพัฒนาด้านสังคม'
    """
    if head is None:
        return UNPLACED_HEADING
    kind = "ยุทธศาสตร์ที่" if head.kind == "strategy" else section_json(head)["kind_th"]
    return f"{kind} {head.number or ''} {head.title}".replace("  ", " ")


def _framework_json(f: FrameworkInfo) -> dict[str, Any]:
    info = describe(f)
    return {
        "name": f.name,
        "title": f.title,
        "column": f.column,
        "letter": info.letter,
        "heading": info.heading,
        "targets": [
            {"id": i, "title": t} for i, t in zip(f.target_ids, f.target_titles, strict=True)
        ],
    }


def _row(
    it: ItemAlignment,
    fws: Sequence[FrameworkInfo],
    current: dict[tuple[str, str], Decision],
    before: dict[tuple[str, str], tuple[str, str, float]],
) -> dict[str, Any]:
    cells = {}
    for f in fws:
        d = current.get((it.item.id, f.name))
        top = it.best(f.name)
        was = before.get((it.item.id, f.name))
        moved = (
            was is not None
            and top is not None
            and (was[0], was[1]) != (top.target_id, top.strength)
        )
        cells[f.name] = {
            "changed": (
                {"target_id": was[0], "strength": was[1], "share": was[2]}
                if moved and was is not None
                else None
            ),
            "suggestions": [
                {
                    "target_id": m.target_id,
                    "title": m.target_title,
                    "score": m.score,
                    "share": m.share,
                    "strength": m.strength,
                    "evidence": {
                        "sub_id": m.evidence.sub_id,
                        "sub_title": m.evidence.sub_title,
                        "shared_terms": list(m.evidence.shared_terms),
                    },
                }
                for m in it.for_framework(f.name)
            ],
            "decision": d.to_dict() if d else None,
        }
    return {"section": section_json(it.item), "cells": cells}
