"""The frameworks a workspace aligns against: the registry's built-ins and its own.

Every fact about a framework (title, level, ผ.02 letter and column, whether it is a
default, its targets) comes from the registry (:mod:`plansearch.frameworks`); this
module adds only the organisation's own frameworks, stored in the workspace database
as checked reference data, and turns the names a request gives into what
:func:`plansearch.align` takes.

>>> store = FrameworkStore(Workspace(":memory:"))                  # doctest: +SKIP
>>> csv = "id,title\\nP1,การพัฒนาเศรษฐกิจ\\n".encode()                 # doctest: +SKIP
>>> ref, fmt = read_upload(csv, "จังหวัด.csv", name=None, level=None)   # doctest: +SKIP
>>> store.store(ref, fmt, who="สมศรี")                               # doctest: +SKIP
{'name': 'จังหวัด', 'title': 'จังหวัด', 'level': 'province', 'targets': 1}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, ReferenceFormatError
from ..frameworks import (
    Reference,
    builtin_frameworks,
    defaults_for,
    describe,
    is_builtin,
    level_title,
    plan_levels,
    read_reference,
    reference_from_dict,
    targets_of,
)
from ..sections import Plan
from .db import NotFoundError, Workspace
from .uploads import DEFAULT_MAX_UPLOAD, check_framework_upload, display_name

#: Table formats whose files may lack a ``level`` column (then read as ``province``).
TABLE_FORMATS = (".csv", ".tsv", ".xlsx")


def framework_name(raw: str) -> str:
    """A framework name made from what the planner typed or the file's name.

    >>> framework_name("ยุทธศาสตร์ จังหวัด (2567)")
    'ยุทธศาสตร์_จังหวัด_2567'
    """
    name = re.sub(r"[^0-9A-Za-z_\-\u0E00-\u0E7F]+", "_", raw).strip("_")[:40]
    if not name:
        raise InputError("ต้องตั้งชื่อกรอบ / give the framework a name (letters, digits, _ or -)")
    return name


def _check_own_name(wanted: str) -> None:
    if is_builtin(wanted) or wanted in plan_levels():
        raise InputError(
            f"ชื่อ {wanted!r} ซ้ำกับกรอบในระบบ / {wanted!r} is a built-in framework name; "
            "choose another name"
        )


def read_upload(
    data: bytes,
    filename: str | None,
    *,
    name: str | None,
    level: str | None,
    max_upload: int = DEFAULT_MAX_UPLOAD,
) -> tuple[Reference, str]:
    """An uploaded framework file (YAML/JSON/CSV, or Excel id,title,text,parent_id) read
    and checked → ``(reference, extension)``. ``level`` is the planning level (a CSV or
    Excel sheet without a ``level`` column is taken as ``province``, the usual own
    framework); :meth:`FrameworkStore.store` stores it."""
    ext = check_framework_upload(filename, data, max_upload)
    wanted = framework_name(name or Path(display_name(filename, "own")).stem)
    _check_own_name(wanted)
    shown = f"{Path(display_name(filename, 'framework')).stem}{ext}"
    try:
        ref = read_reference(data, shown, name=wanted, level=level or None)
    except ReferenceFormatError as exc:
        # a table without a level column is the usual own framework: a province's
        if level is None and ext in TABLE_FORMATS and ": no level" in str(exc):
            ref = read_reference(data, shown, name=wanted, level="province")
        else:
            raise
    return ref, ext


class FrameworkStore:
    """The registry's frameworks plus the ones this workspace's planners uploaded."""

    def __init__(self, db: Workspace, *, max_upload: int = DEFAULT_MAX_UPLOAD) -> None:
        self.db = db
        self.max_upload = max_upload

    def listing(self) -> list[dict[str, Any]]:
        """Every framework a plan can be aligned against (built-ins first), with its
        number of targets (those :func:`plansearch.align` scores)."""
        out: list[dict[str, Any]] = [
            {
                "name": info.name,
                "title": info.title,
                "level": info.level,
                "level_th": level_title(info.level),
                "block": f"{info.letter} {info.heading}",
                "builtin": True,
                "targets": len(targets_of(info.name)),
                "default": info.default,
            }
            for info in builtin_frameworks()
        ]
        for f in self.db.frameworks():
            ref = self.reference(f["name"])
            info = describe(ref)
            out.append(
                {
                    "name": f["name"],
                    "title": f["title"],
                    "level": f["level"],
                    "level_th": level_title(f["level"]),
                    "block": f"{info.letter} {info.heading}",
                    "builtin": False,
                    "targets": len(targets_of(ref)),
                    "default": False,
                    "who": f["who"],
                    "created_at": f["created_at"],
                }
            )
        return out

    def store(self, ref: Reference, fmt: str, *, who: str) -> dict[str, Any]:
        """Store a framework read by :func:`read_upload` (its name checked again)."""
        _check_own_name(ref.name)
        self.db.add_framework(
            ref.name, title=ref.title, level=ref.level, fmt=fmt, data=ref.to_dict(), who=who
        )
        return {"name": ref.name, "title": ref.title, "level": ref.level, "targets": len(ref)}

    def reference(self, name: str) -> Reference:
        """An own framework of this workspace, as a checked :class:`Reference`."""
        row = self.db.framework(name)
        if row is None:
            raise NotFoundError(f"ไม่พบกรอบ / no framework {name!r}")
        return reference_from_dict(row["data"], where=f"framework {name}", name=name)

    def against(self, plan: Plan, names: Sequence[str] | None) -> list[str | Reference]:
        """What ``align(plan, against=...)`` takes for the ``names`` a request gives
        (none: the registry's defaults for this plan). A level the plan does not quote
        is left out; any other name must be a built-in or an own framework."""
        if not names:
            names = defaults_for(plan)
        out: list[str | Reference] = []
        for n in dict.fromkeys(names):
            if is_builtin(n):
                out.append(n)
            elif n in plan_levels():
                if any(s.level == n for s in plan.sections):
                    out.append(n)
            else:
                out.append(self.reference(n))
        if not out:
            raise InputError("ไม่มีกรอบให้เชื่อมโยง / no framework to align against")
        return out

    def target_ids(self, framework: str) -> set[str] | None:
        """Ids of the targets ``align`` scores in ``framework`` (``None``: not known
        without a plan, e.g. the provincial strategies a plan quotes)."""
        if is_builtin(framework):
            return {t.id for t in targets_of(framework)}
        if self.db.framework(framework) is not None:
            return {t.id for t in targets_of(self.reference(framework))}
        return None
