"""The workbench's workspace database (SQLite, WAL mode, versioned migrations).

One file, ``<workspace>/workbench.sqlite3``, holds the uploaded plans (source text and
parsed sections), the planner's own frameworks, alignment runs, decisions (an
append-only history: undo is one more row) and pending Excel re-imports. Every write
is one short ``BEGIN IMMEDIATE`` transaction on a per-thread connection, so many
requests can write at once without losing a row (SQLite serialises the writers; WAL
lets readers carry on).

>>> ws = Workspace(":memory:")                    # doctest: +SKIP
>>> ws.add_decision("p-1", "k-1", "national", "accept", "NS2", who="สมศรี")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import PlanSearchError

DB_NAME = "workbench.sqlite3"
ACTIONS: tuple[str, ...] = ("accept", "change", "reject")

#: (version, statements). Append only: never edit a released migration.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE plans (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            org TEXT,
            province TEXT,
            source_sha TEXT NOT NULL,
            source_text TEXT NOT NULL,
            sections_json TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE section_fixes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            section_key TEXT NOT NULL,
            kind TEXT,
            parent_key TEXT,
            who TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE frameworks (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            level TEXT NOT NULL,
            format TEXT NOT NULL,
            data_json TEXT NOT NULL,
            who TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            frameworks_json TEXT NOT NULL,
            embedder TEXT NOT NULL,
            seconds REAL NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            section_key TEXT NOT NULL,
            framework TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('accept', 'change', 'reject', 'undo')),
            target_id TEXT,
            undoes INTEGER REFERENCES decisions(id),
            who TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX decisions_cell ON decisions(plan_id, section_key, framework, id);
        CREATE TABLE imports (
            id TEXT PRIMARY KEY,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            changes_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            applied_at TEXT
        );
        """,
    ),
    (
        10,
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled_at TEXT
        );
        CREATE TABLE sessions (
            token_sha TEXT PRIMARY KEY,
            user TEXT NOT NULL REFERENCES users(name),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            user TEXT NOT NULL REFERENCES users(name),
            label TEXT NOT NULL,
            token_sha TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail_json TEXT NOT NULL,
            client TEXT
        );
        CREATE INDEX audit_target ON audit(target, id);
        CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        ALTER TABLE plans ADD COLUMN archived_at TEXT;
        ALTER TABLE plans ADD COLUMN archived_by TEXT;
        """,
    ),
    # 20-29: what the planner saw (issue 21). run_results: each run's frameworks, the
    # learning it used and its top suggestion per cell (coverage reads them, the review
    # marks what changed); plan_learning: whether a plan learns from other
    # organisations' decisions.
    (
        20,
        """
        CREATE TABLE run_results (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            examples INTEGER NOT NULL,
            examples_sha TEXT NOT NULL,
            learn_from_others INTEGER NOT NULL,
            frameworks_json TEXT NOT NULL,
            cells_json TEXT NOT NULL
        );
        CREATE INDEX run_results_plan ON run_results(plan_id, run_id);
        CREATE TABLE plan_learning (
            plan_id TEXT PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,
            from_others INTEGER NOT NULL,
            who TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    ),
)

#: A session cookie is valid this long after login (a working day and a half).
SESSION_HOURS = 36


class WorkspaceError(PlanSearchError):
    """The workspace database cannot be opened or is newer than this plansearch."""


class DamagedWorkspaceError(WorkspaceError):
    """The workspace database file is not a readable SQLite database."""


class NotFoundError(PlanSearchError, KeyError):
    """No plan, section, framework, import or job with that id in this workspace (404)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds (what every row records)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Decision:
    """One row of the decision history (``action`` ``undo`` cancels row ``undoes``)."""

    id: int
    plan_id: str
    section_key: str
    framework: str
    action: str
    target_id: str | None
    undoes: int | None
    who: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plan_id": self.plan_id,
            "section_key": self.section_key,
            "framework": self.framework,
            "action": self.action,
            "target_id": self.target_id,
            "undoes": self.undoes,
            "who": self.who,
            "at": self.at,
        }


class Workspace:
    """The SQLite database of one workspace folder (thread-safe)."""

    def __init__(self, folder: str | Path) -> None:
        self.memory = str(folder) == ":memory:"
        if self.memory:
            # a shared in-memory database, alive while this object holds a connection
            self.path = f"file:plansearch-{secrets.token_hex(8)}?mode=memory&cache=shared"
        else:
            root = Path(folder)
            root.mkdir(parents=True, exist_ok=True)
            self.path = str(root / DB_NAME)
        self._local = threading.local()
        try:
            self._keep = self._connect()  # keeps an in-memory database alive
            if not self.memory:
                check = self._keep.execute("PRAGMA quick_check").fetchone()
                if check is None or check[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else '?'}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise DamagedWorkspaceError(
                f"ฐานข้อมูลของพื้นที่ทำงานเสียหาย / the workspace database {self.path} is "
                f"damaged ({exc}); start with another --workspace, or run `plansearch serve "
                f"--workspace {Path(self.path).parent} --repair` to keep what can be read "
                "(the damaged file is kept beside it)"
            ) from exc

    # ------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=30.0,
                isolation_level=None,
                check_same_thread=False,
                uri=self.memory,
            )
        except sqlite3.Error as exc:
            raise WorkspaceError(
                f"เปิดฐานข้อมูลไม่ได้ / cannot open the workspace database {self.path}: {exc}"
            ) from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not self.memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._connect()
            self._local.conn = c
        return c

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: writers queue, none is lost)."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def _migrate(self) -> None:
        with self.write() as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in c.execute("SELECT version FROM schema_migrations")}
            newest = max(v for v, _ in MIGRATIONS)
            if done and max(done) > newest:
                raise WorkspaceError(
                    f"ฐานข้อมูลนี้มาจาก plansearch รุ่นใหม่กว่า / the workspace database has "
                    f"schema version {max(done)}; this plansearch knows up to {newest}. "
                    "Upgrade plansearch."
                )
            for version, script in MIGRATIONS:
                if version in done:
                    continue
                for statement in _statements(script):
                    c.execute(statement)
                c.execute(
                    "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
                    (version, now_iso()),
                )

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # ------------------------------------------------------------------ plans
    def add_plan(
        self,
        *,
        name: str,
        org: str | None,
        province: str | None,
        source_sha: str,
        source_text: str,
        sections: list[dict[str, Any]],
        plan_id: str | None = None,
    ) -> str:
        pid = plan_id or f"p-{secrets.token_hex(6)}"
        t = now_iso()
        with self.write() as c:
            c.execute(
                "INSERT INTO plans(id, name, org, province, source_sha, source_text, "
                "sections_json, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    pid,
                    name,
                    org,
                    province,
                    source_sha,
                    source_text,
                    json.dumps(sections, ensure_ascii=False),
                    t,
                    t,
                ),
            )
        return pid

    def replace_plan_source(
        self,
        plan_id: str,
        *,
        source_sha: str,
        source_text: str,
        sections: list[dict[str, Any]],
        org: str | None,
        province: str | None,
    ) -> int:
        """A re-upload of the same plan: new text and sections, revision + 1."""
        with self.write() as c:
            cur = c.execute(
                "UPDATE plans SET source_sha=?, source_text=?, sections_json=?, org=?, "
                "province=?, revision=revision+1, updated_at=? WHERE id=?",
                (
                    source_sha,
                    source_text,
                    json.dumps(sections, ensure_ascii=False),
                    org,
                    province,
                    now_iso(),
                    plan_id,
                ),
            )
            if cur.rowcount != 1:
                raise KeyError(plan_id)
            row = c.execute("SELECT revision FROM plans WHERE id=?", (plan_id,)).fetchone()
        return int(row[0])

    def set_sections(self, plan_id: str, sections: list[dict[str, Any]]) -> None:
        with self.write() as c:
            c.execute(
                "UPDATE plans SET sections_json=?, updated_at=? WHERE id=?",
                (json.dumps(sections, ensure_ascii=False), now_iso(), plan_id),
            )

    def plan(self, plan_id: str) -> dict[str, Any] | None:
        """A plan's row (``None``: no such plan, or archived)."""
        row = self.conn.execute("SELECT * FROM plans WHERE id=?", (plan_id,)).fetchone()
        if row is None or row["archived_at"] is not None:
            return None
        d = dict(row)
        d["sections"] = json.loads(d.pop("sections_json"))
        return d

    def plans(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, name, org, province, revision, created_at, updated_at, "
            "json_array_length(sections_json) AS n_sections FROM plans "
            "WHERE archived_at IS NULL ORDER BY created_at, id"
        ).fetchall()
        return [dict(r) for r in rows]

    def archived_plans(self) -> list[dict[str, Any]]:
        """Plans deleted (archived) from the workspace, newest first, with who and when."""
        rows = self.conn.execute(
            "SELECT id, name, org, province, revision, created_at, updated_at, archived_at, "
            "archived_by, json_array_length(sections_json) AS n_sections FROM plans "
            "WHERE archived_at IS NOT NULL ORDER BY archived_at DESC, id"
        ).fetchall()
        return [dict(r) for r in rows]

    def archive_plan(self, plan_id: str, *, who: str) -> bool:
        """Delete a plan softly: it leaves every listing, its rows and decisions stay."""
        with self.write() as c:
            cur = c.execute(
                "UPDATE plans SET archived_at=?, archived_by=? WHERE id=? AND archived_at IS NULL",
                (now_iso(), who, plan_id),
            )
            return cur.rowcount == 1

    def restore_plan(self, plan_id: str) -> bool:
        """Bring an archived plan back (``False``: no such archived plan)."""
        with self.write() as c:
            cur = c.execute(
                "UPDATE plans SET archived_at=NULL, archived_by=NULL "
                "WHERE id=? AND archived_at IS NOT NULL",
                (plan_id,),
            )
            return cur.rowcount == 1

    # ------------------------------------------------------------ section fixes
    def add_fixes(
        self, plan_id: str, fixes: list[tuple[str, str | None, str | None]], *, who: str
    ) -> None:
        """Record several fixes ``(section key, kind, parent key)`` in one transaction."""
        at = now_iso()
        with self.write() as c:
            c.executemany(
                "INSERT INTO section_fixes(plan_id, section_key, kind, parent_key, who, at) "
                "VALUES (?,?,?,?,?,?)",
                [(plan_id, key, kind, parent, who, at) for key, kind, parent in fixes],
            )

    def fixes(self, plan_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM section_fixes WHERE plan_id=? ORDER BY id", (plan_id,)
        ).fetchall()
        return [dict(r) for r in rows]

    # ------------------------------------------------------------- frameworks
    def add_framework(
        self, name: str, *, title: str, level: str, fmt: str, data: dict[str, Any], who: str
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT OR REPLACE INTO frameworks(name, title, level, format, data_json, who, "
                "created_at) VALUES (?,?,?,?,?,?,?)",
                (name, title, level, fmt, json.dumps(data, ensure_ascii=False), who, now_iso()),
            )

    def framework(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM frameworks WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["data"] = json.loads(d.pop("data_json"))
        return d

    def frameworks(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT name, title, level, format, who, created_at FROM frameworks ORDER BY name"
        ).fetchall()
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------- runs
    def add_run(
        self, plan_id: str, revision: int, frameworks: list[str], embedder: str, seconds: float
    ) -> int:
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO runs(plan_id, revision, frameworks_json, embedder, seconds, "
                "created_at) VALUES (?,?,?,?,?,?)",
                (plan_id, revision, json.dumps(frameworks), embedder, seconds, now_iso()),
            )
            return int(cur.lastrowid or 0)

    def runs(self, plan_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE plan_id=? ORDER BY id", (plan_id,)
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["frameworks"] = json.loads(d.pop("frameworks_json"))
            out.append(d)
        return out

    # -------------------------------------------------------------- decisions
    def add_decision(
        self,
        plan_id: str,
        section_key: str,
        framework: str,
        action: str,
        target_id: str | None,
        *,
        who: str,
    ) -> Decision:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        t = now_iso()
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO decisions(plan_id, section_key, framework, action, target_id, "
                "who, at) VALUES (?,?,?,?,?,?,?)",
                (plan_id, section_key, framework, action, target_id, who, t),
            )
            rid = int(cur.lastrowid or 0)
        return Decision(rid, plan_id, section_key, framework, action, target_id, None, who, t)

    def undo(self, plan_id: str, section_key: str, framework: str, *, who: str) -> Decision | None:
        """Cancel the newest standing decision of one cell; ``None`` if nothing to undo."""
        with self.write() as c:
            rows = c.execute(
                "SELECT * FROM decisions WHERE plan_id=? AND section_key=? AND framework=? "
                "ORDER BY id",
                (plan_id, section_key, framework),
            ).fetchall()
            standing = _standing([_row(r) for r in rows])
            if not standing:
                return None
            last = standing[-1]
            t = now_iso()
            cur = c.execute(
                "INSERT INTO decisions(plan_id, section_key, framework, action, target_id, "
                "undoes, who, at) VALUES (?,?,?,?,?,?,?,?)",
                (plan_id, section_key, framework, "undo", None, last.id, who, t),
            )
            rid = int(cur.lastrowid or 0)
        return Decision(rid, plan_id, section_key, framework, "undo", None, last.id, who, t)

    def history(self, plan_id: str) -> list[Decision]:
        rows = self.conn.execute(
            "SELECT * FROM decisions WHERE plan_id=? ORDER BY id", (plan_id,)
        ).fetchall()
        return [_row(r) for r in rows]

    def all_decisions(self) -> list[Decision]:
        rows = self.conn.execute("SELECT * FROM decisions ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def current(self, plan_id: str) -> dict[tuple[str, str], Decision]:
        """The standing decision of every decided cell ``(section_key, framework)``."""
        cells: dict[tuple[str, str], list[Decision]] = {}
        for d in self.history(plan_id):
            cells.setdefault((d.section_key, d.framework), []).append(d)
        out = {}
        for cell, rows in cells.items():
            standing = _standing(rows)
            if standing:
                out[cell] = standing[-1]
        return out

    # ---------------------------------------------------------------- imports
    def add_import(self, plan_id: str, changes: list[dict[str, Any]]) -> str:
        iid = f"i-{secrets.token_hex(6)}"
        with self.write() as c:
            c.execute(
                "INSERT INTO imports(id, plan_id, changes_json, created_at) VALUES (?,?,?,?)",
                (iid, plan_id, json.dumps(changes, ensure_ascii=False), now_iso()),
            )
        return iid

    def take_import(self, plan_id: str, import_id: str) -> list[dict[str, Any]] | None:
        """The changes of a pending import, marked applied (``None``: unknown or used)."""
        with self.write() as c:
            row = c.execute(
                "SELECT changes_json FROM imports WHERE id=? AND plan_id=? AND applied_at IS NULL",
                (import_id, plan_id),
            ).fetchone()
            if row is None:
                return None
            c.execute("UPDATE imports SET applied_at=? WHERE id=?", (now_iso(), import_id))
        return list(json.loads(row[0]))

    # ------------------------------------------------------------- accounts
    def add_user(self, name: str, password_hash: str, *, admin: bool, by: str) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO users(name, password_hash, is_admin, created_by, created_at) "
                "VALUES (?,?,?,?,?)",
                (name, password_hash, int(admin), by, now_iso()),
            )

    def user(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM users WHERE name=?", (name,)).fetchone()
        return None if row is None else dict(row)

    def users(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT name, is_admin, created_by, created_at, disabled_at FROM users ORDER BY name"
        ).fetchall()
        return [dict(r) for r in rows]

    def set_password_hash(self, name: str, password_hash: str) -> bool:
        with self.write() as c:
            cur = c.execute("UPDATE users SET password_hash=? WHERE name=?", (password_hash, name))
            return cur.rowcount == 1

    def add_session(self, token_sha: str, user: str, csrf: str, expires_at: str) -> None:
        with self.write() as c:
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(),))
            c.execute(
                "INSERT INTO sessions(token_sha, user, csrf, created_at, expires_at) "
                "VALUES (?,?,?,?,?)",
                (token_sha, user, csrf, now_iso(), expires_at),
            )

    def session(self, token_sha: str) -> dict[str, Any] | None:
        """A live session (not expired, its user enabled) with the user's row."""
        row = self.conn.execute(
            "SELECT s.user, s.csrf, s.expires_at, u.is_admin FROM sessions s "
            "JOIN users u ON u.name = s.user "
            "WHERE s.token_sha=? AND s.expires_at > ? AND u.disabled_at IS NULL",
            (token_sha, now_iso()),
        ).fetchone()
        return None if row is None else dict(row)

    def drop_session(self, token_sha: str) -> None:
        with self.write() as c:
            c.execute("DELETE FROM sessions WHERE token_sha=?", (token_sha,))

    def add_token(self, token_id: str, user: str, label: str, token_sha: str) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO api_tokens(id, user, label, token_sha, created_at) VALUES (?,?,?,?,?)",
                (token_id, user, label, token_sha, now_iso()),
            )

    def token_user(self, token_sha: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT t.id, t.user, u.is_admin FROM api_tokens t JOIN users u ON u.name = t.user "
            "WHERE t.token_sha=? AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
            (token_sha,),
        ).fetchone()
        return None if row is None else dict(row)

    def tokens(self, user: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, label, created_at, revoked_at FROM api_tokens WHERE user=? ORDER BY "
            "created_at, id",
            (user,),
        ).fetchall()
        return [dict(r) for r in rows]

    def revoke_token(self, token_id: str, user: str) -> bool:
        with self.write() as c:
            cur = c.execute(
                "UPDATE api_tokens SET revoked_at=? WHERE id=? AND user=? AND revoked_at IS NULL",
                (now_iso(), token_id, user),
            )
            return cur.rowcount == 1

    # ------------------------------------------------------------------ audit
    def add_audit(
        self,
        who: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        client: str | None,
    ) -> int:
        with self.write() as c:
            cur = c.execute(
                "INSERT INTO audit(at, who, action, target, detail_json, client) "
                "VALUES (?,?,?,?,?,?)",
                (now_iso(), who, action, target, json.dumps(detail, ensure_ascii=False), client),
            )
            return int(cur.lastrowid or 0)

    def audit(
        self, *, target: str | None = None, limit: int = 200, before: int | None = None
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first (of one ``target`` when given)."""
        sql = "SELECT * FROM audit WHERE 1=1"
        args: list[Any] = []
        if target is not None:
            sql += " AND target=?"
            args.append(target)
        if before is not None:
            sql += " AND id<?"
            args.append(before)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        out = []
        for r in self.conn.execute(sql, args).fetchall():
            d = dict(r)
            d["detail"] = json.loads(d.pop("detail_json"))
            out.append(d)
        return out

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
        self._keep.close()


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration (a trigger's ``BEGIN … END`` kept whole)."""
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n;"):
        out.append(buf.strip())
    return out


def repair(folder: str | Path) -> dict[str, Any]:
    """Salvage a damaged workspace database: what SQLite can still read is copied into a
    new ``workbench.sqlite3``; the damaged file is kept as
    ``workbench.sqlite3.damaged-<time>``. Returns what was kept (rows per table) and
    what could not be read.

    >>> repair("workspace")["kept"]["decisions"]   # doctest: +SKIP
    1843
    """
    root = Path(folder)
    path = root / DB_NAME
    if not path.exists():
        raise WorkspaceError(f"ไม่พบฐานข้อมูล / no workspace database at {path}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    damaged = path.with_name(f"{DB_NAME}.damaged-{stamp}")
    path.rename(damaged)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(DB_NAME + suffix)
        if side.exists():
            side.rename(damaged.with_name(damaged.name + suffix))
    fresh = Workspace(root)  # the current schema, empty
    kept: dict[str, int] = {}
    lost: dict[str, str] = {}
    try:
        old = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
        try:
            tables = [
                r[0]
                for r in old.execute("SELECT name FROM sqlite_master WHERE type='table'")
                if r[0] not in ("schema_migrations", "sqlite_sequence")
            ]
        except sqlite3.DatabaseError as exc:
            tables, lost["*"] = [], str(exc)
        fresh.conn.execute("PRAGMA foreign_keys = OFF")  # rows come in table order
        with fresh.write() as c:
            for table in tables:
                ours = [r[1] for r in c.execute(f'PRAGMA table_info("{table}")')]
                if not ours:
                    continue
                n = 0
                try:
                    cur = old.execute(f'SELECT * FROM "{table}"')
                    names = [d[0] for d in cur.description]
                    cols = [x for x in names if x in ours]
                    marks = ",".join("?" for _ in cols)
                    for row in cur:
                        values = dict(zip(names, row, strict=True))
                        c.execute(
                            f'INSERT OR IGNORE INTO "{table}"({",".join(cols)}) VALUES ({marks})',
                            [values[x] for x in cols],
                        )
                        n += 1
                except sqlite3.DatabaseError as exc:
                    lost[table] = str(exc)
                kept[table] = n
        old.close()
    finally:
        fresh.close()
    return {"damaged_copy": str(damaged), "kept": kept, "unreadable": lost}


def _row(r: sqlite3.Row) -> Decision:
    return Decision(
        int(r["id"]),
        r["plan_id"],
        r["section_key"],
        r["framework"],
        r["action"],
        r["target_id"],
        r["undoes"],
        r["who"],
        r["at"],
    )


def _standing(rows: list[Decision]) -> list[Decision]:
    """Decisions of one cell that no later ``undo`` cancelled, oldest first."""
    undone = {d.undoes for d in rows if d.action == "undo"}
    return [d for d in rows if d.action != "undo" and d.id not in undone]
