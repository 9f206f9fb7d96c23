"""What the parse worker processes run for the workbench (plain data in and out).

The server never parses an upload itself: :class:`~.workbench.Workbench` sends the
bytes to a worker (:class:`plansearch.isolation.ParseWorkers`, memory, CPU and time
limits) that runs one of these functions and returns JSON-able data, which the server
then stores. A hostile file can cost a worker (killed and replaced), never the server.

>>> out = read_plan_upload("ยุทธศาสตร์ที่ 1 การพัฒนา".encode(), name=None, max_bytes=1 << 20)
>>> out["plan"]["sections"][0]["kind"]
'strategy'
"""

from __future__ import annotations

from typing import Any

from .frameworks import read_upload
from .plans import read_plan_document
from .reimport import read_sheet
from .uploads import check_plan_upload, display_name, extension


def read_plan_upload(data: bytes, *, name: str | None, max_bytes: int) -> dict[str, Any]:
    """An uploaded plan (or pasted text, ``name=None``) checked, decoded and parsed →
    ``{"text": …, "plan": <plansearch.isolation.parse_plan_record>}``."""
    from ..isolation import parse_plan_record

    check_plan_upload(name, data, max_bytes)
    # each file type's own reader and message (a random .pdf is "not a readable PDF")
    doc = read_plan_document(data, display_name(name), extension(name), max_bytes)
    # the document, never the text: a pasted one-line path must not open a server file
    return {"text": doc.text, "plan": parse_plan_record(doc, max_bytes=max_bytes)}


def read_framework_upload(
    data: bytes, *, filename: str | None, name: str | None, level: str | None, max_bytes: int
) -> dict[str, Any]:
    """An uploaded framework file read and checked →
    ``{"reference": Reference.to_dict(), "format": ".yaml"}``."""
    ref, ext = read_upload(data, filename, name=name, level=level, max_upload=max_bytes)
    return {"reference": ref.to_dict(), "format": ext}


def read_decision_sheet(data: bytes) -> dict[str, list[list[str]]]:
    """The rows of an edited export's decisions sheet and of its snapshot, as text
    (see :mod:`.reimport`)."""
    return read_sheet(data)
