"""Parse untrusted uploads in a worker process with memory, CPU and time limits.

A hostile or merely huge document must not take the server down with it.
:class:`ParseWorkers` keeps one or two warm worker processes (each a fresh interpreter
that inherits nothing but a socket; POSIX resource limits) and runs a named function
in one of them:

* **memory**: the worker's address space is capped (``RLIMIT_AS``); running out raises
  :class:`~plansearch.errors.ParseMemoryError`;
* **CPU**: each call may use :attr:`WorkerLimits.cpu_seconds` of CPU (``RLIMIT_CPU``
  re-armed per call); past it the kernel stops the worker:
  :class:`~plansearch.errors.ParseTimeoutError`;
* **wall time**: past :attr:`WorkerLimits.timeout` the worker is killed, same error;
* **cancel**: :meth:`IsolatedCall.cancel`, or cancelling the ``await`` of
  :meth:`ParseWorkers.run_async` (the client went away), kills the worker at once.

Only plain data crosses the process boundary, as JSON (no pickle of anything built
from the document): the function is named ``"module:function"``, takes the document's
bytes and JSON keyword arguments, and returns JSON-able data. A named plansearch error
raised in the worker is raised again in the caller with its message (the worker is
kept: it refused the input, it did not fail). A worker that failed in any other way is
discarded and replaced; a healthy one serves :attr:`ParseWorkers.max_tasks` calls.

>>> from plansearch.isolation import parse_plan_isolated
>>> plan = parse_plan_isolated("พันธกิจ\\n1. พัฒนาแหล่งน้ำ".encode())  # doctest: +SKIP
>>> plan.of("mission")[0].title                                          # doctest: +SKIP
'พัฒนาแหล่งน้ำ'
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import (
    ParseCancelledError,
    ParseMemoryError,
    ParseTimeoutError,
    ParseWorkerError,
    PlanSearchError,
)

if TYPE_CHECKING:
    from .parse.readers import ExtractedDocument

MiB = 1 << 20
#: Largest reply a worker may send (JSON bytes).
MAX_REPLY_BYTES = 512 * MiB
#: Modules a worker imports before its first call (the warm part of "warm").
PRELOAD = ("plansearch.parse", "plansearch.parse.readers.pdf", "docx")


@dataclass(frozen=True)
class WorkerLimits:
    """Limits of one worker (memory) and of one call in it (CPU, wall time).

    The defaults leave room for the largest document :mod:`plansearch.limits`
    lets through (3 million XML elements take about 1.5 GB in python-docx).

    >>> WorkerLimits().memory_mb
    3072
    """

    #: address-space limit of the worker process (MiB)
    memory_mb: int = 3072
    #: CPU seconds one call may use
    cpu_seconds: int = 120
    #: wall-clock seconds one call may take (sending the document included)
    timeout: float = 180.0


DEFAULT_WORKER_LIMITS = WorkerLimits()


def _name_of(fn: str | Any) -> str:
    if isinstance(fn, str):
        if ":" not in fn:
            raise ValueError(f"name the function as 'module:function', not {fn!r}")
        return fn
    module, qual = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<" in qual or "." in qual:
        raise ValueError(f"{fn!r} is not a module-level function a worker can import")
    return f"{module}:{qual}"


# ---------------------------------------------------------------------- worker side


def _child(fd: int) -> None:
    """The worker: limits, imports, then one JSON request after the other until EOF."""
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends
    conn = Connection(fd)
    try:
        init = json.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    sys.path[:] = init["sys_path"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU must not dump a core
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    memory = int(init["memory"])
    cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    for name in init["preload"]:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    while True:
        try:
            request = json.loads(conn.recv_bytes())
            payload = conn.recv_bytes() if request["payload"] else None
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (used + int(request["cpu"]), cpu_hard))
        conn.send_bytes(_serve(request, payload))


def _peak_kb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _serve(request: dict[str, Any], payload: bytes | None) -> bytes:
    try:
        module, _, name = request["fn"].partition(":")
        fn = getattr(importlib.import_module(module), name)
        args = () if payload is None else (payload,)
        result = fn(*args, **request["kwargs"])
        reply = {"ok": result, "peak_kb": _peak_kb()}
        return json.dumps(reply, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        return b'{"error": {"kind": "memory"}}'
    except PlanSearchError as exc:
        named = next(c for c in type(exc).__mro__ if c.__module__ == errors.__name__)
        out = {"kind": "error", "type": named.__name__, "message": str(exc)}
    except BaseException as exc:  # a bug or an unexpected failure: say which
        out = {"kind": "crash", "type": type(exc).__name__, "message": str(exc)[:2000]}
    try:
        reply = {"error": out, "peak_kb": _peak_kb()}
        return json.dumps(reply, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        return b'{"error": {"kind": "memory"}}'


# ---------------------------------------------------------------------- caller side


_LAUNCH = (
    "import sys; sys.path[:0] = sys.argv[2:]; "
    "from plansearch.isolation import _child; _child(int(sys.argv[1]))"
)


class _Worker:
    """One worker process (a fresh interpreter) and the parent's end of its socket."""

    def __init__(self, limits: WorkerLimits, preload: tuple[str, ...]) -> None:
        mine, theirs = socket.socketpair()
        # the folder that holds the package (this file is plansearch/isolation.py)
        home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, str(theirs.fileno()), home],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        except OSError as exc:
            mine.close()
            raise ParseWorkerError(
                f"เริ่มตัวอ่านเอกสารไม่ได้ / cannot start a parse worker ({exc})"
            ) from exc
        finally:
            theirs.close()
        self.conn = Connection(mine.detach())
        init = {"sys_path": sys.path, "memory": limits.memory_mb * MiB, "preload": preload}
        try:
            self.conn.send_bytes(json.dumps(init).encode("utf-8"))
        except OSError:
            pass  # it died at once: the first call reports it
        self.calls = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def exitcode(self) -> int | None:
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.exitcode()
        self.conn.close()

    def close(self) -> None:
        self.conn.close()  # the worker reads EOF and leaves
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()


class IsolatedCall:
    """One call of a function in a worker. :meth:`result` runs it (once) and waits;
    :meth:`cancel`, from any thread, stops it."""

    def __init__(
        self, pool: ParseWorkers, fn: str, payload: bytes | None, kwargs: dict[str, Any]
    ) -> None:
        self._pool = pool
        self._header = json.dumps(
            {
                "fn": fn,
                "kwargs": kwargs,
                "payload": payload is not None,
                "cpu": pool.limits.cpu_seconds,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        self._payload = payload
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._cancelled = False
        self._started = False
        #: the worker's peak resident memory so far (MB), once the call has replied
        self.peak_rss_mb: float | None = None

    @property
    def pid(self) -> int | None:
        """Process id of the worker running the call (``None`` before it has one)."""
        worker = self._worker
        return worker.process.pid if worker is not None else None

    def cancel(self) -> None:
        """Stop the call: its worker (if it has one yet) is killed."""
        with self._lock:
            self._cancelled = True
            worker = self._worker
        if worker is not None and worker.alive():
            worker.process.kill()

    def result(self) -> Any:
        """Run the call and return its (JSON) result; raise what the worker raised."""
        with self._lock:
            if self._started:
                raise RuntimeError("an IsolatedCall runs once")
            self._started = True
        pool = self._pool
        limits = pool.limits
        deadline = time.monotonic() + limits.timeout
        with pool._slots:
            with self._lock:
                if self._cancelled:
                    raise _cancelled()
                worker = self._worker = pool._take()
            try:
                reply = self._exchange(worker, deadline)
            except BaseException:
                pool._discard(worker)
                raise
        if isinstance(reply.get("peak_kb"), int):
            self.peak_rss_mb = reply["peak_kb"] / 1024
        if "ok" in reply:
            pool._give_back(worker)
            return reply["ok"]
        error = reply.get("error") or {}
        if error.get("kind") == "error":
            # a named refusal (a bomb, bad input): the worker itself is fine, and a new
            # interpreter per refused upload would make refusals expensive
            pool._give_back(worker)
        else:
            pool._discard(worker)
        raise _error_from(error, limits)

    def _exchange(self, worker: _Worker, deadline: float) -> dict[str, Any]:
        limits = self._pool.limits
        try:
            worker.conn.send_bytes(self._header)
            if self._payload is not None:
                worker.conn.send_bytes(self._payload)
            while not worker.conn.poll(max(0.0, min(deadline - time.monotonic(), 0.5))):
                if time.monotonic() >= deadline:
                    worker.kill()
                    raise ParseTimeoutError(
                        f"การอ่านเอกสารใช้เวลาเกิน {limits.timeout:.0f} วินาที / parsing took "
                        f"longer than {limits.timeout:.0f} s and was stopped; split the "
                        "document or raise the time limit"
                    )
            raw = worker.conn.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, OSError) as exc:
            raise self._died(worker.exitcode()) from exc
        try:
            reply = json.loads(raw)
        except ValueError as exc:
            raise ParseWorkerError(
                "ตัวอ่านเอกสารส่งผลลัพธ์ผิดรูปแบบ / the parse worker sent an unreadable reply"
            ) from exc
        if not isinstance(reply, dict):
            raise ParseWorkerError("the parse worker sent an unreadable reply")
        return reply

    def _died(self, exitcode: int | None) -> PlanSearchError:
        limits = self._pool.limits
        if self._cancelled:
            return _cancelled()
        if exitcode == -signal.SIGXCPU:
            return ParseTimeoutError(
                f"การอ่านเอกสารใช้เวลาประมวลผลเกิน {limits.cpu_seconds} วินาที / parsing used "
                f"more than {limits.cpu_seconds} s of CPU and was stopped; split the document"
            )
        if exitcode == -signal.SIGKILL:  # not by us: the kernel's out-of-memory killer
            return _memory_error(limits, "the system stopped the worker")
        return ParseWorkerError(
            f"ตัวอ่านเอกสารหยุดทำงาน / the parse worker stopped unexpectedly (exit code "
            f"{exitcode}); try again, and report it if it happens again"
        )


def _cancelled() -> ParseCancelledError:
    return ParseCancelledError("ยกเลิกการอ่านเอกสารแล้ว / the parse was cancelled")


def _memory_error(limits: WorkerLimits, detail: str = "") -> ParseMemoryError:
    extra = f" ({detail})" if detail else ""
    return ParseMemoryError(
        f"การอ่านเอกสารใช้หน่วยความจำเกิน {limits.memory_mb:,} MB / parsing needed more than "
        f"{limits.memory_mb:,} MB of memory and was stopped{extra}; split the document"
    )


def _error_from(error: dict[str, Any], limits: WorkerLimits) -> PlanSearchError:
    kind = error.get("kind")
    if kind == "memory":
        return _memory_error(limits)
    message = str(error.get("message", ""))
    if kind == "error":
        cls = getattr(errors, str(error.get("type")), None)
        if isinstance(cls, type) and issubclass(cls, PlanSearchError):
            return cls(message)
    return ParseWorkerError(
        f"ตัวอ่านเอกสารล้มเหลว / the parser failed ({error.get('type')}: {message})"
    )


class ParseWorkers:
    """A small pool of worker processes with limits (see the module docstring).

    Args:
        limits: memory of each worker, CPU and wall time of each call.
        warm: workers kept started and idle, so a call does not wait for a new
            interpreter (0 starts one per call). Measured on the 2-core dev machine with
            an 81 KB seed plan: 0.04–0.10 s per call in a warm worker, 0.27–0.44 s with a
            fresh one, 0.02–0.07 s in-process.
        max_workers: calls running at once; more wait for a free worker.
        max_tasks: calls one worker serves before it is replaced.
        preload: modules a worker imports when it starts.

    >>> with ParseWorkers(warm=0) as pool:                         # doctest: +SKIP
    ...     pool.run("plansearch.isolation:parse_plan_record", "พันธกิจ".encode())["org"]
    """

    def __init__(
        self,
        limits: WorkerLimits = DEFAULT_WORKER_LIMITS,
        *,
        warm: int = 1,
        max_workers: int = 2,
        max_tasks: int = 50,
        preload: tuple[str, ...] = PRELOAD,
    ) -> None:
        if max_workers < 1 or warm < 0 or warm > max_workers or max_tasks < 1:
            raise ValueError("need 0 <= warm <= max_workers, max_workers >= 1, max_tasks >= 1")
        self.limits = limits
        self.warm = warm
        self.max_workers = max_workers
        self.max_tasks = max_tasks
        self.preload = tuple(preload)
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._closed = False

    # ----------------------------------------------------------------- workers

    def _start(self) -> _Worker:
        return _Worker(self.limits, self.preload)

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise ParseWorkerError("the parse workers were closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    break
                worker.kill()
            else:
                worker = self._start()
        return worker

    def _give_back(self, worker: _Worker) -> None:
        worker.calls += 1
        with self._lock:
            keep = not self._closed and worker.calls < self.max_tasks
            keep = keep and len(self._idle) < self.warm
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.close()
        self._top_up()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._top_up()

    def _top_up(self) -> None:
        """Start workers until :attr:`warm` are idle (they load in the background)."""
        with self._lock:
            while not self._closed and len(self._idle) < self.warm:
                self._idle.append(self._start())

    def start(self) -> ParseWorkers:
        """Start the warm workers now (a server calls this at start-up)."""
        self._top_up()
        return self

    def close(self) -> None:
        """Stop every idle worker; running calls finish first, then their worker stops."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- calls

    def submit(self, fn: str | Any, payload: bytes | None = None, /, **kwargs: Any) -> IsolatedCall:
        """A call of ``fn(payload, **kwargs)`` in a worker; run it with ``.result()``."""
        json.dumps(kwargs)  # only plain data crosses the boundary: fail here, not there
        return IsolatedCall(self, _name_of(fn), payload, kwargs)

    def run(self, fn: str | Any, payload: bytes | None = None, /, **kwargs: Any) -> Any:
        """``fn(payload, **kwargs)`` in a worker, waited for; raises named errors."""
        return self.submit(fn, payload, **kwargs).result()

    async def run_async(self, fn: str | Any, payload: bytes | None = None, /, **kwargs: Any) -> Any:
        """:meth:`run` for an event loop: the loop never parses or blocks, and cancelling
        the awaiting task (a client that disconnected) kills the worker."""
        call = self.submit(fn, payload, **kwargs)
        try:
            return await asyncio.to_thread(call.result)
        except asyncio.CancelledError:
            call.cancel()
            raise


_DEFAULT: ParseWorkers | None = None
_DEFAULT_LOCK = threading.Lock()


def default_workers() -> ParseWorkers:
    """The process-wide :class:`ParseWorkers` (made on first use, closed at exit)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = ParseWorkers()
            atexit.register(_DEFAULT.close)
        return _DEFAULT


# ---------------------------------------------------------------------- plans


def parse_plan_record(data: bytes | ExtractedDocument, **options: Any) -> dict[str, Any]:
    """Runs in the worker: :func:`~plansearch.parse_plan` of ``data`` (bytes, or the
    document already extracted from them) as plain data."""
    from .parse.parser import parse_plan

    plan = parse_plan(data, **options)
    quality = dataclasses.asdict(plan.quality) if plan.quality is not None else None
    return {
        "org": plan.org,
        "province": plan.province,
        "source": plan.source,
        "sections": [s.to_dict() for s in plan.sections],
        "quality": quality,
    }


def plan_from_record(record: dict[str, Any]) -> Any:
    """The :class:`~plansearch.Plan` of a :func:`parse_plan_record` result."""
    from .parse.quality import ParseQuality
    from .sections import Plan, Section

    quality = record.get("quality")
    return Plan(
        org=record["org"],
        province=record["province"],
        source=record["source"],
        sections=tuple(Section.from_dict(s) for s in record["sections"]),
        quality=None if quality is None else ParseQuality.from_record(quality),
    )


def parse_plan_isolated(data: bytes, *, workers: ParseWorkers | None = None, **options: Any) -> Any:
    """:func:`~plansearch.parse_plan` of an upload's bytes, in a worker with limits.

    ``options`` are ``parse_plan``'s (``org``, ``province``, ``max_bytes``, ``ocr``).
    Raises what ``parse_plan`` raises, or
    :class:`~plansearch.errors.ParseMemoryError` / :class:`~plansearch.errors.ParseTimeoutError`.
    """
    pool = workers or default_workers()
    return plan_from_record(pool.run(parse_plan_record, bytes(data), **options))


async def parse_plan_isolated_async(
    data: bytes, *, workers: ParseWorkers | None = None, **options: Any
) -> Any:
    """:func:`parse_plan_isolated` for an event loop (cancelling it kills the worker)."""
    pool = workers or default_workers()
    return plan_from_record(await pool.run_async(parse_plan_record, bytes(data), **options))


__all__ = [
    "DEFAULT_WORKER_LIMITS",
    "IsolatedCall",
    "ParseWorkers",
    "WorkerLimits",
    "default_workers",
    "parse_plan_isolated",
    "parse_plan_isolated_async",
    "parse_plan_record",
    "plan_from_record",
]
