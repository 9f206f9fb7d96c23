"""Who did what, when: the workbench's append-only audit log.

Every change a person makes through the workbench is one row of the ``audit`` table of
the workspace database (:mod:`.db`): who (the login name, or the name a local user
typed), what (:data:`ACTIONS`), on which plan, framework or account, a few details, the
time and the client's address. The table refuses ``UPDATE`` and ``DELETE`` (SQLite
triggers), so a row, once written, stays as it was.

>>> log = AuditLog(Workspace(":memory:"))                          # doctest: +SKIP
>>> log.record("สมศรี", "plan.delete", "p-1", {"name": "แผนพัฒนา.docx"})  # doctest: +SKIP
>>> log.entries(target="p-1")[0]["action_th"]                        # doctest: +SKIP
'ลบแผน'
"""

from __future__ import annotations

from typing import Any

from .db import Workspace

#: Every action the log records, with its Thai name.
ACTIONS: dict[str, str] = {
    "plan.upload": "อัปโหลดแผน",
    "plan.replace": "อัปโหลดแผนฉบับแก้ไข",
    "plan.fix": "แก้ไขโครงสร้างแผน",
    "plan.delete": "ลบแผน",
    "plan.restore": "กู้คืนแผน",
    "plan.align": "สั่งเชื่อมโยงแผน",
    "decision": "ตัดสินความเชื่อมโยง",
    "import.diff": "อัปโหลดไฟล์ Excel ที่แก้ไข",
    "import.apply": "นำเข้าการตัดสินใจจาก Excel",
    "framework.upload": "อัปโหลดกรอบยุทธศาสตร์",
    "user.create": "สร้างบัญชีผู้ใช้",
    "user.password": "เปลี่ยนรหัสผ่าน",
    "token.create": "สร้างโทเค็น API",
    "token.revoke": "ยกเลิกโทเค็น API",
    "login": "เข้าสู่ระบบ",
    "login.failed": "เข้าสู่ระบบไม่สำเร็จ",
    "logout": "ออกจากระบบ",
}


class AuditLog:
    """The audit log of one workspace (append-only)."""

    def __init__(self, db: Workspace) -> None:
        self.db = db

    def record(
        self,
        who: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
        *,
        client: str | None = None,
    ) -> int:
        """Append one entry; returns its id. ``action`` must be one of :data:`ACTIONS`."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        return self.db.add_audit(who, action, target, dict(detail or {}), client)

    def entries(
        self, *, target: str | None = None, limit: int = 200, before: int | None = None
    ) -> list[dict[str, Any]]:
        """Entries newest first (of one plan, framework or account when ``target`` is
        given; ``before``: only entries with a smaller id, to page back)."""
        rows = self.db.audit(target=target, limit=max(1, min(limit, 1000)), before=before)
        for r in rows:
            r["action_th"] = ACTIONS.get(r["action"], r["action"])
        return rows
