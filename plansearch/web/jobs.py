"""Background jobs of the workbench and their progress (the pages poll ``/api/jobs/{id}``).

A job runs one piece of work (today: an alignment) in a thread. The work reports its
progress through a ``progress(stage, message)`` callback; the job's state goes
``queued`` → ``running`` → ``done`` or ``error`` (with the error's message). Only the
newest :data:`MAX_JOBS` jobs are remembered.

>>> work = lambda progress: aligner.align("p-1", progress=progress)  # doctest: +SKIP
>>> job_id = jobs.start("p-1", work)                                  # doctest: +SKIP
>>> jobs.get(job_id)["state"]                                         # doctest: +SKIP
'running'
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from .db import NotFoundError

MAX_JOBS = 100
#: ``progress(stage, message)``: the callback a job's work reports through.
Progress = Callable[[str, str], None]


class Jobs:
    """The background jobs of one server (in memory: a restart forgets them)."""

    def __init__(self) -> None:
        self._jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def start(self, plan_id: str, work: Callable[[Progress], object]) -> str:
        """Run ``work(progress)`` in a thread for ``plan_id``; returns the job's id."""
        job = f"j-{hashlib.sha1(f'{plan_id}{time.time_ns()}'.encode()).hexdigest()[:10]}"
        with self._lock:
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
        state = self._jobs[job]

        def progress(stage: str, message: str) -> None:
            state.update(state="running", stage=stage, message=message)

        def run() -> None:
            try:
                work(progress)
                state["state"] = "done"
            except Exception as exc:  # reported to the page, not raised in a thread
                state.update(state="error", message=str(exc))

        threading.Thread(target=run, name=f"plansearch-{job}", daemon=True).start()
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        """A job's state, stage, message and seconds since it started."""
        j = self._jobs.get(job_id)
        if j is None:
            raise NotFoundError(f"ไม่พบงาน / no job {job_id!r}")
        return {**j, "elapsed": round(time.time() - j["started"], 1)}
