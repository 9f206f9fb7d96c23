"""The workbench's state: one workspace, its model, index, alignments and jobs.

:class:`Workbench` is built once per server (``app.state.workbench``) and wires the
parts, one module per concern:

* :mod:`.plans` — upload, replace, fix sections, delete (:class:`PlanStore`);
* :mod:`.frameworks` — the registry's and the organisation's own (:class:`FrameworkStore`);
* :mod:`.decisions` — accept / change / reject / undo, and the learning examples;
* :mod:`.alignments` — :func:`plansearch.align` runs, cached per plan (:class:`Aligner`);
* :mod:`.embedder` — the model, loaded once (:class:`SharedEmbedder`);
* :mod:`.search` — the index over ``--index`` and the plans (:class:`WorkspaceSearch`);
* :mod:`.jobs` — background work and its progress;
* :mod:`.accounts` and :mod:`.audit` — who may change the workspace, and who did;
* :mod:`plansearch.isolation` — the worker processes that parse uploads (plans,
  frameworks, Excel imports) with memory, CPU and time limits: the server never parses.

The review, coverage and exports (:mod:`.review`, :mod:`.coverage`, :mod:`.export`) read
a :class:`Workbench`. The only logic here passes a plan's change on to the search index,
the alignment cache and the audit log.

>>> wb = Workbench("ws", embedder="hashing")                       # doctest: +SKIP
>>> pid = wb.add_plan(b"...", "แผนพัฒนา.txt")["id"]                  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..isolation import ParseWorkers, WorkerLimits, plan_from_record
from .accounts import Accounts
from .alignments import Aligner
from .audit import AuditLog
from .auth import UNKNOWN_USER
from .db import Workspace
from .decisions import Decisions
from .embedder import SharedEmbedder
from .frameworks import FrameworkStore
from .jobs import Jobs
from .plans import PlanStore, PlanUpdate
from .search import WorkspaceSearch
from .uploads import (
    DEFAULT_MAX_UPLOAD,
    Receive,
    check_framework_upload,
    check_plan_upload,
    display_name,
    until_disconnect,
)

#: What the parse workers run (:mod:`.parsing`, named: only plain data crosses over).
PARSE_PLAN = "plansearch.web.parsing:read_plan_upload"
PARSE_FRAMEWORK = "plansearch.web.parsing:read_framework_upload"
PARSE_SHEET = "plansearch.web.parsing:read_decision_sheet"


class Workbench:
    """Plans, frameworks, decisions, alignments, search and jobs of one workspace."""

    def __init__(
        self,
        workspace: str | Path,
        *,
        embedder: Any = None,
        index_dir: str | Path | None = None,
        max_upload: int = DEFAULT_MAX_UPLOAD,
        parse_limits: WorkerLimits | None = None,
    ) -> None:
        self.db = Workspace(workspace)
        self.max_upload = max_upload
        self.embedder = SharedEmbedder(embedder)
        self.plans = PlanStore(self.db, max_upload=max_upload)
        self.frameworks = FrameworkStore(self.db, max_upload=max_upload)
        self.search = WorkspaceSearch(self.plans, self.embedder, index_dir)
        self.decisions = Decisions(
            self.db, self.plans, target_ids=lambda pid, fw: self.aligner.target_ids(pid, fw)
        )
        self.aligner = Aligner(self.db, self.plans, self.frameworks, self.decisions, self.embedder)
        self.jobs = Jobs()
        self.accounts = Accounts(self.db)
        self.audit = AuditLog(self.db)
        #: worker processes that parse uploads (started on first use, or by warm_up)
        self.parsers = ParseWorkers(parse_limits or WorkerLimits(), warm=1, max_workers=2)

    def warm_up(self) -> threading.Thread:
        """Start the parse worker, load the model and build the index in the background
        (see :mod:`.search`)."""
        self.parsers.start()
        return self.search.warm_up()

    # --------------------------------------------- plan changes reach search and cache
    def add_plan(
        self,
        data: bytes | str,
        name: str | None = None,
        *,
        plan_id: str | None = None,
        parsed_as: tuple[str, Any] | None = None,
        who: str = UNKNOWN_USER,
        client: str | None = None,
    ) -> dict[str, Any]:
        """Store an uploaded plan (or a new source for ``plan_id``) → the plan's info and
        ``changes`` (sections removed and added by a new source)."""
        update = self.plans.add(data, name, plan_id=plan_id, parsed_as=parsed_as)
        self._changed(update)
        self.audit.record(
            who,
            "plan.replace" if update.replaced else "plan.upload",
            update.plan_id,
            {"name": display_name(name), "sections": len(update.sections)},
            client=client,
        )
        return {**self.plans.info(update.plan_id), "changes": update.changes()}

    async def add_plan_isolated(
        self,
        receive: Receive,
        data: bytes,
        name: str | None,
        *,
        plan_id: str | None = None,
        who: str,
        client: str | None = None,
    ) -> dict[str, Any]:
        """:meth:`add_plan` for the server: parsed in a worker process (stopped if the
        client disconnects), stored in a thread; the event loop only waits."""
        check_plan_upload(name, data, self.max_upload)  # size and type: before any work
        record = await until_disconnect(
            receive,
            self.parsers.run_async(PARSE_PLAN, data, name=name, max_bytes=self.max_upload),
        )
        plan = await asyncio.to_thread(plan_from_record, record["plan"])
        return await asyncio.to_thread(
            self.add_plan,
            data,
            name,
            plan_id=plan_id,
            parsed_as=(record["text"], plan),
            who=who,
            client=client,
        )

    async def add_framework_isolated(
        self,
        receive: Receive,
        data: bytes,
        filename: str | None,
        *,
        name: str | None,
        level: str | None,
        who: str,
        client: str | None = None,
    ) -> dict[str, Any]:
        """Read an uploaded framework in a worker process, then store it."""
        from ..frameworks import reference_from_dict

        check_framework_upload(filename, data, self.max_upload)  # size and type first
        record = await until_disconnect(
            receive,
            self.parsers.run_async(
                PARSE_FRAMEWORK,
                data,
                filename=filename,
                name=name,
                level=level,
                max_bytes=self.max_upload,
            ),
        )

        def store() -> dict[str, Any]:
            raw = record["reference"]
            ref = reference_from_dict(raw, where=display_name(filename), name=raw.get("name"))
            out = self.frameworks.store(ref, record["format"], who=who)
            self.audit.record(
                who,
                "framework.upload",
                ref.name,
                {"file": display_name(filename), "targets": out["targets"]},
                client=client,
            )
            return out

        return await asyncio.to_thread(store)

    async def read_sheet_isolated(
        self, receive: Receive, data: bytes
    ) -> dict[str, list[list[str]]]:
        """The decisions sheet of an edited export, read in a worker process (the API
        compares it: :func:`.reimport.diff_rows`)."""
        read: dict[str, list[list[str]]] = await until_disconnect(
            receive, self.parsers.run_async(PARSE_SHEET, data)
        )
        return read

    def fix_section(
        self,
        plan_id: str,
        key: str,
        *,
        kind: str | None = None,
        parent_key: str | None = None,
        who: str,
        client: str | None = None,
    ) -> dict[str, Any]:
        """Correct the parser: a section's kind and/or parent (``""`` = top level; see
        :meth:`PlanStore.fix_sections`) → the plan's info."""
        return self.fix_sections(plan_id, [(key, kind, parent_key)], who=who, client=client)

    def fix_sections(
        self,
        plan_id: str,
        fixes: list[tuple[str, str | None, str | None]],
        *,
        who: str,
        client: str | None = None,
    ) -> dict[str, Any]:
        """Several corrections in one step (see :meth:`PlanStore.fix_sections`) → the
        plan's info; the plan's alignment is redone once, for every section."""
        self.plans.fix_sections(plan_id, fixes, who=who)
        self.aligner.forget(plan_id)
        for key, kind, parent_key in fixes:
            self.audit.record(
                who,
                "plan.fix",
                plan_id,
                {"section": key, "kind": kind, "parent": parent_key},
                client=client,
            )
        return self.plans.info(plan_id)

    def delete_plan(
        self, plan_id: str, *, who: str = UNKNOWN_USER, client: str | None = None
    ) -> None:
        """Delete a plan softly (archive): it leaves the listings, search, similar goals
        and coverage; its decisions stay and :meth:`restore_plan` brings it back."""
        row = self.plans.row(plan_id)
        plan = self.plans.plan(plan_id)
        self.search.hide(s.id for s in plan.sections)
        self.aligner.forget(plan_id)
        self.plans.delete(plan_id, who=who)
        self.audit.record(who, "plan.delete", plan_id, {"name": row["name"]}, client=client)

    def restore_plan(
        self, plan_id: str, *, who: str = UNKNOWN_USER, client: str | None = None
    ) -> dict[str, Any]:
        """Bring a deleted (archived) plan back → its info."""
        self.plans.restore(plan_id)
        plan = self.plans.plan(plan_id)
        self.search.show(plan.sections)
        self.audit.record(who, "plan.restore", plan_id, {"name": plan.source}, client=client)
        return self.plans.info(plan_id)

    def _changed(self, update: PlanUpdate) -> None:
        if update.replaced:
            self.aligner.forget(update.plan_id)
        self.search.update(update.sections, removed=[s.id for s in update.removed])

    # ---------------------------------------------------------------- alignment jobs
    def align_in_background(self, plan_id: str, frameworks: Sequence[str] | None) -> str:
        """Start aligning a plan in a job (see :mod:`.jobs`) → the job's id."""
        self.plans.plan(plan_id)  # 404 before a job exists
        return self.jobs.start(
            plan_id, lambda progress: self.aligner.align(plan_id, frameworks, progress=progress)
        )

    def close(self) -> None:
        self.parsers.close()
        self.db.close()
