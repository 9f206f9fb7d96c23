"""The workbench's HTTP server: uvicorn with timeouts and connection limits.

What a server on an office network needs besides the app's own limits (:mod:`.app`):

* **header timeout**: a connection must send a complete request head within
  :attr:`ServerLimits.header_timeout` seconds of connecting (or of its previous
  response); a client that trickles its headers is disconnected (uvicorn's own
  keep-alive timer stops at the first byte, so it alone lets a slow client stay);
* **body timeouts**: :class:`~.uploads.BodyLimit` (idle time and a minimum rate);
* **connections**: at most :attr:`ServerLimits.per_client` open connections per client
  address (more are closed at once; a trusted proxy's address is exempt: it carries
  everyone's), and :attr:`ServerLimits.concurrency` in all (uvicorn answers 503 past it);
* **keep-alive**: idle connections close after :attr:`ServerLimits.keep_alive` seconds;
* **proxy headers** (``X-Forwarded-For``/``-Proto``) are believed only from
  ``trusted_proxies``.

>>> limits = ServerLimits()
>>> limits.header_timeout
10.0
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


@dataclass(frozen=True)
class ServerLimits:
    """Timeouts and connection caps of the workbench server."""

    #: seconds a connection has to send a whole request head
    header_timeout: float = 10.0
    #: seconds an idle keep-alive connection stays open
    keep_alive: float = 5.0
    #: open connections (and running requests) in all, before uvicorn answers 503
    concurrency: int = 512
    #: open connections one client address may hold
    per_client: int = 64


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head timeout and a per-client connection cap
    (the limits come from ``config.plansearch_limits``)."""

    _guard_limits = ServerLimits()

    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits: ServerLimits = getattr(config, "plansearch_limits", self._guard_limits)
        self._head_timer: asyncio.TimerHandle | None = None
        self._counted: str | None = None

    def _per_client(self) -> Counter[str]:
        state: Any = self.server_state
        counts: Counter[str] | None = getattr(state, "plansearch_per_client", None)
        if counts is None:
            counts = Counter()
            state.plansearch_per_client = counts
        return counts

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        exempt: frozenset[str] = getattr(self.config, "plansearch_exempt", frozenset())
        if address is not None and address not in exempt:
            counts = self._per_client()
            if counts[address] >= self._limits.per_client:
                self.logger.warning("too many connections from %s: closed", address)
                transport.close()
                return
            counts[address] += 1
            self._counted = address
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted is not None:
            counts = self._per_client()
            counts[self._counted] -= 1
            if counts[self._counted] <= 0:
                del counts[self._counted]
            self._counted = None
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # a whole request head has come
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's head has the same time

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self._limits.header_timeout, self._head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info(
                "request head not complete in %.0f s: closed", self._limits.header_timeout
            )
            self.transport.close()


def make_config(
    app: Any,
    *,
    host: str,
    port: int,
    limits: ServerLimits | None = None,
    trusted_proxies: Sequence[str] = (),
    log_level: str = "warning",
) -> Any:
    """The uvicorn ``Config`` of the workbench (see the module docstring)."""
    import uvicorn

    lim = limits or ServerLimits()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=GuardedH11Protocol,
        ws="none",
        lifespan="on",
        timeout_keep_alive=int(max(1, lim.keep_alive)),
        limit_concurrency=lim.concurrency,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
        server_header=False,
    )
    config.plansearch_limits = lim  # type: ignore[attr-defined]
    # a reverse proxy carries everyone's connections: its own limits apply there
    config.plansearch_exempt = frozenset(trusted_proxies)  # type: ignore[attr-defined]
    return config


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``OSError`` names what is wrong: no such
    address here, port in use, not allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit (the usual 1,024 is
    too few for a server); returns the limit now in force."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if want > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return int(soft)
