"""``plansearch serve``: the planner workbench, a local web app (FastAPI + Jinja2).

Needs the optional ``web`` extra (``pip install -e '.[web]'``). Modules: ``db``
(SQLite workspace, migrations), ``service`` (plans, frameworks, alignment,
decisions, search), ``export`` (Excel/CSV/HTML with decisions, re-import),
``uploads`` (limits), ``api`` (JSON API), ``pages`` (Thai pages), ``app``
(assembly and security layers).

>>> from plansearch.web import create_app          # doctest: +SKIP
>>> app = create_app("workspace", embedder="hashing")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See :func:`plansearch.web.app.create_app` (imported lazily: FastAPI is optional)."""
    from .app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
