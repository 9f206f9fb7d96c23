"""The planner's workflow in headless Chromium (issue 21): what the pages show.

Same harness as ``test_web_browser.py`` (uvicorn in a thread, hashing embedder, the
DevTools driver of ``test_report_browser.py``). Each test reproduces one defect on a
page: error banners that vanished and said "binary file"; a second copy of the same
document; English levels, dates and frameworks; learning across organisations with no
word of it; the Excel round trip that recorded changes nobody made; the overview that
aligned plans when opened; a number beside a label that the label is not cut from.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
pytest.importorskip("websocket", reason="pip install websocket-client (dev extra)")

from test_report_browser import CHROMIUM, Page, chromium_page  # noqa: E402
from test_report_strength_scale import TH_TO_CODE, consistent  # noqa: E402
from test_web_api import SEED_001, SEED_003, TOKEN, LiveServer  # noqa: E402
from test_web_browser import api, shot, upload_text, wait_js  # noqa: E402

from plansearch.frameworks import level_title  # noqa: E402
from plansearch.web.app import create_app  # noqa: E402

USER = "นายผู้ตรวจ ลำปาง"
OTHER_ORG = SEED_001.read_text(encoding="utf-8").replace("บ้านอ้อน", "บ้านโคกงาม")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = create_app(tmp_path_factory.mktemp("ws"), embedder="hashing", token=TOKEN)
    with LiveServer(app) as srv:
        yield srv
    app.state.workbench.close()


@pytest.fixture(scope="module")
def plans(server: LiveServer) -> dict[str, dict[str, Any]]:
    """Seed 001 (อบต.บ้านอ้อน, aligned), the same items as another อบต. (aligned), and
    seed 003 (not aligned)."""
    a = upload_text(server, SEED_001.read_text(encoding="utf-8"))
    b = upload_text(server, OTHER_ORG)
    c = upload_text(server, SEED_003.read_text(encoding="utf-8"))
    for p in (a, b):
        api(server, "POST", f"/api/plans/{p['id']}/align", {})
    return {"a": a, "b": b, "c": c}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (`make browser` installs Debian's chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    domains = ("Page", "Runtime", "Log", "Network", "DOM")
    with chromium_page(profile, width=1400, height=1600, domains=domains) as pg:
        yield pg


def choose_file(page: Page, selector: str, path: Path) -> None:
    doc = page.call("DOM.getDocument")
    node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector=selector)
    page.call("DOM.setFileInputFiles", files=[str(path)], nodeId=node["nodeId"])


def flash_text(page: Page) -> str:
    return str(
        wait_js(
            page,
            "!document.getElementById('flash').hidden && "
            "document.querySelector('#flash .msg') && document.getElementById('flash').textContent",
        )
    )


def sign_in(page: Page) -> None:
    page.js(f"localStorage.setItem('plansearch-user', {json.dumps(USER)})")


# ------------------------------------------------------- 6. upload errors
def test_upload_errors_are_the_readers_own_and_stay_until_closed(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    rng = random.Random(7)
    pdf = tmp_path / "แผนพัฒนา.pdf"
    pdf.write_bytes(bytes(rng.getrandbits(8) for _ in range(3 << 20)))
    page.open(server.url + "/plans")
    choose_file(page, "#plan-file", pdf)
    msg = flash_text(page)
    assert msg.startswith("อัปโหลดไม่สำเร็จ: แผนพัฒนา.pdf: ไม่ใช่ไฟล์ PDF ที่อ่านได้"), msg
    assert "NUL" not in msg and "binary" not in msg
    page.drain(9.0)  # the banner used to vanish after 8 s
    assert page.js("document.getElementById('flash').hidden") is False
    page.js("document.querySelector('#flash button.close').click()")
    assert page.js("document.getElementById('flash').hidden") is True
    docx = tmp_path / "แผนพัฒนา.docx"
    docx.write_bytes(b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(1 << 20)))
    choose_file(page, "#plan-file", docx)
    msg = flash_text(page)
    assert msg.startswith("อัปโหลดไม่สำเร็จ: แผนพัฒนา.docx: ไม่ใช่ไฟล์ Word (.docx) ที่อ่านได้"), msg
    shot(page, "w21-upload-error")


# ------------------------------------------------------- 4. the same file
def test_the_same_document_again_offers_the_existing_plan(
    page: Page, server: LiveServer, plans: dict[str, Any], tmp_path: Path
) -> None:
    again = tmp_path / "อัปโหลดซ้ำ.txt"
    again.write_text(SEED_003.read_text(encoding="utf-8"), encoding="utf-8")
    page.open(server.url + "/plans")
    before = page.js("document.querySelectorAll('#t-plans tbody tr').length")
    choose_file(page, "#plan-file", again)
    msg = flash_text(page)
    assert msg.startswith("แผนนี้อัปโหลดไว้แล้ว"), msg
    link = page.js("document.querySelector('#flash a').getAttribute('href')")
    assert link == f"/plans/{plans['c']['id']}"
    page.open(server.url + "/plans")
    assert page.js("document.querySelectorAll('#t-plans tbody tr').length") == before


# ------------------------------------------------------- 7. Thai throughout
def test_levels_dates_and_frameworks_are_thai(
    page: Page, server: LiveServer, plans: dict[str, Any]
) -> None:
    page.open(server.url + "/plans")
    cells = "#t-plans tbody tr td:nth-child(5)"
    dates = page.js(f"Array.from(document.querySelectorAll('{cells}'), e => e.textContent)")
    assert dates and all(re.fullmatch(r"\d{1,2} \S+ 25\d\d \d\d:\d\d น\.", d) for d in dates), dates
    page.open(server.url + "/search?q=" + urllib.request.quote("ถนน"))
    levels = page.js(
        "Array.from(document.querySelectorAll('select[name=level] option'),"
        " o => [o.value, o.textContent])"
    )
    assert levels[1:] and all(text == level_title(value) for value, text in levels[1:])
    assert not any(re.search(r"[a-z]{3}", text) for _, text in levels)
    page.open(server.url + "/frameworks")
    rows = page.js(
        "Array.from(document.querySelectorAll('#t-frameworks tbody tr'), r => [r.dataset.name,"
        " r.querySelector('.level').textContent, r.querySelector('.block').textContent,"
        " r.querySelector('.targets').textContent])"
    )
    got = {name: (level, block, int(n)) for name, level, block, n in rows}
    assert got["masterplan"][2] == 23 and got["nesdp13"][2] == 13
    assert got["national"][0] == "ระดับชาติ" and got["national"][1].startswith("ก. ")
    assert got["dla"][1].startswith("ฉ. ")
    assert page.js("document.querySelector('#fw-level option[value=province]').textContent") == (
        "จังหวัด"
    )
    assert page.problems() == []


# --------------------------------------- 3. learning, changed marks, 5. strength
def test_learning_from_another_organisation_is_a_choice_and_changes_are_marked(
    page: Page, server: LiveServer, plans: dict[str, Any]
) -> None:
    a, b = plans["a"], plans["b"]
    review_a = api(server, "GET", f"/api/plans/{a['id']}/review")
    items = [
        {
            "section_key": row["section"]["key"],
            "framework": f,
            "action": "change",
            "target_id": c["suggestions"][1]["target_id"],
        }
        for blk in review_a["blocks"]
        for row in blk["rows"]
        for f, c in row["cells"].items()
        if len(c["suggestions"]) > 1
    ]
    api(server, "PUT", f"/api/plans/{a['id']}/decisions", {"decisions": items, "who": "ผู้ตรวจ ก"})
    page.open(f"{server.url}/plans/{b['id']}/review")
    sign_in(page)
    wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
    assert page.js("document.getElementById('learn-others').checked") is False
    # re-aligning learns only from this organisation: nothing moves
    page.js("document.getElementById('align').click()")
    wait_js(page, "document.getElementById('align-status').textContent.startsWith('เชื่อมโยงแล้ว')")
    assert page.js("document.querySelectorAll('td.cell.moved').length") == 0
    assert "ของหน่วยงานนี้" in page.js("document.getElementById('review-progress').textContent")
    # the planner chooses to learn from other organisations too
    page.js("document.getElementById('learn-others').click()")
    wait_js(page, "document.getElementById('flash').textContent.startsWith('บันทึกแล้ว')")
    page.js("document.documentElement.removeAttribute('data-aligned')")
    page.js("document.getElementById('align').click()")
    wait_js(page, "document.querySelectorAll('td.cell.moved').length > 0")
    badges = page.js(
        "Array.from(document.querySelectorAll('td.cell.moved .changed'), e => e.textContent)"
    )
    assert badges and all(t.startswith("เปลี่ยน ครั้งก่อน: ") for t in badges)
    progress = page.js("document.getElementById('review-progress').textContent")
    assert (
        "(รวมหน่วยงานอื่น)" in progress and f"เปลี่ยนจากการเชื่อมโยงครั้งก่อน {len(badges)} ช่อง" in progress
    )
    shot(page, "w21-review-changed")
    # 5. every number beside a strength label is the share the label is cut from
    th = api(server, "GET", f"/api/plans/{b['id']}/review")
    pairs = page.js("Array.from(document.querySelectorAll('.sugs .score'), e => e.textContent)")
    assert pairs
    wb = server.server.config.app.state.workbench
    thresholds = wb.aligner.aligned(b["id"]).alignment.thresholds
    for text in pairs:
        label, number = text.rsplit(" ", 1)
        assert consistent(TH_TO_CODE[label], float(number), thresholds), text
    assert th["learning"]["used_from_others"] is True
    assert page.problems() == []


# ------------------------------------------------------ 2. Excel round trip
def test_excel_round_trip_in_the_page_shows_the_edit_and_the_conflict(
    page: Page, server: LiveServer, plans: dict[str, Any], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    pid = plans["c"]["id"]
    api(server, "POST", f"/api/plans/{pid}/align", {"frameworks": ["national", "sdg"]})
    page.open(f"{server.url}/plans/{pid}/review")
    sign_in(page)
    wait_js(page, "document.documentElement.getAttribute('data-aligned') === '1'")
    b64 = wait_js(
        page,
        "(window.__x = window.__x || fetch(document.getElementById('export-xlsx').href)"
        ".then(r => r.arrayBuffer()).then(b => { let s = ''; const u = new Uint8Array(b);"
        " for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);"
        " window.__xlsx = btoa(s); }), window.__xlsx)",
    )
    # after the export, the planner accepts the first cell in the browser
    first = "#block-0 tbody tr:nth-child(1) td.cell[data-fw='national']"
    key = page.js(f'document.querySelector("{first}").dataset.key')
    page.js(f"document.querySelector(\"{first} button[data-action='accept']\").click()")
    wait_js(page, f"document.querySelector(\"{first}\").classList.contains('accept')")
    # ... and in the file rejects that cell and changes another one's target
    book = load_workbook(io.BytesIO(base64.b64decode(b64)))
    ws = book["การตัดสินใจ"]
    rows = list(ws.iter_rows(min_row=2))
    other = next(r for r in rows if r[2].value == "sdg" and r[1].value != key)
    new_target = "SDG17" if other[5].value != "SDG17" else "SDG16"
    other[5].value = new_target
    next(r for r in rows if r[1].value == key and r[2].value == "national")[7].value = "ปฏิเสธ"
    edited = tmp_path / "แก้ไข.xlsx"
    book.save(edited)
    page.js("document.querySelector('#controls details').open = true")
    choose_file(page, "#import-file", edited)
    wait_js(
        page,
        "!!document.querySelector('#import-diff table.diff') || "
        "(!document.getElementById('flash').hidden && document.getElementById('flash').className)",
    )
    assert page.js("document.getElementById('flash').className") != "error", page.js(
        "document.getElementById('flash').textContent"
    )
    changes = page.js(
        "Array.from(document.querySelectorAll('#import-diff tr.change td'), e => e.textContent)"
    )
    conflicts = page.js(
        "Array.from(document.querySelectorAll('#import-diff tr.conflict td'), e => e.textContent)"
    )
    assert (
        len(changes) == 4 and changes[1].startswith("ค. ") and changes[3] == f"เปลี่ยน {new_target}"
    )
    assert changes[2].startswith("ข้อเสนอ") and "suggested" not in " ".join(changes)
    assert len(conflicts) == 4 and conflicts[1].startswith("ก. ")
    assert conflicts[2].startswith("ในระบบตอนนี้: ยอมรับ") and USER in conflicts[2]
    assert conflicts[3].startswith("ขัดกัน: ในไฟล์ ปฏิเสธ")
    shot(page, "w21-import-conflict")
    page.js("document.querySelector('#import-diff button.primary').click()")
    wait_js(page, "document.getElementById('flash').textContent.startsWith('นำเข้าแล้ว 1 รายการ')")
    wait_js(page, f"document.querySelector(\"{first}\").classList.contains('accept')")
    assert page.problems() == []


# ----------------------------------------------------------- 1. coverage
def test_the_overview_reads_recorded_alignments_and_starts_one_on_request(
    page: Page, server: LiveServer, plans: dict[str, Any]
) -> None:
    fresh = upload_text(server, SEED_003.read_text(encoding="utf-8") + "\nหมายเหตุ ฉบับทบทวน\n")
    wb = server.server.config.app.state.workbench
    runs = len(wb.db.runs(fresh["id"]))
    page.open(server.url + "/coverage")
    assert len(wb.db.runs(fresh["id"])) == runs  # opening the page aligned nothing
    waiting = page.js(
        "Array.from(document.querySelectorAll('#not-aligned li'), e => e.dataset.plan)"
    )
    assert fresh["id"] in waiting
    assert page.js("document.getElementById('coverage-rule').textContent").startswith(
        "วิธีนับ: นับจากการตัดสินใจของผู้ตรวจก่อน"
    )
    shown = page.js(
        "Array.from(document.querySelectorAll('section[data-framework]'), s => s.dataset.framework)"
    )
    assert shown[:2] == ["national", "masterplan"] and "nesdp13" in shown
    rows = page.js("document.querySelectorAll('section[data-framework=nesdp13] tbody tr').length")
    assert rows == 13  # the หมุดหมาย, not the 4 มิติ
    page.events.clear()
    page.js(f"document.querySelector(\"button.align-now[data-plan='{fresh['id']}']\").click()")
    page.wait_for("Page.loadEventFired", timeout=120)  # aligned, then shown again
    page.drain()
    waiting = page.js(
        "Array.from(document.querySelectorAll('#not-aligned li'), e => e.dataset.plan)"
    )
    assert fresh["id"] not in (waiting or [])
    assert len(wb.db.runs(fresh["id"])) == runs + 1
    shot(page, "w21-coverage")
    assert page.problems() == []
