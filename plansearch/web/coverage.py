"""Coverage across plans: which national targets a province's plans support, and the gaps.

A plan supports a target when a reviewer linked one of its items to it, or, for a cell
nobody decided, when the top suggestion is at least a partial link. Targets are those
:func:`plansearch.frameworks.targets_of` lists for each framework.

>>> province_coverage(wb, "ลำปาง")["frameworks"][0]["gaps"]   # doctest: +SKIP
['NS1']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..frameworks import describe, targets_of
from .db import Decision

if TYPE_CHECKING:
    from ..alignment.results import ItemAlignment
    from .workbench import Workbench

#: The frameworks the coverage page reports: the national strategy, the NESDP-13
#: milestones and the SDGs (the national part of the ผ.02 linkage, ก.–ค.).
COVERAGE_FRAMEWORKS: tuple[str, ...] = ("national", "nesdp13", "sdg")
#: Strengths of an undecided top suggestion that count as support.
SUPPORTING = ("strong", "partial")


def province_coverage(wb: Workbench, province: str | None) -> dict[str, Any]:
    """Which targets the plans of ``province`` (``None``: every plan) support."""
    every = wb.plans.listing()
    plans = [p for p in every if not province or p["province"] == province]
    support: dict[str, dict[str, list[str]]] = {f: {} for f in COVERAGE_FRAMEWORKS}
    not_aligned = []
    for p in plans:
        ap = wb.aligner.stored(p["id"])  # read-only: a GET never aligns
        if ap is None:
            not_aligned.append(p["id"])
            continue
        current = wb.decisions.current(p["id"])
        label = p["org"] or p["name"]
        for f in COVERAGE_FRAMEWORKS:
            if f not in ap.alignment.framework_names:
                continue
            for it in ap.alignment.items:
                for tid in supported_targets(it, f, current):
                    orgs = support[f].setdefault(tid, [])
                    if label not in orgs:
                        orgs.append(label)
    out = []
    for f in COVERAGE_FRAMEWORKS:
        targets = [
            {"id": t.id, "title": t.title, "plans": support[f].get(t.id, [])} for t in targets_of(f)
        ]
        out.append(
            {
                "framework": f,
                "title": describe(f).heading,
                "targets": targets,
                "gaps": [t["id"] for t in targets if not t["plans"]],
            }
        )
    return {
        "province": province,
        "plans": [{"id": p["id"], "org": p["org"], "name": p["name"]} for p in plans],
        "not_aligned": not_aligned,
        "frameworks": out,
        "provinces": sorted({p["province"] for p in every if p["province"]}),
    }


def supported_targets(
    it: ItemAlignment, framework: str, current: dict[tuple[str, str], Decision]
) -> list[str]:
    """The targets of ``framework`` one plan item supports: its reviewer's decision,
    else its top suggestion when at least partial."""
    d = current.get((it.item.id, framework))
    if d is not None:
        return [d.target_id] if d.action != "reject" and d.target_id else []
    best = it.best(framework)
    if best is not None and best.strength in SUPPORTING:
        return [best.target_id]
    return []
