"""Parse-quality flags in the workbench (issue 20): every flag shown in Thai, a flag's fix
applied to a whole level in one step, and the review keeps every item afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plansearch.web.app import create_app

TOKEN = "t" * 32
H = {"X-Plansearch-Token": TOKEN}
#: numbered headings with numbered items under them, but no word saying "strategy"
GOALS = """แผนพัฒนาท้องถิ่น องค์การบริหารส่วนตำบลทดสอบ อำเภอเมือง จังหวัดลำปาง
เป้าประสงค์
1. การพัฒนาด้านโครงสร้างพื้นฐาน
1.1 ก่อสร้างถนนคอนกรีตเสริมเหล็กในหมู่บ้านให้ได้มาตรฐาน
1.2 ขยายเขตประปาหมู่บ้านให้ทั่วถึงทุกครัวเรือน
2. การพัฒนาด้านสังคมและคุณภาพชีวิต
2.1 ส่งเสริมสุขภาพและสวัสดิการผู้สูงอายุ
2.2 ป้องกันและควบคุมโรคไข้เลือดออก
3. การพัฒนาด้านเศรษฐกิจ
3.1 ส่งเสริมอาชีพและรายได้ของกลุ่มเกษตรกร
3.2 พัฒนาตลาดชุมชนและผลิตภัณฑ์ท้องถิ่น
"""


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(tmp_path / "ws", embedder="hashing", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.workbench.close()


def _upload(c: TestClient, text: str) -> dict[str, Any]:
    r = c.post("/api/plans", data={"text": text, "name": "goals.txt"}, headers=H)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_flags_fix_applies_to_the_whole_level_in_one_step(client: TestClient) -> None:
    plan = _upload(client, GOALS)
    quality = plan["quality"]
    assert not quality["ok"] and quality["strategies"] == 0
    flag = next(f for f in quality["flags"] if f["fix"])
    assert flag["code"] == "numbered_headings_not_strategies" and flag["message"]
    keys = {s["key"] for s in plan["sections"]}
    kinds = flag["fix"]["kinds"]
    assert {k["id"] for k in kinds} <= keys  # the fix names the workbench's own keys
    body = {"fixes": [{"key": k["id"], "kind": k["kind"]} for k in kinds], "who": "ผู้ทดสอบ"}
    fixed = client.post(f"/api/plans/{plan['id']}/fixes", json=body, headers=H).json()
    assert fixed["quality"]["strategies"] == 3 and fixed["quality"]["tactics"] == 6
    assert fixed["quality"]["ok"], fixed["quality"]["flags"]
    # the review has a block per strategy with every item: nothing dropped
    rv = client.post(f"/api/plans/{plan['id']}/align", json={"frameworks": ["sdg"]}, headers=H)
    blocks = rv.json()["blocks"]
    assert [b["strategy"]["kind"] for b in blocks if b["strategy"]] == ["strategy"] * 3
    assert sum(len(b["rows"]) for b in blocks) == 9
    # one request, one fix per section in the audit log
    log = client.get("/api/audit", params={"target": plan["id"]}, headers=H).json()["entries"]
    assert sum(e["action"] == "plan.fix" for e in log) == 9


def test_bad_fix_requests_are_refused_whole(client: TestClient) -> None:
    plan = _upload(client, GOALS)
    pid = plan["id"]
    key = plan["sections"][0]["key"]
    for body in (
        {},
        {"fixes": "strategy"},
        {"fixes": []},
        {"fixes": [{"key": key, "kind": "no-such-kind"}]},
        {"fixes": [{"key": key, "kind": "strategy"}, {"key": "k-missing", "kind": "tactic"}]},
    ):
        r = client.post(f"/api/plans/{pid}/fixes", json=body, headers=H)
        assert 400 <= r.status_code < 500, (body, r.status_code)
    # nothing was applied by a refused request (the valid first fix included)
    after = client.get(f"/api/plans/{pid}").json()
    assert after["sections"][0]["kind"] == plan["sections"][0]["kind"]
    assert client.post(f"/api/plans/{pid}/fixes", json={"fixes": []}).status_code == 403


@pytest.mark.browser
def test_the_plan_page_shows_flags_and_fixes_a_level_with_one_click(tmp_path: Path) -> None:
    pytest.importorskip("websocket", reason="pip install websocket-client (dev extra)")
    from test_report_browser import CHROMIUM, chromium_page
    from test_web_api import LiveServer
    from test_web_browser import upload_text, wait_js

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (`make browser` installs Debian's chromium)")
    app = create_app(tmp_path / "ws", embedder="hashing", token="test-token")
    domains = ("Page", "Runtime", "Log", "Network", "DOM")
    try:
        with (
            LiveServer(app) as srv,
            chromium_page(tmp_path / "profile", width=1400, height=1600, domains=domains) as page,
        ):
            pid = upload_text(srv, GOALS)["id"]
            page.open(f"{srv.url}/plans/{pid}")
            quality = str(page.js("document.getElementById('quality').innerText"))
            assert "ไม่พบปัญหา" not in quality and "ยุทธศาสตร์" in quality
            assert page.js("document.querySelectorAll('#flags li').length") >= 1
            page.js("localStorage.setItem('plansearch-user', 'ผู้ทดสอบ')")
            page.js("document.querySelector('.fix-level').click()")
            wait_js(page, "document.querySelector('#quality .ok') !== null")
            assert "ไม่พบปัญหา" in str(page.js("document.getElementById('quality').innerText"))
            kinds = page.js(
                "Array.from(document.querySelectorAll('#tree li'), li => li.className).join(' ')"
            )
            assert str(kinds).count("kind-strategy") == 3 and str(kinds).count("kind-tactic") == 6
    finally:
        app.state.workbench.close()
