"""Checks on what people upload: size, type, time, and names that never reach the disk.

The request body is limited before it is read (:class:`BodyLimit`, an ASGI
middleware that answers 413 as soon as the ``Content-Length`` or the bytes received
pass the limit, and 408 when the body trickles in slower than
:class:`ReadTimeouts` allow), then each file's kind is told from its *content* and an
allow-list of extensions. An uploaded file name is only ever shown (cleaned), never
used as a path.

Uploads are parsed in a worker process (:mod:`plansearch.isolation`, what the workers
run: :mod:`.parsing`), never in the server; :func:`until_disconnect` stops the worker
when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import InputError, ParseCancelledError

T = TypeVar("T")

#: Largest request body the server reads (a plan PDF is a few MB; 50 MB is generous).
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
PLAN_EXTENSIONS = frozenset({"", ".txt", ".text", ".md", ".pdf", ".docx"})
FRAMEWORK_EXTENSIONS = frozenset({".yaml", ".yml", ".json", ".csv", ".xlsx"})
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class UploadTooLargeError(InputError):
    """The request body is over the server's upload limit."""


class UploadTypeError(InputError):
    """The uploaded file is of a type this endpoint does not take."""


def display_name(name: str | None, fallback: str = "ข้อความที่วาง") -> str:
    """An uploaded file's name made safe to *show* (never used as a path).

    >>> display_name("../../etc/แผน<script>.docx")
    'แผน_script_.docx'
    """
    if not name:
        return fallback
    base = re.split(r"[/\\]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _NAME_BAD.sub("_", base).strip(" .")
    return base[:120] or fallback


def extension(name: str | None) -> str:
    """The lower-case extension of an uploaded name (``""`` when none)."""
    base = display_name(name, "")
    return ("." + base.rsplit(".", 1)[-1].lower()) if "." in base else ""


def check_plan_upload(name: str | None, data: bytes, max_bytes: int) -> None:
    """Reject a plan upload by size and type before it is parsed."""
    if len(data) > max_bytes:
        raise UploadTooLargeError(
            f"ไฟล์ใหญ่เกิน {max_bytes // (1024 * 1024)} MB / the file is over the "
            f"{max_bytes // (1024 * 1024)} MB upload limit"
        )
    ext = extension(name)
    if ext not in PLAN_EXTENSIONS:
        raise UploadTypeError(
            f"ไม่รองรับไฟล์ชนิด {ext} / unsupported file type {ext!r}: "
            "upload a .txt, .pdf or .docx plan, or paste the text"
        )


def check_framework_upload(name: str | None, data: bytes, max_bytes: int) -> str:
    """The extension of a framework upload (YAML, JSON, CSV or Excel), checked."""
    if len(data) > max_bytes:
        raise UploadTooLargeError(
            f"ไฟล์ใหญ่เกินกำหนด / the file is over the {max_bytes // (1024 * 1024)} MB limit"
        )
    if not data.strip():
        raise InputError("ไฟล์ว่างเปล่า / the framework file is empty")
    ext = extension(name)
    if ext == ".yml":
        ext = ".yaml"
    if ext not in FRAMEWORK_EXTENSIONS:
        raise UploadTypeError(
            f"ไม่รองรับไฟล์ชนิด {ext or '(ไม่มีนามสกุล)'} / unsupported framework file type "
            f"{ext!r}: use .yaml, .json, .csv or .xlsx (columns id, title, text, parent_id)"
        )
    if ext == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise UploadTypeError("ไฟล์นี้ไม่ใช่ Excel (.xlsx) / the file is not an .xlsx workbook")
    return ext


@dataclass(frozen=True)
class ReadTimeouts:
    """How slowly a request body may arrive before the request is dropped (408).

    ``idle``: seconds without a byte; past ``grace`` seconds, the body must have come at
    ``min_rate`` bytes/s on average (a 50 MB plan over a slow 1 Mbit/s office link
    comes at 125 KB/s; a trickling client at a few bytes per second).

    >>> ReadTimeouts().idle
    15.0
    """

    idle: float = 15.0
    grace: float = 30.0
    min_rate: float = 16 * 1024


class BodyLimit:
    """ASGI middleware: requests whose body passes ``max_bytes`` get 413, unread; bodies
    that arrive slower than ``timeouts`` allow get 408 and the connection is closed.

    A declared ``Content-Length`` over the limit is refused before any byte is read;
    otherwise the bytes are counted as they arrive and the request stops at the limit
    (nothing of it reaches a handler, so nothing is stored).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeouts: ReadTimeouts | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeouts = timeouts or ReadTimeouts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False
        overflowed = False
        timed_out = False
        body_done = False
        t0 = time.monotonic()
        limits = self.timeouts

        async def counting_receive() -> Message:
            nonlocal seen, overflowed, timed_out, body_done
            if body_done:
                return await receive()  # after the body: only a disconnect can come
            elapsed = time.monotonic() - t0
            # past the grace period the body must keep up the minimum average rate
            need = max(limits.grace, seen / limits.min_rate) - elapsed
            try:
                msg = await asyncio.wait_for(receive(), max(0.01, min(limits.idle, need)))
            except TimeoutError:
                timed_out = True
                raise _Overflow from None
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    overflowed = True
                    raise _Overflow
                body_done = not msg.get("more_body", False)
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if overflowed or timed_out:
                return  # the error response of an inner layer; ours follows
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not (overflowed or timed_out):
                raise
        # inner layers may turn the overflow into their own error response (dropped
        # above) or into an exception: either way the answer is one 413 (or 408)
        if overflowed and not started:
            await self._refuse(send)
        elif timed_out and not started:
            await _json_error(
                send,
                408,
                "request_timeout",
                "ส่งข้อมูลช้าเกินไป การเชื่อมต่อถูกปิด / the request body arrived too slowly; "
                "the connection was closed",
            )

    async def _refuse(self, send: Send) -> None:
        mb = self.max_bytes // (1024 * 1024)
        await _json_error(
            send,
            413,
            "upload_too_large",
            f"ไฟล์ใหญ่เกิน {mb} MB / the upload is over the {mb} MB limit",
        )


async def _json_error(send: Send, status: int, error: str, detail: str) -> None:
    """A JSON error response that closes the connection (its body was not all read)."""
    body = json.dumps({"error": error, "detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Overflow(Exception):
    """Raised inside ``receive`` when the body passes the limit or its time."""


async def until_disconnect(receive: Receive, work: Awaitable[T]) -> T:
    """Await ``work`` (a worker call) unless the client disconnects first: then the
    work is cancelled (its worker killed) and :class:`ParseCancelledError` raised.
    Call it after the request body was read (``receive`` then waits for a disconnect)."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return

    watcher = asyncio.ensure_future(watch())
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        watcher.cancel()
        raise
    if task in done:
        watcher.cancel()
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise ParseCancelledError("ผู้ส่งยกเลิกแล้ว / the client went away; the parse was stopped")
