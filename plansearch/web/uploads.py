"""Checks on what people upload: size, type, and names that never reach the filesystem.

The request body is limited before it is read (:class:`BodyLimit`, an ASGI
middleware that answers 413 as soon as the ``Content-Length`` or the bytes received
pass the limit), then each file's kind is told from its *content* and an allow-list
of extensions. An uploaded file name is only ever shown (cleaned), never used as a
path.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import InputError

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


class BodyLimit:
    """ASGI middleware: requests whose body passes ``max_bytes`` get 413, unread.

    A declared ``Content-Length`` over the limit is refused before any byte is read;
    otherwise the bytes are counted as they arrive and the request stops at the limit
    (nothing of it reaches a handler, so nothing is stored).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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

        async def counting_receive() -> Message:
            nonlocal seen, overflowed
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    overflowed = True
                    raise _Overflow
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if overflowed:
                return  # the error response of an inner layer; ours follows
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not overflowed:
                raise
        # inner layers may turn the overflow into their own error response (dropped
        # above) or into an exception: either way the answer is one 413
        if overflowed and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        mb = self.max_bytes // (1024 * 1024)
        body = json.dumps(
            {
                "error": "upload_too_large",
                "detail": f"ไฟล์ใหญ่เกิน {mb} MB / the upload is over the {mb} MB limit",
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _Overflow(Exception):
    """Raised inside ``receive`` when the body passes the limit."""
