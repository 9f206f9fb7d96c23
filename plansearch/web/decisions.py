"""The planners' decisions on suggested links, and what alignment learns from them.

A decision accepts the suggested target of one cell (a plan section × a framework),
changes it to another target, or rejects it; ``undo`` cancels the newest standing
decision of the cell. Decisions are an append-only history in the workspace database
(:mod:`.db`). The standing ones become learning examples
(:class:`plansearch.alignment.Example`) for the next alignment.

>>> decisions.decide("p-1", "k-1", "national", "accept", "NS2", who="สมศรี")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..report.form02 import STATUS_TH
from .db import Decision, NotFoundError, Workspace, now_iso
from .plans import PlanStore

if TYPE_CHECKING:
    from ..alignment import Example

#: Thai names of a cell's status: the ผ.02 form's own (:data:`plansearch.report.form02.STATUS_TH`).
ACTION_TH = STATUS_TH
#: ``(plan_id, framework) → ids a decision may name`` (``None``: cannot be told).
TargetIds = Callable[[str, str], set[str] | None]


class Decisions:
    """Record and read the decisions of one workspace.

    ``target_ids`` tells the targets a decision may name in a plan's framework (the
    workbench passes the aligner's, which knows what the plan was aligned with)."""

    def __init__(self, db: Workspace, plans: PlanStore, target_ids: TargetIds) -> None:
        self.db = db
        self.plans = plans
        self.target_ids = target_ids

    def decide(
        self,
        plan_id: str,
        section_key: str,
        framework: str,
        action: str,
        target_id: str | None,
        *,
        who: str,
    ) -> Decision | None:
        """Record accept / change / reject (or ``undo``) for one cell."""
        plan = self.plans.plan(plan_id)
        if plan.get(section_key) is None:
            raise NotFoundError(f"ไม่พบหัวข้อ / no section {section_key!r} in plan {plan_id}")
        if action == "undo":
            return self.db.undo(plan_id, section_key, framework, who=who)
        if action not in ("accept", "change", "reject"):
            raise InputError(
                f"การตัดสินใจไม่ถูกต้อง / action must be accept, change, reject or undo, not {action!r}"
            )
        if action in ("accept", "change") and not target_id:
            raise InputError("ต้องระบุเป้าหมาย / target_id is required to accept or change")
        if target_id is not None:
            valid = self.target_ids(plan_id, framework)
            if valid is not None and target_id not in valid:
                raise InputError(
                    f"ไม่มีเป้าหมาย {target_id!r} ในกรอบ {framework} / no target {target_id!r} "
                    f"in framework {framework!r}"
                )
        return self.db.add_decision(plan_id, section_key, framework, action, target_id, who=who)

    def current(self, plan_id: str) -> dict[tuple[str, str], Decision]:
        """The standing decision of every decided cell ``(section_key, framework)``."""
        return self.db.current(plan_id)

    def history(self, plan_id: str) -> dict[str, Any]:
        """``GET /api/plans/{id}/decisions``: every decision, and the standing ones."""
        self.plans.plan(plan_id)  # 404 for an unknown plan
        return {
            "history": [d.to_dict() for d in self.db.history(plan_id)],
            "current": [d.to_dict() for d in self.db.current(plan_id).values()],
        }

    def examples(
        self,
        frameworks: Iterable[str] | None = None,
        *,
        plan_id: str | None = None,
        from_others: bool = False,
    ) -> list[Example]:
        """The standing decisions as learning examples for ``align(examples=...)``: the
        text of the decided section, the framework, the target, accepted or not (only
        those of ``frameworks`` when given).

        For ``plan_id`` only the decisions on plans of the same organisation are used
        (``plan.org`` compared canonically: ``อบต.โขมง`` is ``องค์การบริหารส่วนตำบลโขมง``;
        a plan whose organisation is unknown learns from its own decisions only),
        unless ``from_others`` (the planner's choice "เรียนรู้จากการตัดสินใจของหน่วยงานอื่น").
        Without ``plan_id``: every decision of the workspace."""
        from ..alignment import Example

        decided = self.db.all_decisions()
        plan_ids = list(dict.fromkeys(d.plan_id for d in decided))
        if plan_id is not None and not from_others:
            same = self.same_org(plan_id)
            plan_ids = [p for p in plan_ids if p in same]
        texts: dict[tuple[str, str], str] = {}
        for pid in plan_ids:
            try:
                plan = self.plans.plan(pid)
            except NotFoundError:
                continue
            for s in plan.sections:
                texts[(pid, s.id)] = s.content
        current: dict[tuple[str, str, str], Decision] = {}
        for pid in plan_ids:
            for (key, fw), d in self.db.current(pid).items():
                current[(pid, key, fw)] = d
        wanted = None if frameworks is None else set(frameworks)
        out = []
        for (pid, key, fw), d in sorted(current.items()):
            text = texts.get((pid, key))
            if not text or not d.target_id or (wanted is not None and fw not in wanted):
                continue
            out.append(
                Example(
                    text=text, framework=fw, target_id=d.target_id, accepted=d.action != "reject"
                )
            )
        return out

    def same_org(self, plan_id: str) -> set[str]:
        """Ids of the plans of ``plan_id``'s organisation (itself included; only itself
        when its organisation is unknown)."""
        from ..parse.identity import canonical_org

        listing = self.plans.listing()
        org = next((p["org"] for p in listing if p["id"] == plan_id), None)
        if not org:
            return {plan_id}
        mine = canonical_org(org)
        same = {p["id"] for p in listing if p["org"] and canonical_org(p["org"]) == mine}
        return {plan_id} | same

    def learns_from_others(self, plan_id: str) -> bool:
        """Whether the plan's suggestions learn from other organisations' decisions too
        (the planner's choice on the review page; off unless chosen)."""
        row = self.db.conn.execute(
            "SELECT from_others FROM plan_learning WHERE plan_id=?", (plan_id,)
        ).fetchone()
        return bool(row[0]) if row is not None else False

    def set_learning(self, plan_id: str, from_others: bool, *, who: str) -> dict[str, Any]:
        """Choose whether the plan learns from other organisations' decisions (used by
        its next alignment)."""
        self.plans.plan(plan_id)  # 404 for an unknown plan
        with self.db.write() as c:
            c.execute(
                "INSERT OR REPLACE INTO plan_learning(plan_id, from_others, who, at) "
                "VALUES (?,?,?,?)",
                (plan_id, int(bool(from_others)), who, now_iso()),
            )
        return {"plan_id": plan_id, "from_others": bool(from_others), "who": who}
