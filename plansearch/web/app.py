"""The workbench web application (FastAPI): assembly, security layers, error mapping.

``create_app(workspace, embedder="hashing")`` builds the app; ``plansearch serve``
runs it with uvicorn. Layers, outermost first: the body-size limit (413 before a
byte is stored), security headers (CSP without inline script, no framing, no
sniffing), an optional Host allow-list (DNS rebinding), then the routes of
:mod:`.api` and :mod:`.pages` over one :class:`~.workbench.Workbench`. Every
state-changing API call needs the workspace's token (:mod:`.auth`).

>>> app = create_app("ws", embedder="hashing")   # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from ..errors import (
    DocumentTooLargeError,
    PlanSearchError,
    ReferenceFormatError,
    UnsupportedFormatError,
)
from .api import router as api_router
from .auth import workspace_token
from .db import NotFoundError
from .pages import router as pages_router
from .uploads import (
    DEFAULT_MAX_UPLOAD,
    BodyLimit,
    Message,
    Receive,
    Scope,
    Send,
    UploadTooLargeError,
    UploadTypeError,
)
from .workbench import Workbench

HERE = Path(__file__).parent
#: Content-Security-Policy of every page: only this server's own script and style.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
EMBEDDER_ENV = "PLANSEARCH_WEB_EMBEDDER"
#: HTTP status of each error a request can cause, the first class that matches
#: (any other :class:`PlanSearchError` is bad input: 422).
ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (UploadTooLargeError, 413),
    (DocumentTooLargeError, 413),
    (UploadTypeError, 415),
    (UnsupportedFormatError, 415),
    (ReferenceFormatError, 422),
)


def status_of(exc: PlanSearchError) -> int:
    """The HTTP status that answers ``exc`` (see :data:`ERROR_STATUS`)."""
    return next((status for cls, status in ERROR_STATUS if isinstance(exc, cls)), 422)


class SecurityHeaders:
    """ASGI middleware: CSP and friends on every response; Host allow-list."""

    def __init__(self, app: Any, allowed_hosts: set[str] | None) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.allowed_hosts is not None:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name not in self.allowed_hosts:
                response = JSONResponse(
                    {"error": "bad_host", "detail": f"host {host!r} is not served here"},
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
    """FastAPI with the body limit and security headers as the outermost layers."""

    def build_middleware_stack(self) -> Any:
        inner = super().build_middleware_stack()
        return BodyLimit(
            SecurityHeaders(inner, getattr(self.state, "allowed_hosts", None)),
            getattr(self.state, "max_upload", DEFAULT_MAX_UPLOAD),
        )


def create_app(
    workspace: str | Path,
    *,
    embedder: Any = None,
    index_dir: str | Path | None = None,
    max_upload: int = DEFAULT_MAX_UPLOAD,
    token: str | None = None,
    allowed_hosts: set[str] | None = None,
) -> FastAPI:
    """The workbench app over ``workspace`` (a folder, created if missing).

    ``embedder`` is an embedder or a name for :class:`plansearch.Embedder`
    (default: ``$PLANSEARCH_WEB_EMBEDDER``, else the bundled model; ``"hashing"``
    for tests). ``index_dir`` is a saved :class:`PlanIndex` to search besides the
    workspace's plans. ``allowed_hosts`` limits the ``Host`` header (``None``: any).
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
    app.state.allowed_hosts = allowed_hosts
    app.state.workbench = Workbench(
        workspace, embedder=embedder, index_dir=index_dir, max_upload=max_upload
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

    return app
