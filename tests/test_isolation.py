"""Parsing in a worker process: limits, timeouts, cancellation, and the same plans.

The hostile functions (allocate, spin, sleep, crash…) live in ``tests/bombs.py``; a
worker imports them by name, as it imports ``plansearch.isolation:parse_plan_record``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bombs
import pytest

from plansearch import parse_plan
from plansearch.errors import (
    EmptyDocumentError,
    ParseCancelledError,
    ParseMemoryError,
    ParseTimeoutError,
    ParseWorkerError,
    UnsafeDocumentError,
)
from plansearch.isolation import (
    ParseWorkers,
    WorkerLimits,
    parse_plan_isolated,
    parse_plan_isolated_async,
)

SEEDS = sorted(Path(__file__).resolve().parent.parent.joinpath("corpus", "raw").glob("*.txt"))


@pytest.fixture(scope="module")
def pool() -> Iterator[ParseWorkers]:
    with ParseWorkers(warm=1, max_workers=2).start() as p:
        yield p


def _gone(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie not yet reaped counts as gone
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().split(")")[-1].split()[0] == "Z"


@pytest.mark.parametrize("i", range(len(SEEDS)))
def test_round_trip_equals_in_process_parse(pool: ParseWorkers, i: int) -> None:
    data = SEEDS[i].read_bytes()
    mine, theirs = parse_plan_isolated(data, workers=pool), parse_plan(data)
    assert mine == theirs and mine.sections == theirs.sections
    assert mine.quality == theirs.quality


def test_round_trip_of_a_docx_with_options(pool: ParseWorkers) -> None:
    data = bombs.plain_docx(["วิสัยทัศน์", "“ชุมชนน่าอยู่”", "พันธกิจ", "1. พัฒนาแหล่งน้ำ"])
    got = parse_plan_isolated(data, workers=pool, org="อบต.ทดสอบ")
    assert got == parse_plan(data, org="อบต.ทดสอบ") and got.org == "อบต.ทดสอบ"


def test_named_errors_come_back_by_name(pool: ParseWorkers) -> None:
    with pytest.raises(EmptyDocumentError, match="ไฟล์ว่าง"):
        pool.run("bombs:fail", b"", message="ไฟล์ว่าง / empty")
    with pytest.raises(ParseWorkerError, match="KeyError"):
        pool.run(bombs.fail, b"", message="")
    with pytest.raises(UnsafeDocumentError):
        parse_plan_isolated(bombs.entity_docx(5), workers=pool)
    assert pool.run("bombs:pid", b"") > 0  # the pool still works


def test_a_bomb_costs_the_worker_little_memory() -> None:
    """A fresh worker parses a small plan, another one a DOCX bomb inflating to 300 MiB:
    the bomb's worker peaks less than 100 MB above the plain one's."""
    with ParseWorkers(warm=0) as fresh:
        plain = fresh.submit("plansearch.isolation:parse_plan_record", SEEDS[0].read_bytes())
        plain.result()
        bomb = fresh.submit(
            "plansearch.isolation:parse_plan_record", bombs.huge_text_docx(300 * bombs.MiB)
        )
        t = time.perf_counter()
        with pytest.raises(UnsafeDocumentError):
            bomb.result()
        assert time.perf_counter() - t < 5  # a fresh interpreter included
    assert plain.peak_rss_mb and bomb.peak_rss_mb
    assert bomb.peak_rss_mb - plain.peak_rss_mb < 100


def test_too_much_memory_is_refused_and_the_pool_recovers() -> None:
    with ParseWorkers(WorkerLimits(memory_mb=400), warm=1) as small:
        assert small.run("bombs:allocate", b"", mb=50) == 50 * bombs.MiB
        with pytest.raises(ParseMemoryError, match="400 MB"):
            small.run("bombs:allocate", b"", mb=2000)
        assert small.run("bombs:allocate", b"", mb=50) > 0


def test_an_endless_loop_is_stopped_by_the_cpu_limit() -> None:
    with ParseWorkers(WorkerLimits(cpu_seconds=1, timeout=60), warm=0) as strict:
        t = time.perf_counter()
        with pytest.raises(ParseTimeoutError, match="CPU"):
            strict.run("bombs:spin", b"")
        assert time.perf_counter() - t < 20  # ~2 s of CPU; the machine may be shared


def test_a_stuck_call_is_stopped_by_the_wall_clock() -> None:
    with ParseWorkers(WorkerLimits(timeout=1.0), warm=1).start() as strict:
        call = strict.submit("bombs:sleep", b"", seconds=60)
        t = time.perf_counter()
        with pytest.raises(ParseTimeoutError, match="1 s"):
            call.result()
        assert time.perf_counter() - t < 3
        assert _gone(call.pid)
        assert strict.run("bombs:sleep", b"", seconds=0.1) == 0.1


def test_cancel_kills_the_worker(pool: ParseWorkers) -> None:
    call = pool.submit("bombs:sleep", b"", seconds=60)
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            call.result()
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    deadline = time.monotonic() + 10
    while call.pid is None and time.monotonic() < deadline:
        time.sleep(0.01)
    call.cancel()
    waiter.join(5)
    assert not waiter.is_alive()
    assert isinstance(outcome[0], ParseCancelledError)
    assert _gone(call.pid)


def test_async_cancel_kills_the_worker_and_the_loop_never_blocks(pool: ParseWorkers) -> None:
    psutil = pytest.importorskip("psutil")

    async def scenario() -> tuple[float, set[int]]:
        gaps: list[float] = []

        async def ticker() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.02)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        before = {c.pid for c in psutil.Process().children()}
        job = asyncio.create_task(pool.run_async("bombs:sleep", b"", seconds=60))
        await asyncio.sleep(0.5)
        during = {c.pid for c in psutil.Process().children()}
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        plan = await parse_plan_isolated_async(SEEDS[0].read_bytes(), workers=pool)
        assert plan == parse_plan(SEEDS[0].read_bytes())
        tick.cancel()
        await asyncio.sleep(0.5)  # let the killed worker be reaped
        after = {c.pid for c in psutil.Process().children() if c.status() != "zombie"}
        return max(gaps), (before | during) - after

    worst_gap, gone = asyncio.run(scenario())
    assert gone  # the worker running the cancelled call no longer exists
    assert worst_gap < 0.5


def test_crash_and_bad_requests_are_named(pool: ParseWorkers) -> None:
    with pytest.raises(ParseWorkerError, match="stopped unexpectedly"):
        pool.run("bombs:crash", b"")
    with pytest.raises(TypeError):
        pool.submit("bombs:sleep", b"", seconds=object())
    with pytest.raises(ValueError, match="module-level"):
        pool.submit(lambda data: data)
    with pytest.raises(ParseWorkerError, match="not JSON serializable"):
        pool.run("bombs:echo_bytes", b"abc")
