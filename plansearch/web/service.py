"""The workbench's core, independent of HTTP: plans, frameworks, alignment, decisions.

:class:`Workbench` owns one workspace database, one embedder and one search index
for the life of the server. The embedder and index load lazily, once, under a lock,
and are shared by every request thread; alignments are cached in memory per plan
revision, frameworks and decisions.

>>> wb = Workbench("ws", embedder="hashing")                           # doctest: +SKIP
>>> pid = wb.add_plan(b"...", "แผนพัฒนา.txt")["id"]                      # doctest: +SKIP
>>> review = wb.review(pid)                                           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, PlanSearchError, ReferenceFormatError
from ..labels import KIND_TH, STRENGTH_TH
from ..sections import KINDS, Plan, Section, stable_id
from .db import Decision, Workspace
from .uploads import DEFAULT_MAX_UPLOAD, check_framework_upload, check_plan_upload, display_name

ACTION_TH = {
    "accept": "ยอมรับ",
    "change": "เปลี่ยน",
    "reject": "ปฏิเสธ",
    "suggested": "ข้อเสนอ (ยังไม่ตรวจ)",
}
MAX_CACHED_ALIGNMENTS = 32
MAX_JOBS = 100
#: A title this long that the parser cut (ends with …) probably swallowed several items.
LONG_TITLE = 400


class NotFoundError(PlanSearchError, KeyError):
    """No plan, framework or import with that id in this workspace."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


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


@dataclass(frozen=True)
class AlignedPlan:
    """A cached alignment of one plan (revision, frameworks and feedback it used)."""

    run_id: int
    key: tuple[Any, ...]
    plan: Plan
    alignment: Any  # plansearch.Alignment
    seconds: float


class Workbench:
    """Plans, frameworks, alignments, decisions and search of one workspace."""

    def __init__(
        self,
        workspace: str | Path,
        *,
        embedder: Any = None,
        index_dir: str | Path | None = None,
        max_upload: int = DEFAULT_MAX_UPLOAD,
    ) -> None:
        self.db = Workspace(workspace)
        self.max_upload = max_upload
        self.index_dir = Path(index_dir) if index_dir else None
        self._embedder_spec = embedder
        self._embedder: Any = None
        self._index: Any = None
        self._lock = threading.RLock()  # embedder and index loading
        self._index_lock = threading.RLock()  # index reads and writes
        self._align_lock = threading.Lock()
        self._aligned: OrderedDict[str, AlignedPlan] = OrderedDict()
        self._jobs: dict[str, dict[str, Any]] = {}
        self._indexed_plans: set[str] = set()
        #: keys of sections deleted or replaced since the index was built (hidden in results)
        self._stale: set[str] = set()

    # ------------------------------------------------------------ shared model
    @property
    def embedder(self) -> Any:
        """The embedder, loaded once per server on first use (thread-safe)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    from ..embed import Embedder
                    from ..embed.base import BaseEmbedder

                    spec = self._embedder_spec
                    self._embedder = spec if isinstance(spec, BaseEmbedder) else Embedder(spec)
        return self._embedder

    @property
    def index(self) -> Any:
        """The search index (``--index`` plus workspace plans), loaded once."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from ..search.index import SearchIndex as PlanIndex

                    if self.index_dir is not None:
                        idx = PlanIndex.load(self.index_dir, self.embedder)
                    else:
                        idx = PlanIndex(self.embedder)
                    for p in self.db.plans():
                        plan = self.plan(p["id"])
                        idx.add(plan.sections)
                        self._indexed_plans.add(p["id"])
                    self._index = idx
        return self._index

    def warm_up(self) -> threading.Thread:
        """Load the model and build the index in the background (``plansearch serve``
        calls it at start, so the first request does not wait for them)."""

        def run() -> None:
            try:
                _ = self.index  # loads the embedder too
            except Exception:
                pass  # the first request that needs them reports the error itself

        t = threading.Thread(target=run, name="plansearch-warm-up", daemon=True)
        t.start()
        return t

    # ------------------------------------------------------------------- plans
    def add_plan(
        self,
        data: bytes | str,
        name: str | None = None,
        *,
        plan_id: str | None = None,
        who: str = "",
    ) -> dict[str, Any]:
        """Parse and store an uploaded plan (or replace the source of ``plan_id``)."""
        from ..parse.parser import parse_plan
        from ..parse.readers import decode_bytes

        raw = data.encode("utf-8") if isinstance(data, str) else data
        check_plan_upload(name if isinstance(data, bytes) else None, raw, self.max_upload)
        shown = display_name(name)
        text = decode_bytes(raw, name=shown, max_bytes=self.max_upload)
        # bytes, never the text: a pasted one-line path must not open a server file
        parsed = parse_plan(raw, max_bytes=self.max_upload)
        if not parsed.sections:
            raise InputError(
                f"{shown}: ไม่พบโครงสร้างแผน (วิสัยทัศน์ ยุทธศาสตร์ แนวทาง…) / no plan structure "
                "found; is this a Thai development plan?"
            )
        sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if plan_id is None:
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
            changes: dict[str, Any] = {}
        else:
            old = self.plan(plan_id)
            pid = plan_id
            sections = assign_keys(pid, parsed.sections)
            sections = self._apply_fixes(pid, sections)
            self.db.replace_plan_source(
                pid,
                source_sha=sha,
                source_text=text,
                sections=[s.to_dict() for s in sections],
                org=parsed.org,
                province=parsed.province,
            )
            new_keys = {s.id for s in sections}
            self._stale.update(s.id for s in old.sections if s.id not in new_keys)
            changes = {
                "removed": [
                    {"key": s.id, "kind": s.kind, "title": s.title}
                    for s in old.sections
                    if s.id not in new_keys
                ],
                "added": [
                    {"key": s.id, "kind": s.kind, "title": s.title}
                    for s in sections
                    if s.id not in {o.id for o in old.sections}
                ],
            }
            self._forget(pid)
        with self._lock:  # an index being built right now includes this plan or gets it here
            idx = self._index
        if idx is not None:
            with self._index_lock:
                idx.add(sections)
                self._indexed_plans.add(pid)
        out = self.plan_info(pid)
        out["changes"] = changes
        return out

    def plan(self, plan_id: str) -> Plan:
        row = self.db.plan(plan_id)
        if row is None:
            raise NotFoundError(f"ไม่พบแผน / no plan {plan_id!r} in this workspace")
        return Plan(
            org=row["org"],
            province=row["province"],
            source=row["name"],
            sections=tuple(Section.from_dict(d) for d in row["sections"]),
        )

    def plan_info(self, plan_id: str) -> dict[str, Any]:
        row = self.db.plan(plan_id)
        if row is None:
            raise NotFoundError(f"ไม่พบแผน / no plan {plan_id!r} in this workspace")
        plan = self.plan(plan_id)
        return {
            "id": plan_id,
            "name": row["name"],
            "org": row["org"],
            "province": row["province"],
            "revision": row["revision"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "sections": [_section_json(s) for s in plan.sections],
            "tree": _tree(plan.sections),
            "quality": quality_report(plan.sections),
            "fixes": self.db.fixes(plan_id),
        }

    def plans(self) -> list[dict[str, Any]]:
        return self.db.plans()

    def delete_plan(self, plan_id: str) -> bool:
        """Remove a plan, its decisions and runs (its sections leave the search results)."""
        plan = self.plan(plan_id)
        self._stale.update(s.id for s in plan.sections)
        self._forget(plan_id)
        return self.db.delete_plan(plan_id)

    def fix_section(
        self,
        plan_id: str,
        key: str,
        *,
        kind: str | None = None,
        parent_key: str | None = None,
        who: str,
    ) -> dict[str, Any]:
        """Correct the parser: a section's kind and/or parent (``""`` = top level)."""
        plan = self.plan(plan_id)
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
                    raise InputError("หัวข้อเป็นแม่ของตัวเองไม่ได้ / a section cannot be its own ancestor")
                ps = plan.get(p)
                p = ps.parent_id if ps else None
        self.db.add_fix(plan_id, key, kind=kind, parent_key=parent_key, who=who)
        sections = self._apply_fixes(plan_id, list(plan.sections))
        self.db.set_sections(plan_id, [s.to_dict() for s in sections])
        self._forget(plan_id)
        return self.plan_info(plan_id)

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

    # -------------------------------------------------------------- frameworks
    def frameworks(self) -> list[dict[str, Any]]:
        from ..frameworks import builtin_frameworks, targets_of

        out = []
        for info in builtin_frameworks():
            out.append(
                {
                    "name": info.name,
                    "title": info.title,
                    "level": info.level,
                    "builtin": True,
                    "targets": len(targets_of(info.name)),
                    "default": info.default,
                }
            )
        for f in self.db.frameworks():
            ref = self._own_reference(f["name"])
            out.append(
                {
                    "name": f["name"],
                    "title": f["title"],
                    "level": f["level"],
                    "builtin": False,
                    "targets": len(targets_of(ref)),
                    "default": False,
                    "who": f["who"],
                    "created_at": f["created_at"],
                }
            )
        return out

    def add_framework(
        self,
        data: bytes,
        filename: str | None,
        *,
        name: str | None,
        who: str,
        level: str | None = None,
    ) -> dict[str, Any]:
        """Store the planner's own framework (YAML/JSON/CSV, or Excel id,title,text,parent_id).

        ``level`` is the planning level (a CSV or Excel sheet without a ``level`` column
        is taken as ``province``, the usual own framework)."""
        from ..frameworks import is_builtin, plan_levels, read_reference

        ext = check_framework_upload(filename, data, self.max_upload)
        wanted = _framework_name(name or Path(display_name(filename, "own")).stem)
        if is_builtin(wanted) or wanted in plan_levels():
            raise InputError(
                f"ชื่อ {wanted!r} ซ้ำกับกรอบในระบบ / {wanted!r} is a built-in framework name; "
                "choose another name"
            )
        shown = f"{Path(display_name(filename, 'framework')).stem}{ext}"
        try:
            ref = read_reference(data, shown, name=wanted, level=level or None)
        except ReferenceFormatError as exc:
            # a table without a level column is the usual own framework: a province's
            if level is None and ext in (".csv", ".tsv", ".xlsx") and ": no level" in str(exc):
                ref = read_reference(data, shown, name=wanted, level="province")
            else:
                raise
        self.db.add_framework(
            ref.name, title=ref.title, level=ref.level, fmt=ext, data=ref.to_dict(), who=who
        )
        return {"name": ref.name, "title": ref.title, "level": ref.level, "targets": len(ref)}

    def _own_reference(self, name: str) -> Any:
        from ..frameworks import reference_from_dict

        row = self.db.framework(name)
        if row is None:
            raise NotFoundError(f"ไม่พบกรอบ / no framework {name!r}")
        return reference_from_dict(row["data"], where=f"framework {name}", name=name)

    def _against(self, plan: Plan, names: Sequence[str] | None) -> list[Any]:
        from ..frameworks import defaults_for, is_builtin, plan_levels

        if not names:
            names = defaults_for(plan)
        out: list[Any] = []
        for n in dict.fromkeys(names):
            if is_builtin(n):
                out.append(n)
            elif n in plan_levels():
                if any(s.level == n for s in plan.sections):
                    out.append(n)
            else:
                out.append(self._own_reference(n))
        if not out:
            raise InputError("ไม่มีกรอบให้เชื่อมโยง / no framework to align against")
        return out

    # --------------------------------------------------------------- alignment
    def examples(self) -> list[Any]:
        """The workspace's decisions as learning examples for ``align(examples=...)``."""
        from ..alignment import Example

        texts: dict[tuple[str, str], str] = {}
        out = []
        for d in self.db.all_decisions():
            if (d.plan_id, d.section_key) not in texts:
                try:
                    plan = self.plan(d.plan_id)
                except NotFoundError:
                    continue
                for s in plan.sections:
                    texts[(d.plan_id, s.id)] = s.content
        current: dict[tuple[str, str, str], Decision] = {}
        for pid in {d.plan_id for d in self.db.all_decisions()}:
            for (key, fw), d in self.db.current(pid).items():
                current[(pid, key, fw)] = d
        for (pid, key, fw), d in sorted(current.items()):
            text = texts.get((pid, key))
            if not text or not d.target_id:
                continue
            out.append(
                Example(
                    text=text, framework=fw, target_id=d.target_id, accepted=d.action != "reject"
                )
            )
        return out

    def align(
        self, plan_id: str, frameworks: Sequence[str] | None = None, *, job: str | None = None
    ) -> AlignedPlan:
        """Align a plan (cached per revision, frameworks, section fixes and feedback)."""
        from ..alignment.pipeline import align

        row = self.db.plan(plan_id)
        if row is None:
            raise NotFoundError(f"ไม่พบแผน / no plan {plan_id!r} in this workspace")
        plan = self.plan(plan_id)
        against = self._against(plan, frameworks)
        names = [a if isinstance(a, str) else a.name for a in against]
        examples = [e for e in self.examples() if getattr(e, "framework", None) in names]
        key = (
            row["revision"],
            row["updated_at"],
            tuple(names),
            len(examples),
            hashlib.sha1(repr(examples).encode()).hexdigest(),
        )
        hit = self._aligned.get(plan_id)
        if hit is not None and hit.key == key:
            return hit
        self._progress(job, "model", "กำลังโหลดแบบจำลองภาษา (ครั้งแรกเท่านั้น)")
        emb = self.embedder
        self._progress(job, "align", f"กำลังเชื่อมโยงกับ {len(names)} กรอบ")
        kw: dict[str, Any] = {"k": 3, "embedder": emb}
        if examples:
            kw["examples"] = examples
        t0 = time.perf_counter()
        from ..alignment.examples import ExampleError

        with self._align_lock:  # one alignment at a time: the CPU is the limit anyway
            try:
                al = align(plan, against, **kw)
            except ExampleError:
                # a stored decision names a target the framework no longer has (an
                # edited framework): suggest without the corrections rather than fail
                kw.pop("examples", None)
                al = align(plan, against, **kw)
        seconds = time.perf_counter() - t0
        run_id = self.db.add_run(plan_id, row["revision"], names, emb.fingerprint, seconds)
        done = AlignedPlan(run_id, key, plan, al, seconds)
        self._aligned[plan_id] = done
        while len(self._aligned) > MAX_CACHED_ALIGNMENTS:
            self._aligned.popitem(last=False)
        self._progress(job, "done", "เสร็จแล้ว")
        return done

    def last_frameworks(self, plan_id: str) -> list[str] | None:
        runs = self.db.runs(plan_id)
        return runs[-1]["frameworks"] if runs else None

    def aligned(self, plan_id: str) -> AlignedPlan:
        """The plan's latest alignment (re-run with the last frameworks if not cached)."""
        hit = self._aligned.get(plan_id)
        if hit is not None:
            return hit
        return self.align(plan_id, self.last_frameworks(plan_id))

    def _forget(self, plan_id: str) -> None:
        self._aligned.pop(plan_id, None)

    # progress of background alignments (the pages poll it)
    def start_job(self, plan_id: str, frameworks: Sequence[str] | None) -> str:
        self.plan(plan_id)  # 404 early
        job = f"j-{hashlib.sha1(f'{plan_id}{time.time_ns()}'.encode()).hexdigest()[:10]}"
        for old in sorted(self._jobs, key=lambda j: self._jobs[j]["started"])[:-MAX_JOBS]:
            self._jobs.pop(old, None)  # keep the newest jobs' progress only
        self._jobs[job] = {
            "id": job,
            "plan_id": plan_id,
            "state": "queued",
            "stage": "queued",
            "message": "รอคิว",
            "started": time.time(),
        }

        def run() -> None:
            try:
                self.align(plan_id, frameworks, job=job)
                self._jobs[job]["state"] = "done"
            except Exception as exc:  # reported to the page, not raised in a thread
                self._jobs[job].update(state="error", message=str(exc))

        threading.Thread(target=run, name=f"align-{job}", daemon=True).start()
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        j = self._jobs.get(job_id)
        if j is None:
            raise NotFoundError(f"ไม่พบงาน / no job {job_id!r}")
        return {**j, "elapsed": round(time.time() - j["started"], 1)}

    def _progress(self, job: str | None, stage: str, message: str) -> None:
        if job and job in self._jobs:
            self._jobs[job].update(state="running", stage=stage, message=message)

    # ------------------------------------------------------------------ review
    def review(self, plan_id: str) -> dict[str, Any]:
        """The linkage review: a ผ.02 block per local strategy, top 3 per cell, decisions."""
        ap = self.aligned(plan_id)
        al = ap.alignment
        current = self.db.current(plan_id)
        from ..frameworks import block_of

        fws = sorted(al.frameworks, key=lambda f: block_of(f)[0])
        frameworks = []
        for f in fws:
            _, letter, heading = block_of(f)
            frameworks.append(
                {
                    "name": f.name,
                    "title": f.title,
                    "column": f.column,
                    "letter": letter,
                    "heading": heading,
                    "targets": [
                        {"id": i, "title": t}
                        for i, t in zip(f.target_ids, f.target_titles, strict=True)
                    ],
                }
            )
        rows = {it.item.id: it for it in al.items}
        blocks: list[dict[str, Any]] = []
        strategies = [it for it in al.items if it.item.kind == "strategy"]
        parent_of = {sec.id: sec.parent_id for sec in ap.plan.sections}
        for it in al.items:
            parent_of.setdefault(it.item.id, it.item.parent_id)

        def under(item_id: str, strategy_id: str) -> bool:
            """True when ``strategy_id`` is an ancestor (tactic → project, any depth)."""
            seen: set[str] = set()
            node = parent_of.get(item_id)
            while node and node not in seen:
                if node == strategy_id:
                    return True
                seen.add(node)
                node = parent_of.get(node)
            return False

        placed: set[str] = set()
        for st in strategies:
            # the strategy, then its tactics and their projects in plan order
            members = [st] + [
                it for it in al.items if it is not st and under(it.item.id, st.item.id)
            ]
            placed.update(it.item.id for it in members)
            blocks.append(
                {
                    "strategy": _section_json(st.item),
                    "rows": [self._row(it, fws, current) for it in members],
                }
            )
        rest = [it for it in al.items if it.item.id not in placed]
        if rest:
            blocks.append(
                {
                    "strategy": None,
                    "rows": [self._row(it, fws, current) for it in rest],
                }
            )
        keys = set(rows)
        orphaned = [d.to_dict() for (key, _fw), d in sorted(current.items()) if key not in keys]
        decided = sum(1 for (key, _fw) in current if key in keys)
        return {
            "plan_id": plan_id,
            "run_id": ap.run_id,
            "org": al.org,
            "province": al.province,
            "seconds": round(ap.seconds, 2),
            "frameworks": frameworks,
            "blocks": blocks,
            "cells": len(al.items) * len(fws),
            "decided": decided,
            "orphaned_decisions": orphaned,
            "strengths": STRENGTH_TH,
        }

    def _row(
        self, it: Any, fws: Sequence[Any], current: dict[tuple[str, str], Decision]
    ) -> dict[str, Any]:
        cells = {}
        for f in fws:
            ms = it.for_framework(f.name)
            d = current.get((it.item.id, f.name))
            cells[f.name] = {
                "suggestions": [
                    {
                        "target_id": m.target_id,
                        "title": m.target_title,
                        "score": m.score,
                        "strength": m.strength,
                        "evidence": {
                            "sub_id": m.evidence.sub_id,
                            "sub_title": m.evidence.sub_title,
                            "shared_terms": list(m.evidence.shared_terms),
                        },
                    }
                    for m in ms
                ],
                "decision": d.to_dict() if d else None,
            }
        return {"section": _section_json(it.item), "cells": cells}

    # --------------------------------------------------------------- decisions
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
        plan = self.plan(plan_id)
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

    def target_ids(self, plan_id: str, framework: str) -> set[str] | None:
        """Ids a decision may name in ``framework`` (``None`` when it cannot be told)."""
        hit = self._aligned.get(plan_id)
        if hit is not None:
            for f in hit.alignment.frameworks:
                if f.name == framework:
                    return set(f.target_ids)
        from ..frameworks import is_builtin, targets_of

        if is_builtin(framework):
            return {t.id for t in targets_of(framework)}
        if self.db.framework(framework) is not None:
            return {t.id for t in targets_of(self._own_reference(framework))}
        return None

    # ---------------------------------------------------------- search & similar
    def search(self, q: str, *, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]:
        idx = self.index
        with self._index_lock:
            if len(idx) == 0:
                return []
            hits = idx.search(q, k=k + len(self._stale), where=where or None)
        return [h for h in hits if h.section.id not in self._stale][:k]

    def similar(self, q: str, *, k: int = 10, exclude_org: str | None = None) -> Any:
        from ..search.similar import similar_goals

        idx = self.index
        with self._index_lock:
            if len(idx) == 0:
                return None
            res = similar_goals(idx, q, k=k + len(self._stale), exclude_org=exclude_org or None)
        if not self._stale:
            return res
        from dataclasses import replace

        hits = tuple(h for h in res.hits if h.section.id not in self._stale)[:k]
        keep = {id(h) for h in hits}
        groups = tuple(
            replace(g, hits=tuple(h for h in g.hits if id(h) in keep))
            for g in res.groups
            if any(id(h) in keep for h in g.hits)
        )
        return replace(res, hits=hits, groups=groups)

    def facets(self) -> dict[str, list[str]]:
        idx = self.index
        with self._index_lock:
            return {
                f: sorted({v for v in idx.values(f) if v})
                for f in ("province", "org", "level", "kind")
            }

    # ------------------------------------------------------------------ coverage
    def coverage(self, province: str | None) -> dict[str, Any]:
        """Which national strategies, milestones and SDGs a province's plans support."""
        from ..frameworks import block_of, targets_of

        plans = [p for p in self.db.plans() if not province or p["province"] == province]
        frameworks = ("national", "nesdp13", "sdg")
        support: dict[str, dict[str, list[str]]] = {f: {} for f in frameworks}
        for p in plans:
            ap = self.align(p["id"], self.last_frameworks(p["id"]))
            current = self.db.current(p["id"])
            for f in frameworks:
                if f not in ap.alignment.framework_names:
                    continue
                for it in ap.alignment.items:
                    for tid in _effective_targets(it, f, current, ap.alignment.thresholds):
                        orgs = support[f].setdefault(tid, [])
                        label = p["org"] or p["name"]
                        if label not in orgs:
                            orgs.append(label)
        out = []
        for f in frameworks:
            targets = [
                {"id": t.id, "title": t.title, "plans": support[f].get(t.id, [])}
                for t in targets_of(f)
            ]
            out.append(
                {
                    "framework": f,
                    "title": block_of(f)[2],
                    "targets": targets,
                    "gaps": [t["id"] for t in targets if not t["plans"]],
                }
            )
        provinces = sorted({p["province"] for p in self.db.plans() if p["province"]})
        return {
            "province": province,
            "plans": [{"id": p["id"], "org": p["org"], "name": p["name"]} for p in plans],
            "frameworks": out,
            "provinces": provinces,
        }

    def close(self) -> None:
        self.db.close()


def _effective_targets(
    it: Any, framework: str, current: dict[tuple[str, str], Decision], th: Any
) -> list[str]:
    d = current.get((it.item.id, framework))
    if d is not None:
        return [d.target_id] if d.action != "reject" and d.target_id else []
    best = it.best(framework)
    if best is not None and best.strength in ("strong", "partial"):
        return [best.target_id]
    return []


def _section_json(s: Section) -> dict[str, Any]:
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


def _tree(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """Sections nested under their parents (document order)."""
    nodes: dict[str, dict[str, Any]] = {s.id: {"key": s.id, "children": []} for s in sections}
    roots: list[dict[str, Any]] = []
    for s in sections:
        node = nodes[s.id]
        parent = nodes.get(s.parent_id) if s.parent_id else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def _framework_name(raw: str) -> str:
    import re

    name = re.sub(r"[^0-9A-Za-z_\-\u0E00-\u0E7F]+", "_", raw).strip("_")[:40]
    if not name:
        raise InputError("ต้องตั้งชื่อกรอบ / give the framework a name (letters, digits, _ or -)")
    return name
