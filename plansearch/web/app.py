"""The workbench web application (FastAPI): assembly, security layers, error mapping.

``create_app(workspace, embedder="hashing")`` builds the app; ``plansearch serve``
runs it (:mod:`.server`). Layers, outermost first: the Host allow-list (DNS
rebinding: always on) and security headers (CSP without inline script, no framing, no
sniffing); the body-size limit and read timeouts (413 before a byte is stored, 408 for
a trickling body); the login gate (:class:`~.auth.AuthGate`) and the per-client rate
limits of the heavy endpoints (:mod:`.throttle`), both when login is on (a shared
server); then the routes of :mod:`.api` and :mod:`.pages` over one
:class:`~.workbench.Workbench`. Every state-changing API call needs the workspace's
token, or with login an account (:mod:`.auth`).

>>> app = create_app("ws", embedder="hashing")   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from ..errors import (
    DocumentTooLargeError,
    ParseCancelledError,
    ParseWorkerError,
    PlanSearchError,
    ReferenceFormatError,
    UnsupportedFormatError,
)
from ..isolation import WorkerLimits
from .alignments import NotAlignedError
from .api import router as api_router
from .auth import AuthGate, workspace_token
from .db import NotFoundError, WorkspaceError
from .pages import router as pages_router
from .throttle import RateLimits, Throttle
from .uploads import (
    DEFAULT_MAX_UPLOAD,
    BodyLimit,
    Message,
    ReadTimeouts,
    Receive,
    Scope,
    Send,
    UploadTooLargeError,
    UploadTypeError,
)
from .workbench import Workbench

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: Content-Security-Policy of every page: only this server's own script and style.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
EMBEDDER_ENV = "PLANSEARCH_WEB_EMBEDDER"
#: Host names always served (the allow-list's default besides the bind address).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
#: HTTP status of each error a request can cause, the first class that matches
#: (any other :class:`PlanSearchError` is bad input: 422).
ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (NotAlignedError, 409),
    (UploadTooLargeError, 413),
    (DocumentTooLargeError, 413),
    (UploadTypeError, 415),
    (UnsupportedFormatError, 415),
    (ReferenceFormatError, 422),
    (ParseCancelledError, 499),
    (ParseWorkerError, 503),
    (WorkspaceError, 503),
)


def status_of(exc: PlanSearchError) -> int:
    """The HTTP status that answers ``exc`` (see :data:`ERROR_STATUS`)."""
    return next((status for cls, status in ERROR_STATUS if isinstance(exc, cls)), 422)


class SecurityHeaders:
    """ASGI middleware: CSP and friends on every response; Host allow-list."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str] | None) -> None:
        self.app = app
        self.allowed_hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.allowed_hosts is not None:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name.lower() not in self.allowed_hosts:
                response = JSONResponse(
                    {
                        "error": "bad_host",
                        "detail": f"ไม่ได้เปิดให้บริการที่ชื่อ {host!r} / host {host!r} is not "
                        "served here (the server's --allowed-host list)",
                    },
                    status_code=400,
                )
                await response(scope, receive, send)
                return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                for k, v in extra.items():
                    if k not in names:
                        headers.append((k, v))
                msg["headers"] = headers
            await send(msg)

        await self.app(scope, receive, with_headers)


class WorkbenchApp(FastAPI):
    """FastAPI with the security layers outermost (see the module docstring)."""

    def build_middleware_stack(self) -> Any:
        inner = super().build_middleware_stack()
        state = self.state
        wb: Workbench = state.workbench
        shared = bool(getattr(state, "login", False))
        # rate limits share a server fairly between people: a local workbench has one
        gated = AuthGate(
            Throttle(inner, getattr(state, "rate_limits", None) if shared else None),
            wb.accounts if shared else None,
        )
        limited = BodyLimit(
            gated,
            getattr(state, "max_upload", DEFAULT_MAX_UPLOAD),
            getattr(state, "read_timeouts", None),
        )
        return SecurityHeaders(limited, getattr(state, "allowed_hosts", None))


def create_app(
    workspace: str | Path,
    *,
    embedder: Any = None,
    index_dir: str | Path | None = None,
    max_upload: int = DEFAULT_MAX_UPLOAD,
    token: str | None = None,
    allowed_hosts: Iterable[str] | None = LOCAL_HOSTS,
    login: bool = False,
    behind_tls: bool = False,
    rate_limits: RateLimits | None = None,
    read_timeouts: ReadTimeouts | None = None,
    parse_limits: WorkerLimits | None = None,
) -> FastAPI:
    """The workbench app over ``workspace`` (a folder, created if missing).

    ``embedder`` is an embedder or a name for :class:`plansearch.Embedder`
    (default: ``$PLANSEARCH_WEB_EMBEDDER``, else the bundled model; ``"hashing"``
    for tests). ``index_dir`` is a saved :class:`PlanIndex` to search besides the
    workspace's plans. ``allowed_hosts``: the ``Host`` names served (default: the
    loopback names; ``None`` turns the check off, for tests only). ``login``: every
    request needs an account (:mod:`.accounts`); ``behind_tls``: cookies are
    ``Secure``. ``rate_limits`` (default :class:`~.throttle.RateLimits`),
    ``read_timeouts`` and ``parse_limits`` (the parse workers') tune the limits.
    """
    if embedder is None:
        embedder = os.environ.get(EMBEDDER_ENV) or None
    app = WorkbenchApp(
        title="plansearch workbench",
        description="ระบบช่วยตรวจความเชื่อมโยงแผนพัฒนาท้องถิ่น / planner workbench",
        docs_url=None,  # the interactive docs load assets from a CDN: not offline
        redoc_url=None,
    )
    app.state.max_upload = max_upload
    app.state.allowed_hosts = None if allowed_hosts is None else set(allowed_hosts)
    app.state.login = login
    app.state.behind_tls = behind_tls
    app.state.rate_limits = rate_limits or RateLimits()
    app.state.read_timeouts = read_timeouts or ReadTimeouts()
    app.state.workbench = Workbench(
        workspace,
        embedder=embedder,
        index_dir=index_dir,
        max_upload=max_upload,
        parse_limits=parse_limits,
    )
    app.state.token = token or workspace_token(Path(workspace))
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(PlanSearchError)
    async def _error(request: Request, exc: PlanSearchError) -> JSONResponse:
        return JSONResponse(
            {"error": type(exc).__name__, "detail": str(exc)}, status_code=status_of(exc)
        )

    @app.exception_handler(sqlite3.DatabaseError)
    async def _database(request: Request, exc: sqlite3.DatabaseError) -> JSONResponse:
        log.error("workspace database error: %s", exc)
        if type(exc) is not sqlite3.DatabaseError:  # locked, busy, a constraint: not damage
            return JSONResponse(
                {
                    "error": type(exc).__name__,
                    "detail": f"ฐานข้อมูลไม่ว่าง ลองอีกครั้ง / the workspace database refused "
                    f"this change ({exc}); try again",
                },
                status_code=503,
            )
        return JSONResponse(
            {
                "error": "DamagedWorkspaceError",
                "detail": "ฐานข้อมูลของพื้นที่ทำงานอ่านไม่ได้ / the workspace database cannot "
                f"be read ({exc}); stop the server and run `plansearch serve --workspace "
                "FOLDER --repair`, or serve another --workspace",
            },
            status_code=503,
        )

    return app
