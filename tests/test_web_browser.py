"""The workbench end to end in a real headless browser (Debian's ``chromium``).

A uvicorn server (hashing embedder) in a thread; Chromium driven over the DevTools
protocol with the driver of ``test_report_browser.py``. The planner's path: upload
seed 001 as DOCX through the file input → align (progress) → accept one suggestion,
pick another for a second cell → the Excel export fetched by the page holds both
decisions; search and similar-goal pages answer on topic; hostile plan text stays
inert; no console errors anywhere. Screenshots go to ``reports/web/``.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
pytest.importorskip("websocket", reason="pip install websocket-client (dev extra)")

from test_report_browser import CHROMIUM, Page, chromium_page  # noqa: E402
from test_web_api import HOSTILE, SEED_001, SEED_003, TOKEN, LiveServer  # noqa: E402

from plansearch.web.app import create_app  # noqa: E402

SHOTS = Path(__file__).parent.parent / "reports" / "web"
SEED_000 = SEED_001.parent / "000_7c6bce5cff1fe495.txt"
USER = "นางสาวผู้ตรวจ ทดสอบ"


def wait_js(page: Page, expression: str, timeout: float = 60.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = page.js(expression)
        if value:
            return value
        page.drain(0.2)
    raise TimeoutError(f"{expression!r} stayed falsy for {timeout}s")


def shot(page: Page, name: str) -> Path:
    png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    path.write_bytes(png)  # for a person to look at (reports/ is git-ignored)
    return path


def docx_of(text_file: Path, out: Path) -> Path:
    import docx

    document = docx.Document()
    for line in text_file.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(out))
    return out


def api(server: LiveServer, method: str, path: str, body: Any = None) -> Any:
    data = None
    headers = {"X-Plansearch-Token": TOKEN}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def upload_text(server: LiveServer, text: str) -> dict[str, Any]:
    boundary = "----plansearchtest"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(
        server.url + "/api/plans",
        data=body,
        method="POST",
        headers={
            "X-Plansearch-Token": TOKEN,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return dict(json.load(r))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = create_app(tmp_path_factory.mktemp("ws"), embedder="hashing", token=TOKEN)
    with LiveServer(app) as srv:
        # other organisations' plans, for search and similar goals
        upload_text(srv, SEED_000.read_text(encoding="utf-8"))
        upload_text(srv, SEED_003.read_text(encoding="utf-8"))
        yield srv
    app.state.workbench.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (`make browser` installs Debian's chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    domains = ("Page", "Runtime", "Log", "Network", "DOM")
    with chromium_page(profile, width=1400, height=1800, domains=domains) as pg:
        yield pg


def only_local_requests(page: Page, server: LiveServer) -> list[str]:
    return [u for u in page.requests() if not u.startswith((server.url, "data:"))]


def test_upload_align_decide_export(page: Page, server: LiveServer, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page.open(server.url + "/plans")
    assert page.js("document.documentElement.getAttribute('data-ready')") == "1"
    # the planner's name, entered once per browser
    page.js(
        f"(() => {{const i = document.getElementById('who'); i.value = {json.dumps(USER)};"
        " i.dispatchEvent(new Event('change'));})()"
    )
    assert page.js("localStorage.getItem('plansearch-user')") == USER

    # upload seed 001 as DOCX through the file input (as a person choosing the file)
    docx_file = docx_of(SEED_001, tmp_path / "แผนพัฒนาบ้านอ้อน.docx")
    doc = page.call("DOM.getDocument")
    node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="#plan-file")
    page.events.clear()
    page.call("DOM.setFileInputFiles", files=[str(docx_file)], nodeId=node["nodeId"])
    page.wait_for("Page.loadEventFired", timeout=60)  # redirected to the plan's page
    page.drain()
    url = page.js("location.pathname")
    assert url.startswith("/plans/p-")
    plan_id = url.split("/")[2]
    assert "บ้านอ้อน" in page.js("document.querySelector('h1').textContent")
    assert page.js("document.querySelectorAll('#tree li.kind-strategy').length") == 5
    assert page.js("document.querySelectorAll('#tree li.kind-tactic').length") == 16
    assert page.problems() == []
    shot(page, "1-plan-tree")

    # align, with progress
    page.open(f"{server.url}/plans/{plan_id}/review")
    page.js("document.getElementById('align').click()")
    wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
    assert page.js("document.querySelectorAll('#review section.block').length") == 5
    heads = page.js(
        "Array.from(document.querySelectorAll('#block-0 thead th'), h => h.textContent)"
    )
    assert heads[1].startswith("ก. ยุทธศาสตร์ชาติ") and any(h.startswith("ค. ") for h in heads)
    assert page.js("document.getElementById('align-status').textContent").startswith("เชื่อมโยงแล้ว")

    # accept the top suggestion of one cell, pick another for a second cell
    first = "#block-0 tbody tr:nth-child(1) td.cell[data-fw='national']"
    second = "#block-0 tbody tr:nth-child(2) td.cell[data-fw='national']"
    accepted = page.js(f'document.querySelector("{first} .sugs li b").textContent')
    changed = page.js(f'document.querySelectorAll("{second} .sugs li b")[1].textContent')
    page.js(f"document.querySelector(\"{first} button[data-action='accept']\").click()")
    wait_js(page, f"document.querySelector(\"{first}\").classList.contains('accept')")
    page.js(f"document.querySelector(\"{second} button[data-action='change']\").click()")
    wait_js(page, f"document.querySelector(\"{second}\").classList.contains('change')")
    state = page.js(f'document.querySelector("{second} .state").textContent')
    assert changed in state and USER in state
    assert page.js("document.getElementById('review-progress').textContent").startswith(
        "ตรวจแล้ว 2 จาก"
    )
    shot(page, "2-linkage-review")

    # decisions survive a reload (saved at once, server side)
    page.open(f"{server.url}/plans/{plan_id}/review")
    wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
    assert page.js(f"document.querySelector(\"{first}\").classList.contains('accept')")

    # the Excel export, fetched by the page, holds both decisions
    b64 = wait_js(
        page,
        "(window.__x = window.__x || fetch(document.getElementById('export-xlsx').href)"
        ".then(r => r.arrayBuffer()).then(b => { let s = ''; const u = new Uint8Array(b);"
        " for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);"
        " window.__xlsx = btoa(s); }), window.__xlsx)",
    )
    book = load_workbook(io.BytesIO(base64.b64decode(b64)))
    rows = [r for r in book["การตัดสินใจ"].iter_rows(values_only=True) if r[2] == "national"]
    decided = {(r[5], r[7], r[8]) for r in rows if r[8]}
    assert decided == {(accepted, "ยอมรับ", USER), (changed, "เปลี่ยน", USER)}
    assert page.problems() == []
    assert only_local_requests(page, server) == []


def test_search_and_similar_pages_are_on_topic(page: Page, server: LiveServer) -> None:
    page.open(server.url + "/search?q=" + urllib.request.quote("ถนนคอนกรีต"))
    titles = page.js("Array.from(document.querySelectorAll('#hits li .title'), e => e.textContent)")
    assert titles and sum("ถนน" in t for t in titles[:5]) >= 3
    shot(page, "3-search")
    assert page.problems() == []
    page.open(server.url + "/similar?q=" + urllib.request.quote("ส่งเสริมอาชีพและรายได้"))
    groups = page.js(
        "Array.from(document.querySelectorAll('#groups article h2'), e => e.textContent)"
    )
    assert len(groups) >= 2  # several organisations, one group each
    hits = page.js("Array.from(document.querySelectorAll('#groups li .title'), e => e.textContent)")
    assert sum("อาชีพ" in h or "รายได้" in h for h in hits[:5]) >= 2
    shot(page, "4-similar")
    page.open(server.url + "/coverage")
    shown = page.js(
        "Array.from(document.querySelectorAll('section[data-framework]'), s => s.dataset.framework)"
    )
    assert {"national", "masterplan", "nesdp13", "sdg", "dla"} <= set(shown)  # every one aligned
    shot(page, "5-coverage")
    assert page.problems() == []


def test_hostile_plan_text_is_inert(page: Page, server: LiveServer) -> None:
    plan = upload_text(server, HOSTILE)
    pid = plan["id"]
    api(server, "POST", f"/api/plans/{pid}/align", {})
    for url in (f"/plans/{pid}", f"/plans/{pid}/review", "/plans", "/search?q=ถนน"):
        page.open(server.url + url)
        if url.endswith("/review"):
            wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
        assert page.js("typeof window.__pwned") == "undefined", url
        # the only script that runs is app.js; the rest are the page's own JSON data
        # blocks (the plan page: sections and parse-quality flags), never the plan's text
        scripts = page.js(
            "Array.from(document.scripts,"
            " s => [s.type, new URL(s.src || location.href).pathname, s.id])"
        )
        running = [path for kind, path, _ in scripts if kind != "application/json"]
        assert running == ["/static/app.js"], url
        data = {ident for kind, _, ident in scripts if kind == "application/json"}
        if url == f"/plans/{pid}":  # flags-data only when the parse has flags
            assert "sections-data" in data and data <= {"flags-data", "sections-data"}, url
        else:
            assert not data, url
        assert page.js("document.images.length") == 0, url
        assert page.problems() == [], url
    page.open(f"{server.url}/plans/{pid}/review")
    wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
    body = page.js("document.getElementById('review').textContent")
    assert "onerror=" in body and "=HYPERLINK(" in body  # shown as text
    shot(page, "6-hostile-review")


def test_bad_upload_shows_one_clear_message(page: Page, server: LiveServer, tmp_path: Path) -> None:
    bad = tmp_path / "รูป.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    page.open(server.url + "/plans")
    before = page.js("document.querySelectorAll('#t-plans tbody tr').length")
    doc = page.call("DOM.getDocument")
    node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="#plan-file")
    page.call("DOM.setFileInputFiles", files=[str(bad)], nodeId=node["nodeId"])
    msg = wait_js(
        page,
        "!document.getElementById('flash').hidden && document.getElementById('flash').textContent",
    )
    assert msg.startswith("อัปโหลดไม่สำเร็จ") and ".png" in msg
    page.open(server.url + "/plans")
    assert page.js("document.querySelectorAll('#t-plans tbody tr').length") == before


def test_fix_a_section_then_reupload_an_edit(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    text = (
        "ยุทธศาสตร์ที่ 1 การพัฒนาด้านโครงสร้างพื้นฐาน\nแนวทางการพัฒนา\n"
        "1.1 ก่อสร้างถนนคอนกรีตเสริมเหล็ก\n"
        "ยุทธศาสตร์ที่ 2 การพัฒนาด้านสังคม\nแนวทางการพัฒนา\n2.1 ส่งเสริมอาชีพ\n"
    )
    plan = upload_text(server, text)
    tactic = next(s for s in plan["sections"] if s["title"] == "ก่อสร้างถนนคอนกรีตเสริมเหล็ก")
    other = next(s for s in plan["sections"] if s["title"] == "การพัฒนาด้านสังคม")
    page.open(f"{server.url}/plans/{plan['id']}")
    page.js(f"localStorage.setItem('plansearch-user', {json.dumps(USER)})")
    page.js(f"document.querySelector(\"button.fix-open[data-key='{tactic['key']}']\").click()")
    assert page.js("document.getElementById('fix').open") is True
    page.events.clear()
    page.js(
        "(() => {document.getElementById('fix-kind').value = 'project';"
        f" document.getElementById('fix-parent').value = '{other['key']}';"
        " document.getElementById('fix-save').click();})()"
    )
    page.wait_for("Page.loadEventFired")  # saved, then the page reloads
    page.drain()
    moved = page.js(
        f"(() => {{const li = document.querySelector(\"li[data-key='{tactic['key']}']\");"
        " return [li.className, li.parentElement.closest('li').getAttribute('data-key')];})()"
    )
    assert moved == ["kind-project", other["key"]]
    assert page.problems() == []
    # a re-upload of an edited version lists what changed; unchanged sections keep their keys
    edited = tmp_path / "แก้ไข.txt"
    edited.write_text(text.replace("ส่งเสริมอาชีพ", "ส่งเสริมอาชีพและรายได้"), encoding="utf-8")
    doc = page.call("DOM.getDocument")
    node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="#reupload")
    page.call("DOM.setFileInputFiles", files=[str(edited)], nodeId=node["nodeId"])
    result = wait_js(page, "document.getElementById('reupload-result').textContent")
    assert "ฉบับที่ 2" in result and "เดิม: ส่งเสริมอาชีพ" in result
    assert "ใหม่: ส่งเสริมอาชีพและรายได้" in result
    page.open(f"{server.url}/plans/{plan['id']}")
    assert page.js(f"document.querySelector(\"li[data-key='{tactic['key']}']\").className") == (
        "kind-project"
    )  # the fix was re-applied to the re-parsed section
    assert page.problems() == []
