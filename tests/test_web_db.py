"""The workspace database: migrations, decision history and undo, concurrency."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from plansearch.web.db import DB_NAME, MIGRATIONS, Workspace, WorkspaceError


def _plan(ws: Workspace, pid: str = "p-1") -> str:
    return ws.add_plan(
        name="แผน.txt",
        org="อบต.ทดสอบ",
        province="ลำปาง",
        source_sha="0" * 64,
        source_text="วิสัยทัศน์",
        sections=[],
        plan_id=pid,
    )


def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    assert ws.schema_version() == max(v for v, _ in MIGRATIONS)
    assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    _plan(ws)
    ws.close()
    again = Workspace(tmp_path)  # reopening keeps the data and applies nothing twice
    rows = again.conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
    assert rows == len(MIGRATIONS) and len(again.plans()) == 1
    again.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    Workspace(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as c:
        c.execute("INSERT INTO schema_migrations VALUES (999, 'x')")
    with pytest.raises(WorkspaceError, match="999"):
        Workspace(tmp_path)


def test_history_current_and_undo() -> None:
    ws = Workspace(":memory:")
    pid = _plan(ws)
    ws.add_decision(pid, "k-1", "national", "accept", "NS2", who="ก")
    ws.add_decision(pid, "k-1", "national", "change", "NS4", who="ข")
    ws.add_decision(pid, "k-1", "sdg", "reject", "SDG9", who="ก")
    cur = ws.current(pid)
    assert cur[("k-1", "national")].target_id == "NS4"
    assert cur[("k-1", "sdg")].action == "reject"
    u = ws.undo(pid, "k-1", "national", who="ค")
    assert u is not None and u.action == "undo"
    assert ws.current(pid)[("k-1", "national")].target_id == "NS2"
    ws.undo(pid, "k-1", "national", who="ค")
    assert ("k-1", "national") not in ws.current(pid)
    assert ws.undo(pid, "k-1", "national", who="ค") is None  # nothing left to undo
    assert [d.action for d in ws.history(pid)] == [
        "accept",
        "change",
        "reject",
        "undo",
        "undo",
    ]
    with pytest.raises(ValueError):
        ws.add_decision(pid, "k-1", "national", "approve", "NS1", who="ก")
    ws.close()


def test_parallel_writers_lose_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    pid = _plan(ws)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for j in range(10):
                ws.add_decision(pid, f"k-{i}", "national", "accept", f"NS{j % 6 + 1}", who=str(i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ws.history(pid)) == 200 and len(ws.current(pid)) == 20
    ws.close()


def test_import_is_applied_once() -> None:
    ws = Workspace(":memory:")
    pid = _plan(ws)
    iid = ws.add_import(pid, [{"section_key": "k", "framework": "sdg"}])
    assert ws.take_import(pid, iid) == [{"section_key": "k", "framework": "sdg"}]
    assert ws.take_import(pid, iid) is None
    assert ws.take_import("p-other", iid) is None
    ws.close()
