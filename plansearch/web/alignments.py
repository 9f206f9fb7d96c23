"""Alignments of the workspace's plans: run with :func:`plansearch.align`, kept in memory.

An alignment is run for one plan revision, a list of frameworks and the decisions it
learns from (:meth:`.decisions.Decisions.examples`: the plan's own organisation's,
others' only when the planner chose so), and cached per plan until one of those
changes. One alignment runs at a time (the CPU is the limit anyway); every run is
recorded in the workspace database with what it showed (:class:`StoredRun`: its
frameworks and targets, the learning it used and the top suggestion of every cell), so
the coverage overview reads stored runs and never aligns, and the review can mark a
suggestion that changed since the previous run.

>>> aligner.align("p-1", ["national", "sdg"]).alignment.best("national")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PlanSearchError
from ..frameworks import companions, is_builtin
from ..sections import Plan
from .db import Workspace
from .decisions import Decisions
from .embedder import SharedEmbedder
from .frameworks import FrameworkStore
from .jobs import Progress
from .plans import PlanStore, plan_from_row

if TYPE_CHECKING:
    from ..alignment.results import Alignment

#: Alignments kept in memory (the review and exports read only these; coverage reads
#: the recorded runs, :meth:`Aligner.recorded`).
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


@dataclass(frozen=True)
class StoredRun:
    """What one recorded alignment showed: its frameworks (name, title, level, target
    ids and titles, in column order), the learning it used, and per cell
    ``(section_key, framework)`` the top suggestion ``(target_id, strength, share)``."""

    run_id: int
    plan_id: str
    revision: int
    frameworks: tuple[dict[str, Any], ...]
    cells: dict[tuple[str, str], tuple[str, str, float]]
    examples: int
    learn_from_others: bool

    @property
    def framework_names(self) -> tuple[str, ...]:
        return tuple(f["name"] for f in self.frameworks)


def _recorded(row: Any) -> StoredRun:
    return StoredRun(
        run_id=int(row["run_id"]),
        plan_id=row["plan_id"],
        revision=int(row["revision"]),
        frameworks=tuple(json.loads(row["frameworks_json"])),
        cells={(k, f): (t, s, float(sh)) for k, f, t, s, sh in json.loads(row["cells_json"])},
        examples=int(row["examples"]),
        learn_from_others=bool(row["learn_from_others"]),
    )


def framework_count(names: Sequence[str]) -> int:
    """How many columns aligning against ``names`` gives: each built-in brings its
    companions (the master plans come with the national strategy)."""
    shown = dict.fromkeys(names)
    for n in names:
        if is_builtin(n):
            shown.update(dict.fromkeys(companions(n)))
    return len(shown)


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
        learning from the decisions of its organisation (and of the others when the
        planner chose so: :meth:`.decisions.Decisions.learns_from_others`); cached per
        revision, frameworks, section fixes and the examples used."""
        from ..alignment.examples import ExampleError
        from ..alignment.pipeline import align

        report = progress or _quiet
        row = self.plans.row(plan_id)
        plan = plan_from_row(row)
        against = self.frameworks.against(plan, frameworks)
        names = [a if isinstance(a, str) else a.name for a in against]
        others = self.decisions.learns_from_others(plan_id)
        examples = self.decisions.examples(names, plan_id=plan_id, from_others=others)
        digest = hashlib.sha1(repr(examples).encode()).hexdigest()
        key = (row["revision"], row["updated_at"], tuple(names), others, len(examples), digest)
        hit = self._aligned.get(plan_id)
        if hit is not None and hit.key == key:
            return hit
        report("model", "กำลังโหลดแบบจำลองภาษา (ครั้งแรกเท่านั้น)")
        emb = self.embedder.get()
        report("align", f"กำลังเชื่อมโยงกับ {framework_count(names)} กรอบ")
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
        self._record(run_id, plan_id, row["revision"], al, len(examples), digest, others)
        done = AlignedPlan(run_id, key, plan, al, seconds)
        self._aligned[plan_id] = done
        while len(self._aligned) > MAX_CACHED_ALIGNMENTS:
            self._aligned.popitem(last=False)
        report("done", "เสร็จแล้ว")
        return done

    def _record(
        self,
        run_id: int,
        plan_id: str,
        revision: int,
        al: Alignment,
        examples: int,
        digest: str,
        others: bool,
    ) -> None:
        """Keep what the run showed (see :class:`StoredRun`)."""
        fws = [
            {
                "name": f.name,
                "title": f.title,
                "level": f.level,
                "target_ids": list(f.target_ids),
                "target_titles": list(f.target_titles),
            }
            for f in al.frameworks
        ]
        cells = [
            [it.item.id, f.name, m.target_id, m.strength, round(m.share, 4)]
            for it in al.items
            for f in al.frameworks
            for m in it.for_framework(f.name)[:1]
        ]
        with self.db.write() as c:
            c.execute(
                "INSERT INTO run_results(run_id, plan_id, revision, examples, examples_sha, "
                "learn_from_others, frameworks_json, cells_json) VALUES (?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    plan_id,
                    revision,
                    examples,
                    digest,
                    int(others),
                    json.dumps(fws, ensure_ascii=False),
                    json.dumps(cells, ensure_ascii=False),
                ),
            )

    def recorded(self, plan_id: str, *, before: int | None = None) -> StoredRun | None:
        """The plan's latest recorded run (``before``: the latest before that run id);
        ``None`` when it has none. Reads only: never aligns."""
        row = self.db.conn.execute(
            "SELECT * FROM run_results WHERE plan_id=? AND run_id<? ORDER BY run_id DESC LIMIT 1",
            (plan_id, before if before is not None else 2**62),
        ).fetchone()
        return _recorded(row) if row is not None else None

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
