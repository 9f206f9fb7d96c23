"""Who may change the workspace, and who did: the API token and the reviewer's name.

Reads are open; every request that changes state needs the ``X-Plansearch-Token``
header equal to the workspace's token. The pages read it from a ``<meta>`` tag
(same-origin only, so it is also the CSRF token); scripts read it from
``<workspace>/api-token``, made once and readable only by its owner. Who made a change
comes from the request (a JSON or form field ``who``, or the ``X-Plansearch-User``
header, URL-encoded UTF-8).

>>> # curl -H "X-Plansearch-Token: $(cat ws/api-token)" ... http://127.0.0.1:8000/api/...
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote

from fastapi import HTTPException, Request

TOKEN_HEADER = "X-Plansearch-Token"
USER_HEADER = "X-Plansearch-User"
TOKEN_FILE = "api-token"
MAX_WHO = 80
UNKNOWN_USER = "ไม่ระบุชื่อ"


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


def require_token(request: Request) -> None:
    """CSRF / script token: the header must equal the server's token, and a browser's
    ``Origin`` must be this server."""
    given = request.headers.get(TOKEN_HEADER, "")
    if not secrets.compare_digest(given.encode(), request.app.state.token.encode()):
        raise HTTPException(
            status_code=403,
            detail="ต้องมีโทเค็น X-Plansearch-Token / the X-Plansearch-Token header is missing "
            "or wrong (pages send it; scripts read it from <workspace>/api-token)",
        )
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise HTTPException(status_code=403, detail=f"cross-origin request from {origin!r}")


def who_of(request: Request, given: str | None = None) -> str:
    """The name of who made a change (``given``, else the user header), one line."""
    raw = given or unquote(request.headers.get(USER_HEADER, ""))
    name = " ".join(str(raw).split())[:MAX_WHO]
    return name or UNKNOWN_USER
