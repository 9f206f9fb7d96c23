"""The workspace's plans: upload, replace the source, fix the parser's sections, delete.

A plan is stored as its source text and its parsed sections. Sections get *keys*
(:func:`assign_keys`) that survive a re-parse of an edited document, so decisions stay
with unchanged sections; a planner's corrections to the parse (a section's kind or
parent) are stored apart and re-applied after every re-upload. This module knows
nothing of search or alignment: :class:`PlanStore` says what changed
(:class:`PlanUpdate`) and the workbench passes it on.

>>> store = PlanStore(Workspace(":memory:"))                      # doctest: +SKIP
>>> update = store.add("ยุทธศาสตร์ที่ 1 การพัฒนาด้านโครงสร้างพื้นฐาน", "แผน.txt")  # doctest: +SKIP
>>> store.info(update.plan_id)["quality"]["strategies"]           # doctest: +SKIP
1
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..labels import KIND_TH
from ..sections import KINDS, Plan, Section, stable_id
from .db import NotFoundError, Workspace
from .uploads import DEFAULT_MAX_UPLOAD, check_plan_upload, display_name, extension

if TYPE_CHECKING:
    from ..parse.readers import ExtractedDocument

#: What each document type is called in a message that the file cannot be read (Thai
#: first): the reader's own message follows.
UNREADABLE: dict[str, str] = {
    ".pdf": "ไม่ใช่ไฟล์ PDF ที่อ่านได้ / not a readable PDF",
    ".docx": "ไม่ใช่ไฟล์ Word (.docx) ที่อ่านได้ / not a readable Word file",
    ".doc": "ไม่ใช่ไฟล์ Word (.doc) ที่อ่านได้ / not a readable Word file",
}


class DuplicatePlanError(InputError):
    """The same document (same text) is already a plan of this workspace: open that one."""

    def __init__(self, message: str, existing: dict[str, Any]) -> None:
        super().__init__(message)
        self.existing = existing


def read_plan_document(raw: bytes, shown: str, ext: str, max_bytes: int) -> ExtractedDocument:
    """An uploaded document read by the reader of its type (told by its content, then
    its extension), or the :class:`~plansearch.InputError` of that reader, Thai first
    and naming the file type (a random ``.pdf`` is "not a readable PDF", never "a
    binary file")."""
    from ..parse.readers import extract_bytes

    try:
        return extract_bytes(raw, name=shown, suffix=ext, max_bytes=max_bytes)
    except InputError as exc:
        kind = UNREADABLE.get(ext)
        if kind is None or str(exc).startswith(kind):
            raise
        detail = str(exc).removeprefix(f"{shown}: ").removeprefix(f"{shown} ")
        raise type(exc)(f"{shown}: {kind} — {detail}") from None


def assign_keys(plan_id: str, sections: Sequence[Section]) -> list[Section]:
    """Give sections ids that survive a re-parse of an edited document.

    The parser's ids include a digest of the whole text, so any edit renews them;
    a *key* depends only on the plan, the section's level, kind, number and title
    (and its rank among identical ones), so unchanged sections keep their decisions.
    """
    seen: dict[tuple[str, ...], int] = {}
    new_id: dict[str, str] = {}
    for s in sections:
        base = (s.level, s.kind, s.number or "", " ".join(s.title.split()))
        seen[base] = seen.get(base, 0) + 1
        new_id[s.id] = stable_id(plan_id, *base, seen[base], prefix="k")
    return [
        s.with_(id=new_id[s.id], parent_id=new_id.get(s.parent_id) if s.parent_id else None)
        for s in sections
    ]


def quality_report(sections: Sequence[Section]) -> dict[str, Any]:
    """What a planner should check in the parse: counts, ``issues`` (one per flag, keyed
    to its first section), ``ok`` and ``flags`` with their one-step fixes, from the one
    source of parse quality (:func:`plansearch.parse.assess_quality`)."""
    from ..parse.quality import assess_quality

    return assess_quality(sections).to_dict()


def section_json(s: Section) -> dict[str, Any]:
    """A section as the pages and the API show it (``key`` is its stable id)."""
    return {
        "key": s.id,
        "kind": s.kind,
        "kind_th": KIND_TH.get(s.kind, s.kind),
        "level": s.level,
        "number": s.number,
        "title": s.title,
        "text": s.text,
        "parent": s.parent_id,
        "path": s.path,
    }


def section_tree(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """Sections nested under their parents (document order)."""
    nodes: dict[str, dict[str, Any]] = {s.id: {"key": s.id, "children": []} for s in sections}
    roots: list[dict[str, Any]] = []
    for s in sections:
        node = nodes[s.id]
        parent = nodes.get(s.parent_id) if s.parent_id else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


@dataclass(frozen=True)
class PlanUpdate:
    """What one upload or re-upload stored: the plan's sections now, and the sections
    of the previous source that are gone (``removed``) or new (``added``)."""

    plan_id: str
    sections: tuple[Section, ...]
    removed: tuple[Section, ...] = ()
    added: tuple[Section, ...] = ()
    replaced: bool = False

    def changes(self) -> dict[str, Any]:
        """The ``changes`` of the upload response (empty for a new plan)."""
        if not self.replaced:
            return {}
        return {
            "removed": [{"key": s.id, "kind": s.kind, "title": s.title} for s in self.removed],
            "added": [{"key": s.id, "kind": s.kind, "title": s.title} for s in self.added],
        }


class PlanStore:
    """The plans of one workspace database (parsed on upload, read back as :class:`Plan`)."""

    def __init__(self, db: Workspace, *, max_upload: int = DEFAULT_MAX_UPLOAD) -> None:
        self.db = db
        self.max_upload = max_upload

    def add(
        self,
        data: bytes | str,
        name: str | None = None,
        *,
        plan_id: str | None = None,
        parsed_as: tuple[str, Plan] | None = None,
    ) -> PlanUpdate:
        """Parse and store an uploaded plan, or replace the source of ``plan_id`` (its
        section fixes are re-applied; decisions stay with sections whose key is kept).
        ``parsed_as``: ``(text, plan)`` already read from ``data`` (the server parses in
        a worker process: :func:`.parsing.read_plan_upload`)."""
        from ..parse.parser import parse_plan

        shown = display_name(name)
        if parsed_as is not None:
            text, parsed = parsed_as
        else:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            named = name if isinstance(data, bytes) else None
            check_plan_upload(named, raw, self.max_upload)
            doc = read_plan_document(raw, shown, extension(named), self.max_upload)
            text = doc.text
            # the document, never the text: a pasted one-line path must not open a server file
            parsed = parse_plan(doc, max_bytes=self.max_upload)
        if not parsed.sections:
            raise InputError(
                f"{shown}: ไม่พบโครงสร้างแผน (วิสัยทัศน์ ยุทธศาสตร์ แนวทาง…) / no plan structure "
                "found; is this a Thai development plan?"
            )
        sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if plan_id is None:
            same = self.with_source(sha)
            if same is not None:
                raise DuplicatePlanError(
                    f"{shown}: แผนนี้อัปโหลดไว้แล้ว ({same['org'] or same['name']}) เปิดแผนเดิมแทน / "
                    f"this document is already plan {same['id']} ({same['name']}); open it instead "
                    "of a second copy, or upload an edited version on its page",
                    same,
                )
            pid = f"p-{hashlib.sha1((sha + str(time.time_ns())).encode()).hexdigest()[:10]}"
            sections = assign_keys(pid, parsed.sections)
            self.db.add_plan(
                name=shown,
                org=parsed.org,
                province=parsed.province,
                source_sha=sha,
                source_text=text,
                sections=[s.to_dict() for s in sections],
                plan_id=pid,
            )
            return PlanUpdate(pid, tuple(sections))
        old = self.plan(plan_id)
        sections = self._apply_fixes(plan_id, assign_keys(plan_id, parsed.sections))
        self.db.replace_plan_source(
            plan_id,
            source_sha=sha,
            source_text=text,
            sections=[s.to_dict() for s in sections],
            org=parsed.org,
            province=parsed.province,
        )
        new_keys = {s.id for s in sections}
        old_keys = {s.id for s in old.sections}
        return PlanUpdate(
            plan_id,
            tuple(sections),
            removed=tuple(s for s in old.sections if s.id not in new_keys),
            added=tuple(s for s in sections if s.id not in old_keys),
            replaced=True,
        )

    def row(self, plan_id: str) -> dict[str, Any]:
        """The stored plan (name, org, province, revision, times, section dicts)."""
        row = self.db.plan(plan_id)
        if row is None:
            raise NotFoundError(f"ไม่พบแผน / no plan {plan_id!r} in this workspace")
        return row

    def plan(self, plan_id: str) -> Plan:
        """The stored plan as a :class:`Plan` (its sections keyed, fixes applied)."""
        return plan_from_row(self.row(plan_id))

    def info(self, plan_id: str) -> dict[str, Any]:
        """What the plan page and ``GET /api/plans/{id}`` show: the plan, its sections
        flat and as a tree, the parse quality and the planner's fixes."""
        row = self.row(plan_id)
        plan = plan_from_row(row)
        return {
            "id": plan_id,
            "name": row["name"],
            "org": row["org"],
            "province": row["province"],
            "revision": row["revision"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "sections": [section_json(s) for s in plan.sections],
            "tree": section_tree(plan.sections),
            "quality": quality_report(plan.sections),
            "fixes": self.db.fixes(plan_id),
        }

    def with_source(self, source_sha: str) -> dict[str, Any] | None:
        """The first plan whose source text has this SHA-256 (``None``: none has)."""
        row = self.db.conn.execute(
            "SELECT id, name, org, province FROM plans WHERE source_sha=? "
            "AND archived_at IS NULL ORDER BY created_at, id LIMIT 1",
            (source_sha,),
        ).fetchone()
        return dict(row) if row is not None else None

    def source_hashes(self) -> dict[str, str]:
        """``plan id → SHA-256 of its source text`` for every plan."""
        rows = self.db.conn.execute("SELECT id, source_sha FROM plans").fetchall()
        return {r["id"]: r["source_sha"] for r in rows}

    def listing(self) -> list[dict[str, Any]]:
        """Every plan of the workspace (id, name, org, province, revision, section count)."""
        return self.db.plans()

    def delete(self, plan_id: str, *, who: str) -> None:
        """Archive a plan (a soft delete: its decisions, fixes and runs are kept)."""
        if not self.db.archive_plan(plan_id, who=who):
            raise NotFoundError(f"ไม่พบแผน / no plan {plan_id!r} in this workspace")

    def restore(self, plan_id: str) -> None:
        """Bring an archived plan back."""
        if not self.db.restore_plan(plan_id):
            raise NotFoundError(f"ไม่พบแผนที่ถูกลบ / no deleted plan {plan_id!r} to restore")

    def fix_sections(
        self, plan_id: str, fixes: Sequence[tuple[str, str | None, str | None]], *, who: str
    ) -> None:
        """Several corrections ``(key, kind, parent key)`` at once — a whole level in one
        step, e.g. the fix a parse-quality flag offers — checked first, then recorded in
        one transaction and applied to the plan once."""
        plan = self.plan(plan_id)
        if not fixes:
            raise InputError("ไม่มีรายการที่จะแก้ / no fix given")
        for key, kind, parent_key in fixes:
            if plan.get(key) is None:
                raise NotFoundError(f"ไม่พบหัวข้อ / no section {key!r} in plan {plan_id}")
            if kind is not None and kind not in KINDS:
                raise InputError(f"ประเภทไม่ถูกต้อง / unknown kind {kind!r}; one of {KINDS}")
            if parent_key:
                if plan.get(parent_key) is None:
                    raise InputError(f"ไม่พบหัวข้อแม่ / no section {parent_key!r} in this plan")
                p: str | None = parent_key
                while p:  # refuse cycles
                    if p == key:
                        raise InputError(
                            "หัวข้อเป็นแม่ของตัวเองไม่ได้ / a section cannot be its own ancestor"
                        )
                    ps = plan.get(p)
                    p = ps.parent_id if ps else None
        self.db.add_fixes(plan_id, list(fixes), who=who)
        sections = self._apply_fixes(plan_id, list(plan.sections))
        self.db.set_sections(plan_id, [s.to_dict() for s in sections])

    def _apply_fixes(self, plan_id: str, sections: list[Section]) -> list[Section]:
        keys = {s.id for s in sections}
        fixed = {s.id: s for s in sections}
        for f in self.db.fixes(plan_id):
            s = fixed.get(f["section_key"])
            if s is None:
                continue
            if f["kind"]:
                s = s.with_(kind=f["kind"])
            if f["parent_key"] is not None:
                pk = f["parent_key"] or None
                s = s.with_(parent_id=pk if pk in keys or pk is None else s.parent_id)
            fixed[s.id] = s
        return [fixed[s.id] for s in sections]


def plan_from_row(row: dict[str, Any]) -> Plan:
    """A stored plan row (:meth:`PlanStore.row`) as a :class:`Plan`."""
    return Plan(
        org=row["org"],
        province=row["province"],
        source=row["name"],
        sections=tuple(Section.from_dict(d) for d in row["sections"]),
    )
