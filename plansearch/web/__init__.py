"""``plansearch serve``: the planner workbench, a local web app (FastAPI + Jinja2).

Needs the optional ``web`` extra (``pip install -e '.[web]'``). Layers, top down:

* routes: ``api`` (JSON API) and ``pages`` (Thai pages), assembled by ``app`` (the
  app, security layers, error mapping) with ``auth`` (token, who) and ``uploads``
  (limits);
* what the routes return: ``review`` (the ผ.02 linkage review), ``coverage`` (across a
  province's plans), ``export`` (Excel/CSV/HTML with decisions), ``reimport`` (an
  edited Excel back);
* the workspace: ``workbench`` (one per server, wiring) over ``plans``,
  ``frameworks``, ``decisions``, ``alignments``, ``embedder`` (the model), ``search``
  (the index) and ``jobs`` (background work);
* ``db``: the SQLite workspace.

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
