"""The workbench's state: one workspace, its model, index, alignments and jobs.

:class:`Workbench` is built once per server (``app.state.workbench``) and wires the
parts, one module per concern:

* :mod:`.plans` — upload, replace, fix sections, delete (:class:`PlanStore`);
* :mod:`.frameworks` — the registry's and the organisation's own (:class:`FrameworkStore`);
* :mod:`.decisions` — accept / change / reject / undo, and the learning examples;
* :mod:`.alignments` — :func:`plansearch.align` runs, cached per plan (:class:`Aligner`);
* :mod:`.embedder` — the model, loaded once (:class:`SharedEmbedder`);
* :mod:`.search` — the index over ``--index`` and the plans (:class:`WorkspaceSearch`);
* :mod:`.jobs` — background work and its progress.

The review, coverage and exports (:mod:`.review`, :mod:`.coverage`, :mod:`.export`) read
a :class:`Workbench`. The only logic here passes a plan's change on to the search index
and the alignment cache.

>>> wb = Workbench("ws", embedder="hashing")                       # doctest: +SKIP
>>> pid = wb.add_plan(b"...", "แผนพัฒนา.txt")["id"]                  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .alignments import Aligner
from .db import Workspace
from .decisions import Decisions
from .embedder import SharedEmbedder
from .frameworks import FrameworkStore
from .jobs import Jobs
from .plans import PlanStore, PlanUpdate
from .search import WorkspaceSearch
from .uploads import DEFAULT_MAX_UPLOAD


class Workbench:
    """Plans, frameworks, decisions, alignments, search and jobs of one workspace."""

    def __init__(
        self,
        workspace: str | Path,
        *,
        embedder: Any = None,
        index_dir: str | Path | None = None,
        max_upload: int = DEFAULT_MAX_UPLOAD,
    ) -> None:
        self.db = Workspace(workspace)
        self.embedder = SharedEmbedder(embedder)
        self.plans = PlanStore(self.db, max_upload=max_upload)
        self.frameworks = FrameworkStore(self.db, max_upload=max_upload)
        self.search = WorkspaceSearch(self.plans, self.embedder, index_dir)
        self.decisions = Decisions(
            self.db, self.plans, target_ids=lambda pid, fw: self.aligner.target_ids(pid, fw)
        )
        self.aligner = Aligner(self.db, self.plans, self.frameworks, self.decisions, self.embedder)
        self.jobs = Jobs()

    def warm_up(self) -> threading.Thread:
        """Load the model and build the index in the background (see :mod:`.search`)."""
        return self.search.warm_up()

    # --------------------------------------------- plan changes reach search and cache
    def add_plan(
        self, data: bytes | str, name: str | None = None, *, plan_id: str | None = None
    ) -> dict[str, Any]:
        """Store an uploaded plan (or a new source for ``plan_id``) → the plan's info and
        ``changes`` (sections removed and added by a new source)."""
        update = self.plans.add(data, name, plan_id=plan_id)
        self._changed(update)
        return {**self.plans.info(update.plan_id), "changes": update.changes()}

    def fix_section(
        self,
        plan_id: str,
        key: str,
        *,
        kind: str | None = None,
        parent_key: str | None = None,
        who: str,
    ) -> dict[str, Any]:
        """Correct the parser (see :meth:`PlanStore.fix_section`) → the plan's info."""
        self.plans.fix_section(plan_id, key, kind=kind, parent_key=parent_key, who=who)
        self.aligner.forget(plan_id)
        return self.plans.info(plan_id)

    def delete_plan(self, plan_id: str) -> None:
        """Remove a plan, its decisions and runs (its sections leave the search results)."""
        plan = self.plans.plan(plan_id)
        self.search.hide(s.id for s in plan.sections)
        self.aligner.forget(plan_id)
        self.plans.delete(plan_id)

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
        self.db.close()
