"""Coverage across plans: which targets a province's plans support, and the gaps.

For every framework any of the plans was aligned against (or has a decision in), the
targets are those alignment scores (:func:`plansearch.frameworks.targets_of`: the 13
หมุดหมาย of NESDP-13, not its 4 มิติ; the 23 master plans; the provincial strategies a
plan quotes), in the ผ.02 form's column order. A plan item supports a target when:

1. a reviewer decided its cell: accepted or changed to that target (a rejection
   supports nothing); otherwise
2. the top suggestion of the plan's latest recorded alignment is that target, with a
   strength of at least partial (สอดคล้องบางส่วน).

Coverage only *reads*: the decisions and the alignments already recorded
(:meth:`.alignments.Aligner.recorded`: in the workspace database, so a restart loses
nothing). A plan never aligned, or aligned only before its
latest upload, is listed as not aligned yet (its decisions still count), and the page
offers to start its alignment. An organisation is counted once: plans with the same
organisation and the same document count as one, and a target lists each supporting
organisation once (names compared canonically).

>>> province_coverage(wb, "ลำปาง")["frameworks"][0]["gaps"]   # doctest: +SKIP
['NS1']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..frameworks import FrameworkInfo, describe, is_builtin, plan_levels, targets_of
from ..parse.identity import canonical_org
from .db import Decision
from .plans import plan_from_row

if TYPE_CHECKING:
    from .alignments import StoredRun
    from .workbench import Workbench

#: Strengths of an undecided top suggestion that count as support.
SUPPORTING = ("strong", "partial")
#: The rule, as the page states it.
RULE_TH = (
    "นับจากการตัดสินใจของผู้ตรวจก่อน (ยอมรับหรือเปลี่ยนเป็นเป้าหมายนั้น; ปฏิเสธไม่นับ) "
    "ช่องที่ยังไม่ได้ตรวจนับข้อเสนออันดับแรกของการเชื่อมโยงครั้งล่าสุดที่สอดคล้องอย่างน้อยบางส่วน "
    "หน้านี้อ่านผลที่บันทึกไว้เท่านั้น ไม่เชื่อมโยงใหม่"
)


def province_coverage(wb: Workbench, province: str | None) -> dict[str, Any]:
    """Which targets the plans of ``province`` (``None``: every plan) support."""
    every = wb.plans.listing()
    hashes = wb.plans.source_hashes()
    chosen = [p for p in every if not province or p["province"] == province]
    plans, seen = [], set()
    for p in chosen:  # the same document of the same organisation counts once
        twin = (canonical_org(p["org"] or p["name"]), hashes.get(p["id"]))
        if twin not in seen:
            seen.add(twin)
            plans.append(p)
    support: dict[str, dict[str, list[str]]] = {}
    targets: dict[str, dict[str, str]] = {}
    aligned: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    for p in plans:
        run = wb.aligner.recorded(p["id"])
        current_run = run if run is not None and run.revision == p["revision"] else None
        entry = {"id": p["id"], "org": p["org"], "name": p["name"]}
        (aligned if current_run is not None else waiting).append(
            {**entry, "stale": run is not None and current_run is None}
        )
        label = canonical_org(p["org"]) if p["org"] else p["name"]
        for fw, tid in supported(wb, p["id"], current_run, targets):
            orgs = support.setdefault(fw, {}).setdefault(tid, [])
            if label not in orgs:
                orgs.append(label)
    infos = {fw: _info(wb, fw) for fw in targets}
    out = []
    for fw in sorted(targets, key=lambda f: (_rank(infos[f]), f)):
        info = infos[fw]
        listed = [
            {"id": tid, "title": title, "plans": support.get(fw, {}).get(tid, [])}
            for tid, title in targets[fw].items()
        ]
        out.append(
            {
                "framework": fw,
                "title": f"{info.letter} {info.heading}" if info is not None else fw,
                "targets": listed,
                "gaps": [t["id"] for t in listed if not t["plans"]],
            }
        )
    return {
        "province": province,
        "plans": aligned + waiting,
        "aligned": aligned,
        "not_aligned": [p["id"] for p in waiting],
        "waiting": waiting,
        "frameworks": out,
        "provinces": sorted({p["province"] for p in every if p["province"]}),
        "rule": RULE_TH,
    }


def supported(
    wb: Workbench,
    plan_id: str,
    run: StoredRun | None,
    targets: dict[str, dict[str, str]],
) -> list[tuple[str, str]]:
    """``(framework, target)`` pairs one plan supports (decisions first, then its
    recorded run's suggestions); adds each framework's targets to ``targets``."""
    row = wb.plans.row(plan_id)
    plan = plan_from_row(row)
    keys = {s.id for s in plan.sections}
    current = {cell: d for cell, d in wb.decisions.current(plan_id).items() if cell[0] in keys}
    if run is not None:
        for f in run.frameworks:
            known = targets.setdefault(f["name"], {})
            for tid, title in zip(f["target_ids"], f["target_titles"], strict=True):
                known.setdefault(tid, title)
    for _key, fw in current:
        if fw not in targets:
            listed = _targets(wb, fw, plan)
            if listed is not None:
                targets[fw] = listed
    cells = set(run.cells) if run is not None else set()
    out: list[tuple[str, str]] = []
    for key, fw in sorted(cells | set(current)):
        if fw not in targets:
            continue
        tid = supported_target(
            current.get((key, fw)), run.cells.get((key, fw)) if run is not None else None
        )
        if tid is not None and tid in targets[fw]:
            out.append((fw, tid))
    return out


def supported_target(decision: Decision | None, top: tuple[str, str, float] | None) -> str | None:
    """The target a cell supports: its reviewer's decision, else its top suggestion
    ``(target_id, strength, share)`` when at least partial.

    >>> supported_target(None, ("NS2", "partial", 0.41))
    'NS2'
    >>> supported_target(None, ("NS2", "weak", 0.2)) is None
    True
    """
    if decision is not None:
        return decision.target_id if decision.action != "reject" else None
    if top is not None and top[1] in SUPPORTING:
        return top[0]
    return None


def _targets(wb: Workbench, framework: str, plan: Any) -> dict[str, str] | None:
    """``id → title`` of the targets alignment scores in ``framework`` (``None``: a
    framework this workspace no longer has)."""
    try:
        if is_builtin(framework) or framework in plan_levels():
            found = targets_of(framework, plan)
        else:
            found = targets_of(wb.frameworks.reference(framework))
    except (KeyError, ValueError):
        return None
    return {t.id: t.title for t in found}


def _rank(info: FrameworkInfo | None) -> int:
    return info.order if info is not None else 99


def _info(wb: Workbench, framework: str) -> FrameworkInfo | None:
    """The registry's facts about a framework of this workspace (``None``: gone)."""
    try:
        if is_builtin(framework) or framework in plan_levels():
            return describe(framework)
        return describe(wb.frameworks.reference(framework))
    except (KeyError, ValueError):
        return None
