"""Local accounts of a shared workbench: passwords, sessions and per-user API tokens.

When the workbench is served to an office network (``plansearch serve --host …``, or
``--login``), every person logs in with an account of the workspace database:

* **passwords** are hashed with Argon2id (``argon2-cffi``, its recommended parameters);
  a login with an unknown name costs the same time as a wrong password;
* **sessions**: a login gets a random session id (the browser keeps it in an HttpOnly,
  SameSite=Strict cookie) and a CSRF value (a readable cookie the pages echo in a
  header); the database keeps only the id's SHA-256, for :data:`~.db.SESSION_HOURS`;
* **API tokens** for scripts, one or more per account, shown once when made and stored
  as their SHA-256 (a token is 32 random bytes: a fast hash is enough);
* an **admin** creates accounts; the first admin is made on the command line
  (``plansearch serve --create-admin NAME``).

>>> accounts = Accounts(Workspace(":memory:"))                       # doctest: +SKIP
>>> accounts.create_user("สมศรี", "รหัสผ่านยาวพอ123", admin=True, by="setup")  # doctest: +SKIP
>>> accounts.verify("สมศรี", "รหัสผ่านยาวพอ123")                        # doctest: +SKIP
'สมศรี'
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import InputError
from .db import SESSION_HOURS, NotFoundError, Workspace

#: Shortest password accepted (characters).
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_NAME = 80


@dataclass(frozen=True)
class Caller:
    """Who sent a request: an account (by session or API token), or the local user."""

    name: str | None
    admin: bool = False
    #: ``session``, ``token`` or ``local`` (the loopback workbench without login)
    via: str = "local"
    csrf: str | None = None


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - the web extra installs it
        raise InputError(
            "ต้องติดตั้ง argon2-cffi / accounts need argon2-cffi: pip install -e '.[web]'"
        ) from exc
    return PasswordHasher()


def check_name(name: str) -> str:
    """An account name: one line, 1–80 characters, no control characters."""
    clean = " ".join(str(name).split())
    if not clean or len(clean) > MAX_NAME or any(ord(ch) < 32 for ch in clean):
        raise InputError(f"ชื่อบัญชีไม่ถูกต้อง / an account name is 1–{MAX_NAME} characters on one line")
    return clean


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"รหัสผ่านต้องยาว {MIN_PASSWORD} ตัวอักษรขึ้นไป / a password needs at least "
            f"{MIN_PASSWORD} characters"
        )
    return password


class Accounts:
    """Accounts, sessions and API tokens of one workspace."""

    def __init__(self, db: Workspace) -> None:
        self.db = db
        self._ph = None
        self._dummy: str | None = None

    @property
    def hasher(self) -> Any:
        if self._ph is None:
            self._ph = _hasher()
        return self._ph

    # ------------------------------------------------------------------ users
    def has_users(self) -> bool:
        return bool(self.db.users())

    def users(self) -> list[dict[str, Any]]:
        return [{**u, "is_admin": bool(u["is_admin"])} for u in self.db.users()]

    def create_user(self, name: str, password: str, *, admin: bool = False, by: str) -> str:
        """Create an account (``InputError`` if the name is taken); returns its name."""
        name = check_name(name)
        check_password(password)
        if self.db.user(name) is not None:
            raise InputError(f"มีบัญชีชื่อนี้แล้ว / there is already an account {name!r}")
        self.db.add_user(name, self.hasher.hash(password), admin=admin, by=by)
        return name

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        if not self.db.set_password_hash(name, self.hasher.hash(password)):
            raise NotFoundError(f"ไม่พบบัญชี / no account {name!r}")

    def verify(self, name: str, password: str) -> str | None:
        """The account's name when ``password`` is right (and the account enabled)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        row = self.db.user(" ".join(str(name).split()))
        if row is None or row["disabled_at"] is not None:
            if self._dummy is None:
                self._dummy = self.hasher.hash(secrets.token_hex(16))
            try:  # the same work as a real check: no timing hint of which names exist
                self.hasher.verify(self._dummy, str(password))
            except (VerificationError, InvalidHashError):
                pass
            return None
        try:
            self.hasher.verify(row["password_hash"], str(password))
        except (VerificationError, InvalidHashError):
            return None
        if self.hasher.check_needs_rehash(row["password_hash"]):
            self.db.set_password_hash(row["name"], self.hasher.hash(str(password)))
        return str(row["name"])

    # --------------------------------------------------------------- sessions
    def open_session(self, user: str) -> tuple[str, str]:
        """A new session of ``user``: ``(session id, csrf value)`` (the id is not stored)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
        self.db.add_session(_sha(token), user, csrf, expires.isoformat(timespec="seconds"))
        return token, csrf

    def session(self, token: str) -> Caller | None:
        if not token or len(token) > 200:
            return None
        row = self.db.session(_sha(token))
        if row is None:
            return None
        return Caller(row["user"], bool(row["is_admin"]), "session", row["csrf"])

    def close_session(self, token: str) -> None:
        if token:
            self.db.drop_session(_sha(token))

    # ----------------------------------------------------------------- tokens
    def create_token(self, user: str, label: str) -> dict[str, Any]:
        """A new API token of ``user`` (the token itself is returned once, never stored)."""
        label = " ".join(str(label).split())[:80] or "script"
        token_id = f"t-{secrets.token_hex(6)}"
        token = f"pst_{secrets.token_urlsafe(32)}"
        self.db.add_token(token_id, user, label, _sha(token))
        return {"id": token_id, "label": label, "token": token}

    def token(self, token: str) -> Caller | None:
        if not token or len(token) > 200:
            return None
        row = self.db.token_user(_sha(token))
        if row is None:
            return None
        return Caller(row["user"], bool(row["is_admin"]), "token")

    def tokens(self, user: str) -> list[dict[str, Any]]:
        return self.db.tokens(user)

    def revoke_token(self, user: str, token_id: str) -> None:
        if not self.db.revoke_token(token_id, user):
            raise NotFoundError(f"ไม่พบโทเค็น / no active token {token_id!r} of {user!r}")
