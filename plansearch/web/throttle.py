"""Per-client rate limits on the workbench's heavy endpoints (uploads, alignments,
imports, exports, logins).

Each client (its account when logged in, else its address) has a token bucket per kind
of heavy request: ``burst`` requests at once, refilled at ``per_minute``. A request over
the limit gets 429 with ``Retry-After`` and a Thai/English message, before any of its
body is read. A few dozen lines of our own rather than a dependency: the buckets live in
this one process, as the workbench does.

>>> limits = RateLimits(upload=Rate(per_minute=20, burst=5))
>>> limits.upload.burst
5
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .auth import client_of


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``burst`` requests at once, ``per_minute`` sustained."""

    per_minute: float
    burst: int


@dataclass(frozen=True)
class RateLimits:
    """The limits of each kind of heavy request (per client)."""

    upload: Rate = field(default_factory=lambda: Rate(per_minute=20, burst=6))
    align: Rate = field(default_factory=lambda: Rate(per_minute=12, burst=4))
    imports: Rate = field(default_factory=lambda: Rate(per_minute=12, burst=4))
    export: Rate = field(default_factory=lambda: Rate(per_minute=30, burst=10))
    login: Rate = field(default_factory=lambda: Rate(per_minute=10, burst=5))


#: (method, path pattern, bucket): the heavy endpoints.
HEAVY: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/api/plans/?"), "upload"),
    ("PUT", re.compile(r"/api/plans/[^/]+/source"), "upload"),
    ("POST", re.compile(r"/api/frameworks/?"), "upload"),
    ("POST", re.compile(r"/api/plans/[^/]+/align"), "align"),
    ("POST", re.compile(r"/api/plans/[^/]+/import"), "imports"),
    ("POST", re.compile(r"/api/plans/[^/]+/import/[^/]+/apply"), "imports"),
    ("GET", re.compile(r"/api/plans/[^/]+/export\.[a-z]+"), "export"),
    ("POST", re.compile(r"/login"), "login"),
)
_THAI = {
    "upload": "อัปโหลด",
    "align": "สั่งเชื่อมโยง",
    "imports": "นำเข้า",
    "export": "ส่งออก",
    "login": "เข้าสู่ระบบ",
}
#: Buckets kept at most (the oldest are forgotten first).
MAX_BUCKETS = 10_000


class Throttle:
    """ASGI middleware: 429 for a client over its rate on a heavy endpoint."""

    def __init__(self, app: Any, limits: RateLimits | None) -> None:
        self.app = app
        self.limits = limits
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def bucket_of(self, method: str, path: str) -> str | None:
        for m, pattern, name in HEAVY:
            if m == method and pattern.fullmatch(path):
                return name
        return None

    def take(self, key: str, name: str, now: float | None = None) -> float:
        """Take one request from ``key``'s ``name`` bucket: 0, or seconds to wait."""
        assert self.limits is not None
        rate: Rate = getattr(self.limits, name)
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop((key, name), (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - last) * rate.per_minute / 60.0)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) * 60.0 / rate.per_minute
            self._buckets[(key, name)] = (tokens, now)
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.pop(next(iter(self._buckets)))
        return wait

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limits is None:
            await self.app(scope, receive, send)
            return
        name = self.bucket_of(str(scope.get("method")), str(scope.get("path")))
        if name is None:
            await self.app(scope, receive, send)
            return
        caller = scope.get("state", {}).get("caller")
        who = getattr(caller, "name", None)
        key = f"user:{who}" if who else f"ip:{client_of(scope)}"
        wait = self.take(key, name)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        body = json.dumps(
            {
                "error": "rate_limited",
                "detail": f"{_THAI[name]}ถี่เกินไป ลองใหม่ในอีก {seconds} วินาที / too many "
                f"{name} requests from this client: try again in {seconds} s",
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(seconds).encode()),
                    (b"connection", b"close"),  # its body, if any, is never read
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
