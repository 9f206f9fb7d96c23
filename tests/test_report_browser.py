"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``).

Checks that the page renders Thai headings and the linkage table, that its own
JavaScript runs without console errors (sorting and filtering work), that markup
inside plan text never executes, and takes a screenshot.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from alignment_factory import make_alignment

from plansearch.report.html import write_html

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
]
#: payloads that would change the DOM if they ever executed
PWN_SCRIPT = "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
PWN_IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
#: a tiny driver appended *by the test* (not by plansearch) to exercise sort and filter
DRIVER = """<script>
(function(){var r=document.documentElement;
 var t=document.querySelector('table.sortable'); var th=t.tHead.rows[0].cells[0];
 th.click(); r.setAttribute('data-sorted', th.getAttribute('aria-sort')||'');
 var f=document.querySelector('input.filter'); f.value='zzzz-no-such-text';
 f.dispatchEvent(new Event('input'));
 var tb=document.getElementById(f.getAttribute('data-table')).tBodies[0];
 var vis=Array.prototype.filter.call(tb.rows,function(x){return !x.hidden;}).length;
 r.setAttribute('data-visible-after-filter', String(vis));})();
</script></body>"""


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _console_errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@pytest.fixture()
def report(tmp_path: Path) -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make browser installs Debian's chromium)")
    al = make_alignment()
    hostile = al.items[0].item
    hostile = replace(hostile, title=hostile.title + " " + PWN_SCRIPT, text=PWN_IMG)
    items = (replace(al.items[0], item=hostile), *al.items[1:])
    return write_html(replace(al, items=items), tmp_path / "report.html")


def test_report_renders_thai_without_errors_and_never_runs_plan_text(report, tmp_path):
    run = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert 'data-ready="1"' in dom  # the report's own script ran to the end
    assert not re.search(r"<html[^>]*data-js-errors", dom)
    assert _console_errors(run.stderr) == []
    assert not re.search(
        r"<html[^>]*data-pwned", dom
    )  # neither <script> nor onerror in plan text executed
    assert "&lt;script&gt;document.documentElement" in dom  # shown as text instead
    for heading in ("ตารางความเชื่อมโยง", "แผนภาพความสอดคล้อง", "ความครอบคลุมและช่องว่าง"):
        assert heading in dom
    assert re.search(r"<table[^>]*id=\"t-linkage\"", dom) or "ยุทธศาสตร์ท้องถิ่น" in dom


def test_sort_and_filter_work_in_the_browser(report, tmp_path):
    driven = tmp_path / "driven.html"
    driven.write_text(
        report.read_text(encoding="utf-8").replace("</body>", DRIVER, 1), encoding="utf-8"
    )
    run = _chromium(tmp_path, "--dump-dom", driven.as_uri())
    assert _console_errors(run.stderr) == []
    assert re.search(r'data-sorted="(ascending|descending)"', run.stdout)
    assert 'data-visible-after-filter="0"' in run.stdout


def test_screenshot(report, tmp_path):
    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1800", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    keep = Path(__file__).parent.parent / "reports" / "_browser_screenshot.png"
    keep.parent.mkdir(exist_ok=True)
    shutil.copy(shot, keep)  # for a person to look at (reports/ is git-ignored)
