"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``).

Driven over the DevTools protocol (``websocket-client``): the test records every
console message, uncaught exception, log entry and network request, evaluates
JavaScript in the page (is ``window.__pwned`` set? how many rows are visible?), clicks
table headers, types into the filter box and takes a screenshot. A negative control
proves the harness does catch errors and network requests.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alignment_factory import XSS_SCRIPT, make_alignment

from plansearch.report.html import write_html

pytestmark = pytest.mark.browser
websocket = pytest.importorskip("websocket", reason="pip install websocket-client (dev extra)")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-port=0",
    "--window-size=1280,2000",
]
#: payloads that would change the DOM if they ever executed
PWN_SCRIPT = "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
PWN_IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
LINKAGE_COLUMNS = (
    "ยุทธศาสตร์ชาติ",
    "แผนแม่บท",
    "หมุดหมาย",
    "SDG",
    "ยุทธศาสตร์จังหวัด",
    "ยุทธศาสตร์ อปท.ในเขตจังหวัด",
)


class Page:
    """A minimal DevTools-protocol client for one page target."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.seq = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(e["method"] == event for e in self.events):
                return
            self.ws.settimeout(max(0.05, end - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        raise TimeoutError(f"no {event} within {timeout}s")

    def drain(self, seconds: float = 0.5) -> None:
        """Collect events that arrive in the next ``seconds`` (late errors, requests)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if "method" in msg:
                self.events.append(msg)
        self.ws.settimeout(30)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.drain()

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression!r} threw: {res['exceptionDetails']}")
        return res["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and error log entries."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p["type"] in (
                "error",
                "warning",
                "assert",
            ):
                out.append(f"console.{p['type']}: {p.get('args')}")
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails']}")
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log: {p['entry'].get('text')}")
        return out

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]


@contextlib.contextmanager
def chromium_page(
    profile: Path,
    *,
    width: int,
    height: int,
    domains: tuple[str, ...] = ("Page", "Runtime", "Log", "Network"),
) -> Iterator[Page]:
    """Start headless Chromium with ``profile``, connect over DevTools, enable ``domains``."""
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],  # type: ignore[list-item]
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > end:
                pytest.fail(f"chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        target = next(t for t in targets if t["type"] == "page")
        pg = Page(target["webSocketDebuggerUrl"])
        for domain in domains:
            pg.call(f"{domain}.enable")
        pg.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield pg
        pg.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (`make browser` installs Debian's chromium)")
    with chromium_page(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=2000) as pg:
        yield pg


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    al = make_alignment()
    first = al.items[0].item  # a strategy: it shows in the heatmap and linkage table too
    hostile = replace(first, title=first.title + " " + PWN_SCRIPT, text=PWN_IMG)
    items = (replace(al.items[0], item=hostile), *al.items[1:])
    link = (replace(al.linkage[0], strategy=hostile), *al.linkage[1:])
    al = replace(al, items=items, linkage=link)
    return write_html(al, tmp_path_factory.mktemp("html") / "รายงาน.html"), al


def test_harness_catches_errors_and_network_requests(page: Page, tmp_path: Path) -> None:
    # negative control: without it, "no problems found" below could be vacuous
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><img src='http://127.0.0.1:9/x.png'>"
        "<script>console.error('boom'); window.__pwned = 1; undefinedFn();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    page.open(bad.as_uri())
    problems = page.problems()
    assert any("console.error" in p for p in problems)
    assert any("exception" in p and "undefinedFn" in p for p in problems)
    assert any(u.startswith("http://127.0.0.1:9/") for u in page.requests())
    assert page.js("typeof window.__pwned") == "number"


def test_report_loads_cleanly_offline_and_never_runs_plan_text(page: Page, report) -> None:
    path, _ = report
    page.open(path.as_uri())
    assert page.js("document.documentElement.getAttribute('data-ready')") == "1"
    assert page.problems() == []
    assert page.js("document.documentElement.getAttribute('data-js-errors')") is None
    # the only request is the report itself: no CDN, font, image or script fetch
    assert [u for u in page.requests() if not u.startswith(("file:", "data:"))] == []
    # plan text with <script> / onerror / attribute break-outs never executed
    assert page.js("typeof window.__pwned") == "undefined"
    assert page.js("document.documentElement.hasAttribute('data-pwned')") is False
    assert page.js("document.scripts.length") == 1
    assert page.js("document.images.length") == 0
    body = page.js("document.body.textContent")
    assert PWN_SCRIPT in body and XSS_SCRIPT in body  # shown as text instead
    assert page.js("document.documentElement.lang") == "th"


def test_thai_headings_and_linkage_table_are_rendered(page: Page, report) -> None:
    path, al = report
    page.open(path.as_uri())
    h2 = page.js("Array.from(document.querySelectorAll('h2'), h => h.innerText)")
    for heading in ("สรุปผล", "ตารางความเชื่อมโยง", "ความครอบคลุมและช่องว่าง"):
        assert heading in h2
    assert any(h.startswith("แผนภาพความสอดคล้อง") for h in h2)
    heads = page.js(
        "Array.from(document.querySelectorAll('#t-linkage thead th'), h => h.innerText)"
    )
    assert heads[0] == "ยุทธศาสตร์ท้องถิ่น" and set(LINKAGE_COLUMNS) <= set(heads)
    assert page.js("document.querySelectorAll('#t-linkage tbody tr').length") == len(al.linkage)
    # the table is laid out and visible, not just present in the markup
    box = page.js(
        "(() => {const r = document.getElementById('t-linkage').getBoundingClientRect();"
        " return [r.width, r.height];})()"
    )
    assert box[0] > 600 and box[1] > 100
    # a heatmap per framework, national first
    h3 = page.js("Array.from(document.querySelectorAll('#heatmap h3'), h => h.innerText)")
    assert len(h3) == len(al.frameworks) and "ยุทธศาสตร์ชาติ" in h3[0]


def test_sort_by_clicking_a_header(page: Page, report) -> None:
    path, _ = report
    page.open(path.as_uri())
    col = page.js(
        "Array.from(document.querySelectorAll('#t-evidence thead th'), h => h.innerText.trim())"
        ".indexOf('สัดส่วนหลักฐาน (share)')"
    )
    assert col >= 0
    read = (
        f"Array.from(document.querySelectorAll('#t-evidence tbody tr'),"
        f" r => parseFloat(r.cells[{col}].getAttribute('data-v')))"
    )
    before = page.js(read)
    assert before != sorted(before, reverse=True)  # the click must actually reorder
    page.js(f"document.querySelectorAll('#t-evidence thead th')[{col}].click()")
    first = page.js(read)
    assert first == sorted(before, reverse=True)
    page.js(f"document.querySelectorAll('#t-evidence thead th')[{col}].click()")
    assert page.js(read) == sorted(before)
    assert (
        page.js(
            f"document.querySelectorAll('#t-evidence thead th')[{col}].getAttribute('aria-sort')"
        )
        == "ascending"
    )
    assert page.problems() == []


def test_filter_by_typing(page: Page, report) -> None:
    path, al = report
    page.open(path.as_uri())
    term = "คุณภาพชีวิต"
    expected = sum(
        term in r.strategy.title or any(term in c.title for c in r.cells) for r in al.linkage
    )
    assert 0 < expected < len(al.linkage)
    page.js("document.querySelector('input.filter[data-table=\"t-linkage\"]').focus()")
    page.call("Input.insertText", text=term)  # real typing: fires the input event
    visible = (
        "Array.from(document.querySelectorAll('#t-linkage tbody tr')).filter(r => !r.hidden).length"
    )
    assert page.js(visible) == expected
    count = page.js("document.querySelector('[data-count-for=\"t-linkage\"]').textContent")
    assert count == f"แสดง {expected} จาก {len(al.linkage)} แถว"
    page.js(
        "(() => {const i = document.querySelector('input.filter[data-table=\"t-linkage\"]');"
        " i.value = ''; i.dispatchEvent(new Event('input'));})()"
    )
    assert page.js(visible) == len(al.linkage)
    assert page.problems() == []


def test_screenshot(page: Page, report) -> None:
    from PIL import Image

    path, _ = report
    page.open(path.as_uri())
    png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (1280, 2000)
    assert len(img.getcolors(maxcolors=1 << 20) or []) > 200  # text, heatmap colours, badges
    keep = Path(__file__).parent.parent / "reports" / "_browser_screenshot.png"
    keep.parent.mkdir(exist_ok=True)
    keep.write_bytes(png)  # for a person to look at (reports/ is git-ignored)
