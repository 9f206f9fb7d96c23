"""Alignments of the workspace's plans: run with :func:`plansearch.align`, kept in memory.

An alignment is run for one plan revision, a list of frameworks and the workspace's
decisions (as learning examples), and cached per plan until one of those changes. One
alignment runs at a time (the CPU is the limit anyway); every run is recorded in the
workspace database so the review can re-run the same frameworks after a restart.

>>> aligner.align("p-1", ["national", "sdg"]).alignment.best("national")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PlanSearchError
from ..sections import Plan
from .db import Workspace
from .decisions import Decisions
from .embedder import SharedEmbedder
from .frameworks import FrameworkStore
from .jobs import Progress
from .plans import PlanStore, plan_from_row

if TYPE_CHECKING:
    from ..alignment.results import Alignment

#: Alignments kept in memory (the review, exports and coverage read only these).
MAX_CACHED_ALIGNMENTS = 512


class NotAlignedError(PlanSearchError):
    """A plan has no alignment for its current sections yet (409: align it by POST)."""


@dataclass(frozen=True)
class AlignedPlan:
    """A cached alignment of one plan (the revision, frameworks and feedback it used)."""

    run_id: int
    key: tuple[Any, ...]
    plan: Plan
    alignment: Alignment
    seconds: float


class Aligner:
    """Runs and caches the alignments of one workspace's plans."""

    def __init__(
        self,
        db: Workspace,
        plans: PlanStore,
        frameworks: FrameworkStore,
        decisions: Decisions,
        embedder: SharedEmbedder,
    ) -> None:
        self.db = db
        self.plans = plans
        self.frameworks = frameworks
        self.decisions = decisions
        self.embedder = embedder
        self._lock = threading.Lock()  # one alignment at a time
        self._aligned: OrderedDict[str, AlignedPlan] = OrderedDict()

    def align(
        self,
        plan_id: str,
        frameworks: Sequence[str] | None = None,
        *,
        progress: Progress | None = None,
    ) -> AlignedPlan:
        """Align a plan against ``frameworks`` (none: the registry's defaults for it),
        learning from the workspace's decisions; cached per revision, frameworks,
        section fixes and decisions."""
        from ..alignment.examples import ExampleError
        from ..alignment.pipeline import align

        report = progress or _quiet
        row = self.plans.row(plan_id)
        plan = plan_from_row(row)
        against = self.frameworks.against(plan, frameworks)
        names = [a if isinstance(a, str) else a.name for a in against]
        examples = self.decisions.examples(names)
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
        report("model", "กำลังโหลดแบบจำลองภาษา (ครั้งแรกเท่านั้น)")
        emb = self.embedder.get()
        report("align", f"กำลังเชื่อมโยงกับ {len(names)} กรอบ")
        t0 = time.perf_counter()
        with self._lock:
            try:
                al = align(plan, against, k=3, embedder=emb, examples=examples or None)
            except ExampleError:
                # a stored decision names a target the framework no longer has (an
                # edited framework): suggest without the corrections rather than fail
                al = align(plan, against, k=3, embedder=emb)
        seconds = time.perf_counter() - t0
        run_id = self.db.add_run(plan_id, row["revision"], names, emb.fingerprint, seconds)
        done = AlignedPlan(run_id, key, plan, al, seconds)
        self._aligned[plan_id] = done
        while len(self._aligned) > MAX_CACHED_ALIGNMENTS:
            self._aligned.popitem(last=False)
        report("done", "เสร็จแล้ว")
        return done

    def last_frameworks(self, plan_id: str) -> list[str] | None:
        """The frameworks of the plan's latest run (``None``: never aligned)."""
        runs = self.db.runs(plan_id)
        return runs[-1]["frameworks"] if runs else None

    def stored(self, plan_id: str) -> AlignedPlan | None:
        """The plan's latest alignment if there is one for its current sections, else
        ``None``. Read-only: never aligns, never writes (what every GET uses)."""
        return self._aligned.get(plan_id)

    def aligned(self, plan_id: str) -> AlignedPlan:
        """The plan's latest alignment; :class:`NotAlignedError` when there is none
        (aligning is a POSTed job: ``POST /api/plans/{id}/align``)."""
        hit = self.stored(plan_id)
        if hit is None:
            self.plans.row(plan_id)  # 404 for an unknown plan
            raise NotAlignedError(
                f"แผนนี้ยังไม่ได้เชื่อมโยง (หรือแก้ไขหลังการเชื่อมโยงครั้งล่าสุด) กดปุ่ม "
                f"'เชื่อมโยง' เพื่อเริ่ม / plan {plan_id} is not aligned yet (or changed since): "
                f"start it with POST /api/plans/{plan_id}/align"
            )
        return hit

    def forget(self, plan_id: str) -> None:
        """Drop the cached alignment of a plan whose sections changed or that is gone."""
        self._aligned.pop(plan_id, None)

    def target_ids(self, plan_id: str, framework: str) -> set[str] | None:
        """Ids a decision may name in ``framework``: those the plan was aligned with, else
        the framework's (``None`` when it cannot be told)."""
        hit = self._aligned.get(plan_id)
        if hit is not None:
            for f in hit.alignment.frameworks:
                if f.name == framework:
                    return set(f.target_ids)
        return self.frameworks.target_ids(framework)


def _quiet(stage: str, message: str) -> None:
    """The progress of an alignment nobody watches."""
