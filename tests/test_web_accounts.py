"""A shared workbench (issue 23, item 3): login, sessions, CSRF, API tokens, the Host
allow-list, the audit log and soft deletes.

Everything runs through the app (TestClient) in login mode, as ``plansearch serve
--host 0.0.0.0`` builds it; the hashing embedder keeps it fast.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
from fastapi.testclient import TestClient

from plansearch.web.accounts import Accounts
from plansearch.web.app import create_app
from plansearch.web.auth import CSRF_COOKIE, SESSION_COOKIE
from plansearch.web.throttle import Rate, RateLimits

SEED = Path(__file__).parent.parent / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"
ADMIN, ADMIN_PW = "ผู้ดูแล สมชาย", "รหัสผ่านของผู้ดูแล-2569"
USER, USER_PW = "สมศรี ใจดี", "รหัสผ่านสมศรี-ยาวพอ"
HOST = "plans.office.local"
PLAN = (
    "วิสัยทัศน์\nชุมชนน่าอยู่\nยุทธศาสตร์ที่ 1 การพัฒนาด้านโครงสร้างพื้นฐาน\n"
    "แนวทางการพัฒนา\n1.1 ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน\n"
    "1.2 ส่งเสริมการเลี้ยงผึ้งชันโรงเพื่อผลิตน้ำผึ้งชุมชน\n"
)


def plan_text(tag: object) -> str:
    """:data:`PLAN` as another document (the same document twice is refused: 409)."""
    return f"{PLAN}หมายเหตุ ฉบับ {tag}\n"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ws = tmp_path_factory.mktemp("shared")
    app = create_app(
        ws,
        embedder="hashing",
        allowed_hosts={HOST, "127.0.0.1", "localhost"},
        login=True,
        behind_tls=True,
        rate_limits=RateLimits(upload=Rate(600, 100), login=Rate(600, 100)),
    )
    accounts: Accounts = app.state.workbench.accounts
    accounts.create_user(ADMIN, ADMIN_PW, admin=True, by="test")
    yield app
    app.state.workbench.close()


def _client(app: Any) -> TestClient:
    return TestClient(app, base_url=f"https://{HOST}", follow_redirects=False)


def _login(app: Any, name: str, password: str) -> TestClient:
    c = _client(app)
    r = c.post("/login", data={"name": name, "password": password, "next": "/plans"})
    assert r.status_code == 303 and r.headers["location"] == "/plans", r.text
    return c


def _csrf(c: TestClient) -> dict[str, str]:
    return {"X-Plansearch-CSRF": c.cookies.get(CSRF_COOKIE) or ""}


@pytest.fixture(scope="module")
def admin(app: Any) -> TestClient:
    return _login(app, ADMIN, ADMIN_PW)


@pytest.fixture(scope="module")
def user(app: Any, admin: TestClient) -> TestClient:
    r = admin.post("/api/users", json={"name": USER, "password": USER_PW}, headers=_csrf(admin))
    assert r.status_code == 201, r.text
    return _login(app, USER, USER_PW)


def test_login_is_required_for_everything_but_login_and_health(app: Any) -> None:
    c = _client(app)
    assert c.get("/api/health").status_code == 200
    assert c.get("/static/app.js").status_code == 200
    for url in ("/api/plans", "/api/search?q=ถนน", "/api/coverage", "/api/audit"):
        r = c.get(url)
        assert r.status_code == 401 and "log in" in r.json()["detail"], url
    r = c.get("/plans/p-1/review")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fplans")
    assert c.post("/api/plans", data={"text": PLAN}).status_code == 401
    page = c.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text


def test_wrong_password_and_unknown_names_are_refused_alike(app: Any) -> None:
    c = _client(app)
    for name, pw in ((ADMIN, "ผิด" * 5), ("ไม่มีชื่อนี้", ADMIN_PW)):
        r = c.post("/login", data={"name": name, "password": pw})
        assert r.status_code == 401 and "wrong name or password" in r.text
        assert SESSION_COOKIE not in r.cookies


def test_session_cookies_are_httponly_samesite_and_secure_behind_tls(app: Any) -> None:
    r = _client(app).post("/login", data={"name": ADMIN, "password": ADMIN_PW})
    cookies = r.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith(SESSION_COOKIE + "="))
    csrf = next(h for h in cookies if h.startswith(CSRF_COOKIE + "="))
    low = session.lower()
    assert "httponly" in low and "samesite=strict" in low and "secure" in low
    assert "httponly" not in csrf.lower() and "samesite=strict" in csrf.lower()


def test_pages_hold_no_token_and_show_the_login_name(admin: TestClient, app: Any) -> None:
    r = admin.get("/plans")
    assert r.status_code == 200
    assert "plansearch-token" not in r.text and app.state.token not in r.text
    assert f'data-user="{ADMIN}"' in r.text and "/logout" in r.text


def test_changes_need_the_csrf_header_and_the_name_comes_from_the_login(
    user: TestClient, app: Any
) -> None:
    assert user.post("/api/plans", data={"text": PLAN}).status_code == 403  # no CSRF
    r = user.post(
        "/api/plans",
        data={"text": PLAN, "who": "คนอื่น"},
        headers={**_csrf(user), "Origin": "https://evil.example"},
    )
    assert r.status_code == 403  # another site
    r = user.post("/api/plans", data={"text": PLAN, "who": "คนอื่น"}, headers=_csrf(user))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    entry = user.get("/api/audit", params={"target": pid}).json()["entries"][0]
    assert entry["who"] == USER and entry["action"] == "plan.upload"  # not "คนอื่น"


def test_the_workspace_token_is_not_accepted_when_login_is_on(app: Any) -> None:
    c = _client(app)
    r = c.post("/api/plans", data={"text": PLAN}, headers={"X-Plansearch-Token": app.state.token})
    assert r.status_code == 401


def test_scripts_use_per_user_tokens_stored_hashed(user: TestClient, app: Any) -> None:
    made = user.post("/api/tokens", json={"label": "nightly export"}, headers=_csrf(user))
    assert made.status_code == 201
    token = made.json()["token"]
    script = _client(app)
    bearer = {"Authorization": f"Bearer {token}"}
    r = script.post("/api/plans", data={"text": plan_text("script")}, headers=bearer)
    assert r.status_code == 201, r.text  # no CSRF needed: not an ambient credential
    assert script.get("/api/me", headers=bearer).json()["name"] == USER
    db = sqlite3.connect(app.state.workbench.db.path)
    stored = [row[0] for row in db.execute("SELECT token_sha FROM api_tokens")]
    db.close()
    assert token not in stored and all(len(s) == 64 for s in stored)
    tid = made.json()["id"]
    assert user.delete(f"/api/tokens/{tid}", headers=_csrf(user)).status_code == 200
    assert script.get("/api/plans", headers=bearer).status_code == 401


def test_only_an_admin_creates_accounts(user: TestClient, admin: TestClient) -> None:
    r = user.post("/api/users", json={"name": "x", "password": "y" * 12}, headers=_csrf(user))
    assert r.status_code == 403
    r = admin.post("/api/users", json={"name": "สั้น", "password": "short"}, headers=_csrf(admin))
    assert r.status_code == 422 and "10" in r.json()["detail"]
    names = {u["name"] for u in admin.get("/api/users").json()}
    assert {ADMIN, USER} <= names
    audit = admin.get("/api/audit", params={"target": USER}).json()["entries"]
    assert any(e["action"] == "user.create" and e["who"] == ADMIN for e in audit)


def test_a_foreign_host_is_refused_even_with_a_session(app: Any, admin: TestClient) -> None:
    """DNS rebinding: a page on evil.example resolving to this server sends its own Host."""
    evil = TestClient(app, base_url="http://evil.example")
    evil.cookies.update(admin.cookies)
    for method, url in (("GET", "/api/plans"), ("GET", "/plans"), ("POST", "/api/plans")):
        r = evil.request(method, url, headers=_csrf(admin))
        assert r.status_code == 400 and "not served here" in r.json()["detail"], url


def test_delete_is_soft_audited_and_restorable(user: TestClient, admin: TestClient) -> None:
    text = PLAN.replace("ผึ้งชันโรงเพื่อผลิตน้ำผึ้งชุมชน", "ปลานิลในกระชังริมแม่น้ำวังเพื่อรายได้")
    r = user.post("/api/plans", data={"text": text}, headers=_csrf(user))
    pid = r.json()["id"]
    review = user.post(f"/api/plans/{pid}/align", json={}, headers=_csrf(user)).json()
    row = review["blocks"][0]["rows"][-1]
    target = row["cells"]["national"]["suggestions"][0]["target_id"]
    decided = user.put(
        f"/api/plans/{pid}/decisions",
        json={"section_key": row["section"]["key"], "framework": "national",
              "action": "accept", "target_id": target},
        headers=_csrf(user),
    )  # fmt: skip
    assert decided.status_code == 200

    def visible() -> tuple[bool, bool, bool, bool]:
        hits = user.get("/api/search", params={"q": "ปลานิลในกระชัง", "k": 50}).json()["hits"]
        similar = user.get("/api/similar", params={"q": "ปลานิลในกระชัง"}).json()
        cov = user.get("/api/coverage").json()
        return (
            pid in {p["id"] for p in user.get("/api/plans").json()},
            any("ปลานิล" in h["section"]["title"] for h in hits),
            "ปลานิล" in str(similar.get("groups", [])),
            pid in {p["id"] for p in cov["plans"]},
        )

    assert visible() == (True, True, True, True)
    r = user.delete(f"/api/plans/{pid}", headers=_csrf(user))
    assert r.status_code == 200 and r.json()["deleted"] is True
    assert visible() == (False, False, False, False)
    assert user.get(f"/api/plans/{pid}").status_code == 404
    archived = {p["id"]: p for p in user.get("/api/plans", params={"archived": 1}).json()}
    assert archived[pid]["archived_by"] == USER
    # the audit log records who deleted what, and cannot be rewritten
    entries = admin.get("/api/audit", params={"target": pid}).json()["entries"]
    actions = [(e["action"], e["who"]) for e in entries]
    assert ("plan.delete", USER) in actions and ("decision", USER) in actions
    assert ("plan.upload", USER) in actions and ("plan.align", USER) in actions
    db = sqlite3.connect(user.app.state.workbench.db.path)  # type: ignore[attr-defined]
    for sql in ("DELETE FROM audit", "UPDATE audit SET who='x'"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    db.close()
    # restore: everything is back, decisions included
    r = admin.post(f"/api/plans/{pid}/restore", headers=_csrf(admin))
    assert r.status_code == 200
    assert visible()[:2] == (True, True)
    history = user.get(f"/api/plans/{pid}/decisions").json()["history"]
    assert [(d["action"], d["who"]) for d in history] == [("accept", USER)]
    restored = admin.get("/api/audit", params={"target": pid}).json()["entries"][0]
    assert (restored["action"], restored["who"]) == ("plan.restore", ADMIN)
    assert admin.post(f"/api/plans/{pid}/restore", headers=_csrf(admin)).status_code == 404


def test_the_plans_page_offers_delete_and_restore(user: TestClient) -> None:
    pid = user.post("/api/plans", data={"text": plan_text("del")}, headers=_csrf(user)).json()["id"]
    page = user.get("/plans").text
    assert f'class="plan-delete" data-plan="{pid}"' in page
    user.delete(f"/api/plans/{pid}", headers=_csrf(user))
    page = user.get("/plans").text
    assert f'class="plan-restore" data-plan="{pid}"' in page and "แผนที่ลบแล้ว" in page


def test_heavy_endpoints_are_rate_limited_per_client(tmp_path: Path) -> None:
    app = create_app(
        tmp_path,
        embedder="hashing",
        login=True,
        rate_limits=RateLimits(upload=Rate(per_minute=6, burst=2), login=Rate(60, 30)),
    )
    try:
        app.state.workbench.accounts.create_user(USER, USER_PW, by="test")
        c = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
        assert c.post("/login", data={"name": USER, "password": USER_PW}).status_code == 303
        codes = [
            c.post("/api/plans", data={"text": plan_text(i)}, headers=_csrf(c)).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]
        r = c.post("/api/plans", data={"text": plan_text(3)}, headers=_csrf(c))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "ลองใหม่" in r.json()["detail"] and "try again" in r.json()["detail"]
        assert c.get("/api/plans").status_code == 200  # light requests are not limited
    finally:
        app.state.workbench.close()


def test_logout_ends_the_session(app: Any) -> None:
    c = _login(app, ADMIN, ADMIN_PW)
    assert c.get("/api/plans").status_code == 200
    assert c.post("/logout").status_code == 303
    assert c.get("/api/plans").status_code == 401
