"""Who may use the workspace, and who did: login, sessions, API tokens, CSRF.

Two modes, chosen by ``plansearch serve``:

* **local** (``--host 127.0.0.1``, the default): as simple as a desktop program. Reads
  are open; every request that changes state needs the ``X-Plansearch-Token`` header
  equal to the workspace's token. The pages read it from a ``<meta>`` tag (same-origin
  only, so it is also the CSRF token); scripts read it from ``<workspace>/api-token``,
  made once and readable only by its owner. Who made a change comes from the request
  (a JSON or form field ``who``, or the ``X-Plansearch-User`` header, URL-encoded).
* **login** (any other ``--host``, or ``--login``): :class:`AuthGate` lets nothing but
  the login page, the static files and ``/api/health`` through without an account
  (:mod:`.accounts`). A browser holds a session cookie (HttpOnly, SameSite=Strict,
  Secure behind TLS) and echoes the readable CSRF cookie in ``X-Plansearch-CSRF`` on
  every change; a script sends its own API token (``Authorization: Bearer …``). The
  workspace token and the ``who`` fields are not used: the reviewer's name is the
  login's.

>>> # curl -H "Authorization: Bearer $PLANSEARCH_TOKEN" https://plans.example/api/plans
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse

from .accounts import Caller

if TYPE_CHECKING:
    from .accounts import Accounts
    from .uploads import Receive, Scope, Send

TOKEN_HEADER = "X-Plansearch-Token"
USER_HEADER = "X-Plansearch-User"
CSRF_HEADER = "X-Plansearch-CSRF"
SESSION_COOKIE = "plansearch_session"
CSRF_COOKIE = "plansearch_csrf"
TOKEN_FILE = "api-token"
MAX_WHO = 80
UNKNOWN_USER = "ไม่ระบุชื่อ"
LOCAL = Caller(None)
#: Paths open without an account in login mode (exact, or a prefix ending with "/").
OPEN_PATHS = ("/login", "/api/health", "/favicon.ico", "/static/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def workspace_token(folder: Path) -> str:
    """The workspace's API token (made once, readable only by its owner)."""
    if str(folder) == ":memory:":
        return secrets.token_urlsafe(24)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TOKEN_FILE
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def login_required(request: Request) -> bool:
    return bool(getattr(request.app.state, "login", False))


def caller_of(request: Request) -> Caller:
    """The caller :class:`AuthGate` identified (the local user without login)."""
    caller = request.scope.get("state", {}).get("caller")
    return caller if isinstance(caller, Caller) else LOCAL


def require_token(request: Request) -> None:
    """Every state-changing route: in login mode an account (checked, with its CSRF
    header, by :class:`AuthGate`); locally the workspace token, and a browser's
    ``Origin`` must be this server."""
    if login_required(request):
        if caller_of(request).name is None:  # pragma: no cover - the gate answered 401
            raise HTTPException(status_code=401, detail="ต้องเข้าสู่ระบบ / log in first")
        return
    given = request.headers.get(TOKEN_HEADER, "")
    if not secrets.compare_digest(given.encode(), request.app.state.token.encode()):
        raise HTTPException(
            status_code=403,
            detail="ต้องมีโทเค็น X-Plansearch-Token / the X-Plansearch-Token header is missing "
            "or wrong (pages send it; scripts read it from <workspace>/api-token)",
        )
    _same_origin(request.headers.get("origin"), request.headers.get("host", ""))


def require_admin(request: Request) -> None:
    """Routes that manage accounts: an admin's login (anyone on a local workbench)."""
    require_token(request)
    if login_required(request) and not caller_of(request).admin:
        raise HTTPException(
            status_code=403, detail="เฉพาะผู้ดูแลระบบ / only an admin account may do this"
        )


def _same_origin(origin: str | None, host: str) -> None:
    if origin and origin != "null" and origin.split("://", 1)[-1] != host:
        raise HTTPException(status_code=403, detail=f"cross-origin request from {origin!r}")


def who_of(request: Request, given: str | None = None) -> str:
    """The name of who made a change: the login's; locally ``given``, else the user
    header, one line."""
    caller = caller_of(request)
    if caller.name is not None:
        return caller.name
    raw = given or unquote(request.headers.get(USER_HEADER, ""))
    name = " ".join(str(raw).split())[:MAX_WHO]
    return name or UNKNOWN_USER


def client_of(scope: Any) -> str | None:
    """The client's address (the proxy's ``X-Forwarded-For`` when the proxy is trusted:
    uvicorn rewrote it)."""
    client = scope.get("client") if hasattr(scope, "get") else None
    return str(client[0]) if client else None


def secure_cookies(request: Request) -> bool:
    """Cookies get ``Secure`` behind TLS (``--behind-tls``, or an https request)."""
    return bool(getattr(request.app.state, "behind_tls", False)) or request.url.scheme == "https"


def start_session(response: Any, request: Request, token: str, csrf: str) -> None:
    """Set the session (HttpOnly) and CSRF (readable by the pages) cookies."""
    secure = secure_cookies(request)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure, path="/"
    )


def end_session(response: Any, request: Request) -> None:
    secure = secure_cookies(request)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, samesite="strict")


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name and name not in out:
            out[name] = value
    return out


class AuthGate:
    """ASGI middleware of the login mode: identify the caller, refuse everyone else.

    Sets ``scope["state"]["caller"]`` (a :class:`~.accounts.Caller`). Without an
    account, API requests get 401 and pages a redirect to ``/login``. A change made with
    the session cookie needs ``X-Plansearch-CSRF`` equal to the session's CSRF value,
    and a browser's ``Origin`` must be this server (a request from another site never
    carries the SameSite=Strict cookie anyway).
    """

    def __init__(self, app: Any, accounts: Accounts | None) -> None:
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.accounts is None:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        method = str(scope.get("method", "GET"))
        headers = dict(scope.get("headers") or [])
        caller = self._identify(headers)
        scope.setdefault("state", {})["caller"] = caller or LOCAL
        if any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        if caller is None:
            await self._refuse(scope, receive, send, path)
            return
        if method not in SAFE_METHODS and caller.via == "session" and path != "/logout":
            given = headers.get(CSRF_HEADER.lower().encode(), b"").decode("latin-1")
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            cross = origin and origin != "null" and origin.split("://", 1)[-1] != host
            if cross or not secrets.compare_digest(given.encode(), (caller.csrf or "").encode()):
                response = JSONResponse(
                    {
                        "error": "csrf",
                        "detail": "คำขอไม่ผ่านการตรวจ CSRF โหลดหน้าใหม่แล้วลองอีกครั้ง / the "
                        "request lacks this session's X-Plansearch-CSRF header (reload the "
                        "page and try again)",
                    },
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _identify(self, headers: dict[bytes, bytes]) -> Caller | None:
        assert self.accounts is not None
        auth = headers.get(b"authorization", b"").decode("latin-1")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        token = token or headers.get(TOKEN_HEADER.lower().encode(), b"").decode("latin-1")
        if token:
            return self.accounts.token(token)
        session = _cookies(headers).get(SESSION_COOKIE, "")
        return self.accounts.session(session) if session else None

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        response: Any
        if path.startswith("/api/"):
            response = JSONResponse(
                {
                    "error": "login_required",
                    "detail": "ต้องเข้าสู่ระบบ / log in first (scripts: send your API token "
                    "as 'Authorization: Bearer …')",
                },
                status_code=401,
            )
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        await response(scope, receive, send)


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this server only (never another site)."""
    t = target or "/plans"
    if not t.startswith("/") or t.startswith("//") or "\\" in t or "://" in t:
        return "/plans"
    return t
